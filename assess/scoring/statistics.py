"""Stage 1 of scoring: sufficient statistics of a set of responses.

:func:`summarise` reduces respondents to a :class:`Statistics` value that holds
everything :func:`assess.scoring.engine.score` needs and nothing about any single
respondent: counts, sums and sums of squares. For large surveys the same numbers
can be computed in SQL and handed to the engine directly; this module documents,
field by field, what each number is so that both computations agree.

Definitions used below (rules 1-5 of the scoring specification):

* ``v`` is a raw answer on the item's integer scale ``min..max``; a skipped or
  "don't know" answer is absent (missing). A value off the scale raises
  ``ValueError`` (rule 1).
* ``v' = min + max - v`` for a reverse-keyed item, else ``v' = v`` (rule 2).
* the item score is ``s = 100 * (v' - min) / (max - min)`` (rule 3).
* an answer is *top box* when ``v' >= max - 1`` (rule 4).
* a respondent's dimension score is the mean of their item scores in the
  dimension, counting only the ``k`` items of the dimension that belong to the
  respondent's audience, provided they answered at least ``ceil(k / 2)`` of
  them; otherwise it is missing (rule 5).

Internally the sums are accumulated exactly in integers and converted to float
once at the end (correctly rounded), so the result does not depend on the order
of the respondents and constant data gives variances of exactly zero.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from .model import AUDIENCES, RECOMMEND, InstrumentSpec, ItemSpec, Respondent
from .validate import validate_spec

#: Key of a reported group: ``(audience, segment question id, option id)``;
#: ``(audience, None, None)`` is the whole audience.
GroupKey = tuple[str, str | None, str | None]


def audience_key(audience: str) -> GroupKey:
    """The :data:`GroupKey` of a whole audience, e.g. ``("staff", None, None)``."""
    return (audience, None, None)


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of a set of values (rules 5-6).

    ``n`` values ``x``; ``sum = Σx``; ``sumsq = Σx²``.
    """

    n: int = 0
    sum: float = 0.0
    sumsq: float = 0.0

    def mean(self) -> float | None:
        """Arithmetic mean, ``None`` when there are no values."""
        return self.sum / self.n if self.n > 0 else None

    def variance(self) -> float | None:
        """Sample variance ``(Σx² - (Σx)²/n) / (n - 1)``; ``None`` when ``n < 2``.

        Rounding can make the difference a tiny negative number, or a tiny
        positive one for constant values: anything within :func:`zero_tolerance`
        of zero is returned as exactly ``0.0``.
        """
        return sample_variance(self.n, self.sum, self.sumsq)


def zero_tolerance(n: int, sumsq: float) -> float:
    """Variances at or below this are rounding noise and treated as exactly 0.

    ``1e-9`` absolutely, or ``1e-12`` of the mean square ``Σx²/n`` (the
    relative rounding error of float sums), whichever is larger. For scores on
    0..100 the smallest real non-zero variance is many orders of magnitude above.
    """
    return max(1e-9, 1e-12 * (sumsq / n if n > 0 else 0.0))


def sample_variance(n: int, total: float, sumsq: float) -> float | None:
    """Sample variance (n - 1) from count, sum and sum of squares; ``None`` when n < 2."""
    if n < 2:
        return None
    var = (sumsq - total * total / n) / (n - 1)
    if var <= zero_tolerance(n, sumsq):
        return 0.0
    return var


@dataclass(frozen=True)
class GroupStatistics:
    """One reported group: a whole audience or one option of a segment question.

    ``respondents``: submitted responses of the audience in the group, whatever
    they answered (used for suppression, rule 14).

    ``dimensions``: for each dimension in which the audience has items, the
    :class:`Moments` of the group's non-missing respondent dimension scores
    (rule 5). A dimension absent from the mapping counts as ``Moments()``.
    """

    respondents: int = 0
    dimensions: Mapping[str, Moments] = field(default_factory=dict)

    def dimension(self, dimension_id: str) -> Moments:
        """The moments of one dimension (zero moments if absent)."""
        return self.dimensions.get(dimension_id, _ZERO)


_ZERO = Moments()


@dataclass(frozen=True)
class AlphaStatistics:
    """Inputs of Cronbach's alpha for one audience and dimension (rule 7).

    Only respondents of the audience who answered *every one* of the dimension's
    ``k`` items for that audience count (listwise); ``n`` is how many.
    ``item_sum[i]`` / ``item_sumsq[i]`` are Σs and Σs² of item ``i``'s scores over
    them; ``total_sum`` / ``total_sumsq`` are Σt and Σt² of each respondent's
    total ``t`` = the sum of their ``k`` item scores.
    """

    n: int = 0
    item_sum: Mapping[str, float] = field(default_factory=dict)
    item_sumsq: Mapping[str, float] = field(default_factory=dict)
    total_sum: float = 0.0
    total_sumsq: float = 0.0


@dataclass(frozen=True)
class ItemStatistics:
    """One item over the respondents of its audience (rules 3-4).

    ``n``: non-missing answers; ``sum``: Σ of their item scores (0..100, after
    reverse recoding); ``top_box``: how many had ``v' >= max - 1``.
    """

    n: int = 0
    sum: float = 0.0
    top_box: int = 0


@dataclass(frozen=True)
class NpsStatistics:
    """Answers to the recommend item (rule 13), on 0..10.

    ``promoters``: answers 9-10; ``passives``: 7-8; ``detractors``: 0-6.
    """

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def n(self) -> int:
        """Non-missing answers."""
        return self.promoters + self.passives + self.detractors


@dataclass(frozen=True)
class Statistics:
    """Everything the engine needs; nothing about any single respondent.

    ``groups``: keyed by :data:`GroupKey` - ``(audience, None, None)`` for each
    audience, ``(audience, segment id, option id)`` for each option of each of
    the audience's segment questions. A missing key counts as an empty group.

    ``alpha``: keyed by ``(audience, dimension id)`` for every dimension in which
    the audience has items.

    ``items``: keyed by item id, every item of the instrument (dimension and
    outcome items).

    ``nps``: counts of the recommend item's answers (all zero if there is none).
    """

    groups: Mapping[GroupKey, GroupStatistics] = field(default_factory=dict)
    alpha: Mapping[tuple[str, str], AlphaStatistics] = field(default_factory=dict)
    items: Mapping[str, ItemStatistics] = field(default_factory=dict)
    nps: NpsStatistics = field(default_factory=NpsStatistics)

    def group(self, key: GroupKey) -> GroupStatistics:
        """The statistics of one group (an empty group if absent)."""
        return self.groups.get(key, _EMPTY_GROUP)

    def item(self, item_id: str) -> ItemStatistics:
        """The statistics of one item (zeros if absent)."""
        return self.items.get(item_id, _EMPTY_ITEM)

    def alpha_for(self, audience: str, dimension_id: str) -> AlphaStatistics:
        """The alpha inputs of one audience and dimension (zeros if absent)."""
        return self.alpha.get((audience, dimension_id), _EMPTY_ALPHA)

    def compare(self, other: Statistics, rel_tol: float = 1e-9, abs_tol: float = 1e-6) -> list[str]:
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


_EMPTY_GROUP = GroupStatistics()
_EMPTY_ITEM = ItemStatistics()
_EMPTY_ALPHA = AlphaStatistics()


def _keys(a: Mapping, b: Mapping) -> list:  # type: ignore[type-arg]
    seen = dict.fromkeys(a)
    seen.update(dict.fromkeys(b))
    return list(seen)


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
