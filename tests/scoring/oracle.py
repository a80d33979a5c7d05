"""The test oracle of stage 1: :func:`summarise`, respondent by respondent, in exact
integers, and :func:`compare`, which lists the differences of two statistics.

Production computes stage 1 with :func:`assess.scoring.tally` from answer codes
(numpy, column-wise); this plain-Python version is the reference it is tested
against (besides the naive :mod:`tests.scoring.reference`), and
:func:`score_respondents` scores respondents through it for the rule tests.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from assess.scoring import (
    AUDIENCES,
    RECOMMEND,
    AlphaStatistics,
    Codes,
    GroupKey,
    GroupStatistics,
    InstrumentSpec,
    ItemSpec,
    ItemStatistics,
    Moments,
    NpsStatistics,
    Results,
    Statistics,
    audience_items,
    audience_key,
    audience_segments,
    score,
    validate_spec,
)


@dataclass(frozen=True)
class Respondent:
    """One submitted response.

    ``answers`` maps item id to the raw value on the item's scale; an item that
    was skipped or answered "don't know / not applicable" is simply absent
    (rule 1: both are missing). ``segments`` maps segment question id to the
    chosen option id.
    """

    audience: str
    answers: Mapping[str, int]
    segments: Mapping[str, str] = field(default_factory=dict)


def codes_of(
    spec: InstrumentSpec, respondents: Iterable[Respondent]
) -> dict[str, tuple[Codes, Codes]]:
    """The respondents as :func:`assess.scoring.tally` reads them: per audience, item
    codes (``v - min + 1``; 0 missing) and segment codes (option position + 1).
    Answers to other audiences' or unknown items are left out, as the writers'
    encoding leaves them out."""
    rows: dict[str, tuple[list[list[int]], list[list[int]]]] = {a: ([], []) for a in AUDIENCES}
    for respondent in respondents:
        items = audience_items(spec, respondent.audience)
        segments = audience_segments(spec, respondent.audience)
        item_rows, segment_rows = rows[respondent.audience]
        item_rows.append([
            0 if (v := respondent.answers.get(i.id)) is None else v - i.min + 1 for i in items
        ])
        segment_rows.append([
            0 if (o := respondent.segments.get(q.id)) is None else q.options.index(o) + 1
            for q in segments
        ])
    return {
        audience: (
            np.array(item_rows, dtype=np.int64).reshape(
                len(item_rows), len(audience_items(spec, audience))
            ),
            np.array(segment_rows, dtype=np.int64).reshape(
                len(segment_rows), len(audience_segments(spec, audience))
            ),
        )
        for audience, (item_rows, segment_rows) in rows.items()
    }


def score_respondents(
    spec: InstrumentSpec, respondents: Iterable[Respondent], previous: Results | None = None
) -> Results:
    """``score(spec, summarise(spec, respondents), previous)``."""
    return score(spec, summarise(spec, respondents), previous)


def welch_gap_interval(
    staff_scores: Iterable[float], customer_scores: Iterable[float]
) -> tuple[float, float] | None:
    """Rule 9's ``gap_ci95`` from the two audiences' respondent dimension scores.

    Independent of the engine: the means and sample variances are exact
    (:class:`~fractions.Fraction` of the float scores), the Welch-Satterthwaite
    degrees of freedom are written out term by term, and only the t quantile
    comes from scipy. None if either audience has fewer than two scores.
    """
    s = [Fraction(v) for v in staff_scores]
    c = [Fraction(v) for v in customer_scores]
    if len(s) < 2 or len(c) < 2:
        return None

    def mean_var(values: list[Fraction]) -> tuple[Fraction, Fraction]:
        m = sum(values, Fraction(0)) / len(values)
        return m, sum(((v - m) ** 2 for v in values), Fraction(0)) / (len(values) - 1)

    (ms, vs), (mc, vc) = mean_var(s), mean_var(c)
    gap = float(ms - mc)
    a, b = vs / len(s), vc / len(c)
    if a + b == 0:
        return (gap, gap)
    nu = (a + b) ** 2 / (a**2 / (len(s) - 1) + b**2 / (len(c) - 1))
    from scipy import stats as sps

    half = float(sps.t.ppf(0.975, float(nu))) * math.sqrt(a + b)
    return (gap - half, gap + half)


def expected_suppression_reasons(
    counts: Mapping[str, int], total: int, threshold: int
) -> dict[str, str | None]:
    """Rules 14-15 written out for one breakdown: each option's expected
    ``suppressed_reason`` from its respondent count (``total``: the audience's
    respondents, so those who skipped the question count as one more group).

    A non-empty group below the threshold is ``"too_few"``. When exactly one part
    of the total is hidden that way, the smallest shown non-empty group (first in
    option order on ties) is ``"protects_smaller"``. Every other group is shown.
    Written without the engine's helper so that the property test compares two
    independent readings of the rules.
    """
    reasons: dict[str, str | None] = {
        option: ("too_few" if 0 < n < threshold else None) for option, n in counts.items()
    }
    skipped = total - sum(counts.values())
    hidden_parts = sum(1 for r in reasons.values() if r) + (1 if 0 < skipped < threshold else 0)
    if hidden_parts == 1:
        shown = [(n, i, o) for i, (o, n) in enumerate(counts.items()) if n > 0 and not reasons[o]]
        if shown:
            reasons[min(shown)[2]] = "protects_smaller"
    for option, n in counts.items():  # an empty group is hidden too (it has no scores)
        if n == 0 and threshold > 0:
            reasons[option] = "too_few"
    return reasons


def _as_int(value: object, item: ItemSpec) -> int:
    """Rule 1: an answer is an integer (``bool`` is refused)."""
    if isinstance(value, bool):
        raise ValueError(f"item {item.id!r}: answer {value!r} is not an integer")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"item {item.id!r}: answer {value!r} is not an integer") from None


class _AudiencePlan:
    """Per-audience lookup tables, computed once per :func:`summarise` call."""

    def __init__(self, spec: InstrumentSpec, audience: str) -> None:
        self.audience = audience
        items = [i for i in spec.items if i.audience == audience]
        self.items = items
        # Dimensions in which this audience has items, in instrument order.
        self.dims: list[str] = [
            d.id for d in spec.dimensions if any(i.dimension == d.id for i in items)
        ]
        dim_index = {d: n for n, d in enumerate(self.dims)}
        self.dim_items: list[list[int]] = [[] for _ in self.dims]
        for idx, item in enumerate(items):
            if item.dimension is not None:
                self.dim_items[dim_index[item.dimension]].append(idx)
        # Common denominator of a dimension's item scores: item score
        # s = 100 * u / span = (100 / lcm_span) * w with integer w = u * lcm_span / span.
        self.lcm_span: list[int] = [
            math.lcm(*(items[i].max - items[i].min for i in idxs)) for idxs in self.dim_items
        ]
        # Dimension score = (100 / lcm_span) * W / m for W = Σw over m answered items;
        # x = W * (lcm_k // m) is an integer with score = 100 / (lcm_span * lcm_k) * x.
        self.k: list[int] = [len(idxs) for idxs in self.dim_items]
        self.need: list[int] = [math.ceil(k / 2) for k in self.k]  # rule 5
        self.lcm_k: list[int] = [math.lcm(*range(1, k + 1)) for k in self.k]
        self.mult: list[list[int]] = [
            [0] + [lk // m for m in range(1, k + 1)]
            for k, lk in zip(self.k, self.lcm_k, strict=True)
        ]
        # item id -> (index, dimension index or -1, min, max, reverse, factor, top_u)
        self.table: dict[str, tuple[int, int, int, int, bool, int, int]] = {}
        for idx, item in enumerate(items):
            d = dim_index[item.dimension] if item.dimension is not None else -1
            span = item.max - item.min
            factor = self.lcm_span[d] // span if d >= 0 else 1
            # rule 4: v' >= max - 1  <=>  u = v' - min >= span - 1
            self.table[item.id] = (idx, d, item.min, item.max, item.reverse, factor, span - 1)
        self.segments = [s for s in spec.segments if s.audience == audience]
        self.options = [frozenset(s.options) for s in self.segments]
        rec = [idx for idx, i in enumerate(items) if i.outcome == RECOMMEND]
        self.recommend: int = rec[0] if rec else -1


def summarise(spec: InstrumentSpec, respondents: Iterable[Respondent]) -> Statistics:
    """Reduce respondents to their sufficient statistics (rules 1-5, 7, 13, 14).

    Raises ``ValueError`` for an answer off its item's scale or not an integer
    (rule 1), a respondent of an unknown audience, or a segment answer that is
    not one of the question's options. Answers to item ids the instrument does
    not have, or to items of the other audience, are ignored; so are answers to
    segment questions of the other audience or unknown to the instrument.
    """
    validate_spec(spec)
    plans = {aud: _AudiencePlan(spec, aud) for aud in AUDIENCES}

    # Accumulators, all exact integers. Respondents are first pooled by their
    # combination of segment answers (few distinct combinations), so each
    # respondent's dimension scores are added once; groups are formed at the end.
    combos: dict[str, dict[tuple[str | None, ...], list]] = {a: {} for a in AUDIENCES}  # type: ignore[type-arg]
    item_n = {a: [0] * len(plans[a].items) for a in AUDIENCES}
    item_u = {a: [0] * len(plans[a].items) for a in AUDIENCES}
    item_top = {a: [0] * len(plans[a].items) for a in AUDIENCES}
    # alpha: per audience and dimension [n, [Σw_i], [Σw_i²], Σt, Σt²]
    alpha_acc = {a: [[0, [0] * k, [0] * k, 0, 0] for k in plans[a].k] for a in AUDIENCES}
    nps = [0, 0, 0]  # promoters, passives, detractors

    for resp in respondents:
        audience = resp.audience
        plan = plans.get(audience)
        if plan is None:
            raise ValueError(f"respondent of unknown audience {audience!r}")
        table = plan.table
        n_dims = len(plan.dims)
        w_sum = [0] * n_dims
        w_cnt = [0] * n_dims
        got: dict[int, int] = {}
        a_item_n = item_n[audience]
        a_item_u = item_u[audience]
        a_item_top = item_top[audience]
        for item_id, value in resp.answers.items():
            info = table.get(item_id)
            if info is None:
                continue
            idx, d, lo, hi, reverse, factor, top_u = info
            v = value if type(value) is int else _as_int(value, plan.items[idx])
            if v < lo or v > hi:
                raise ValueError(
                    f"item {item_id!r}: answer {v} is off the scale {lo}..{hi} (rule 1)"
                )
            u = hi - v if reverse else v - lo  # rule 2 then rule 3 numerator
            a_item_n[idx] += 1
            a_item_u[idx] += u
            if u >= top_u:
                a_item_top[idx] += 1
            if d >= 0:
                w = u * factor
                w_sum[d] += w
                w_cnt[d] += 1
                got[idx] = w
            elif idx == plan.recommend:
                vv = lo + u  # v' (equal to v: the recommend item is never reverse-keyed)
                if vv >= 9:
                    nps[0] += 1
                elif vv >= 7:
                    nps[1] += 1
                else:
                    nps[2] += 1

        if plan.segments:
            seg_answers = resp.segments
            choice: list[str | None] = []
            for seg, options in zip(plan.segments, plan.options, strict=True):
                opt = seg_answers.get(seg.id)
                if opt is not None and opt not in options:
                    raise ValueError(f"segment {seg.id!r}: unknown option {opt!r}")
                choice.append(opt)
            combo: tuple[str | None, ...] = tuple(choice)
        else:
            combo = ()
        acc = combos[audience].get(combo)
        if acc is None:
            # [respondents, per dimension [count, Σx, Σx²]]
            acc = [0, [[0, 0, 0] for _ in range(n_dims)]]
            combos[audience][combo] = acc
        acc[0] += 1
        dim_acc = acc[1]
        for d in range(n_dims):
            m = w_cnt[d]
            if m and m >= plan.need[d]:  # rule 5
                x = w_sum[d] * plan.mult[d][m]
                b = dim_acc[d]
                b[0] += 1
                b[1] += x
                b[2] += x * x
                if m == plan.k[d]:  # listwise for rule 7
                    a = alpha_acc[audience][d]
                    a[0] += 1
                    s_i, ss_i = a[1], a[2]
                    for pos, idx in enumerate(plan.dim_items[d]):
                        w = got[idx]
                        s_i[pos] += w
                        ss_i[pos] += w * w
                    t = w_sum[d]
                    a[3] += t
                    a[4] += t * t

    return _finish(plans, combos, item_n, item_u, item_top, alpha_acc, nps)


def _f(value: Fraction) -> float:
    """Correctly rounded float of an exact value."""
    return float(value)


def _finish(
    plans: dict[str, _AudiencePlan],
    combos: dict[str, dict[tuple[str | None, ...], list]],  # type: ignore[type-arg]
    item_n: dict[str, list[int]],
    item_u: dict[str, list[int]],
    item_top: dict[str, list[int]],
    alpha_acc: dict[str, list[list]],  # type: ignore[type-arg]
    nps: list[int],
) -> Statistics:
    """Turn the exact integer accumulators into :class:`Statistics`."""
    groups: dict[GroupKey, GroupStatistics] = {}
    alpha: dict[tuple[str, str], AlphaStatistics] = {}
    items: dict[str, ItemStatistics] = {}
    for audience, plan in plans.items():
        n_dims = len(plan.dims)
        scale = [Fraction(100, plan.lcm_span[d] * plan.lcm_k[d]) for d in range(n_dims)]

        # Pool the combinations into the reported groups.
        keys: list[GroupKey] = [audience_key(audience)]
        for seg in plan.segments:
            keys.extend((audience, seg.id, opt) for opt in seg.options)
        raw: dict[GroupKey, list] = {  # type: ignore[type-arg]
            key: [0, [[0, 0, 0] for _ in range(n_dims)]] for key in keys
        }
        for combo, acc in combos[audience].items():
            targets = [raw[audience_key(audience)]]
            for seg, opt in zip(plan.segments, combo, strict=True):
                if opt is not None:
                    targets.append(raw[(audience, seg.id, opt)])
            for target in targets:
                target[0] += acc[0]
                for d in range(n_dims):
                    src, dst = acc[1][d], target[1][d]
                    dst[0] += src[0]
                    dst[1] += src[1]
                    dst[2] += src[2]
        for key, (count, dims) in raw.items():
            groups[key] = GroupStatistics(
                respondents=count,
                dimensions={
                    plan.dims[d]: Moments(
                        n=dims[d][0],
                        sum=_f(scale[d] * dims[d][1]),
                        sumsq=_f(scale[d] * scale[d] * dims[d][2]),
                    )
                    for d in range(n_dims)
                },
            )

        for d, dim_id in enumerate(plan.dims):
            n, s_i, ss_i, t, tt = alpha_acc[audience][d]
            c = Fraction(100, plan.lcm_span[d])
            ids = [plan.items[idx].id for idx in plan.dim_items[d]]
            alpha[(audience, dim_id)] = AlphaStatistics(
                n=n,
                item_sum={i: _f(c * s) for i, s in zip(ids, s_i, strict=True)},
                item_sumsq={i: _f(c * c * ss) for i, ss in zip(ids, ss_i, strict=True)},
                total_sum=_f(c * t),
                total_sumsq=_f(c * c * tt),
            )

        for idx, item in enumerate(plan.items):
            items[item.id] = ItemStatistics(
                n=item_n[audience][idx],
                sum=_f(Fraction(100 * item_u[audience][idx], item.max - item.min)),
                top_box=item_top[audience][idx],
            )

    return Statistics(
        groups=groups,
        alpha=alpha,
        items=items,
        nps=NpsStatistics(promoters=nps[0], passives=nps[1], detractors=nps[2]),
    )


def compare(
    self: Statistics, other: Statistics, rel_tol: float = 1e-9, abs_tol: float = 1e-6
) -> list[str]:
    """Differences between two statistics, as readable lines (empty: equal).

    Meant for checking an SQL computation against :func:`summarise`: counts
    must be equal, sums equal within ``rel_tol``/``abs_tol``; a key missing on
    one side compares as zeros.
    """
    out: list[str] = []

    def num(where: str, a: float, b: float) -> None:
        if isinstance(a, int) and isinstance(b, int):
            if a != b:
                out.append(f"{where}: {a} != {b}")
        elif not math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol):
            out.append(f"{where}: {a!r} != {b!r}")

    for key in _keys(self.groups, other.groups):
        ga, gb = self.group(key), other.group(key)
        num(f"groups[{key}].respondents", ga.respondents, gb.respondents)
        for dim in _keys(ga.dimensions, gb.dimensions):
            ma, mb = ga.dimension(dim), gb.dimension(dim)
            for name in ("n", "sum", "sumsq"):
                num(f"groups[{key}][{dim}].{name}", getattr(ma, name), getattr(mb, name))
    for key2 in _keys(self.alpha, other.alpha):
        aa, ab = self.alpha_for(*key2), other.alpha_for(*key2)
        for name in ("n", "total_sum", "total_sumsq"):
            num(f"alpha[{key2}].{name}", getattr(aa, name), getattr(ab, name))
        for mapping in ("item_sum", "item_sumsq"):
            da, db = getattr(aa, mapping), getattr(ab, mapping)
            for item_id in _keys(da, db):
                num(
                    f"alpha[{key2}].{mapping}[{item_id}]",
                    da.get(item_id, 0.0),
                    db.get(item_id, 0.0),
                )
    for item_id in _keys(self.items, other.items):
        ia, ib = self.item(item_id), other.item(item_id)
        for name in ("n", "sum", "top_box"):
            num(f"items[{item_id}].{name}", getattr(ia, name), getattr(ib, name))
    for name in ("promoters", "passives", "detractors"):
        num(f"nps.{name}", getattr(self.nps, name), getattr(other.nps, name))
    return out


def _keys(a: Mapping, b: Mapping) -> list:  # type: ignore[type-arg]
    seen = dict.fromkeys(a)
    seen.update(dict.fromkeys(b))
    return list(seen)
