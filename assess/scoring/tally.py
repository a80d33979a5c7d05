"""Stage 1 of scoring: answer codes -> sufficient :class:`Statistics`.

This is the one production implementation of rules 1-5, 7, 13 and 14's
arithmetic. Its input is the respondents' *answer codes*, one small integer
per answer, read column-wise with numpy:

* per audience, a matrix of **item codes**, one row per respondent and one
  column per item of the audience in the instrument's order
  (:func:`audience_items`): ``v - min + 1`` for an answer ``v``, 0 when the item
  is missing (skipped or "not applicable", rule 1);
* and a matrix of **segment codes**, one column per segment question of the
  audience in the instrument's order (:func:`audience_segments`): the chosen
  option's position + 1, 0 when skipped.

How the codes are stored and read (one short byte string per submitted
response) is the respondents' and the results' business
(:mod:`assess.respondents.codes`, :mod:`assess.results.statistics`); this
module only counts.

From the codes: reverse recoding (rule 2), item scores (rule 3), top box
(rule 4), the half-of-the-items rule and dimension scores (rule 5), listwise
alpha inputs (rule 7), NPS counts (rule 13) and the groups of rule 14. Every sum
is an exact integer (item scores are multiples of ``100 / lcm(spans)``,
respondent dimension scores multiples of that divided by ``lcm(1..k)``) turned
into a float once, correctly rounded, so the result does not depend on the
order of the respondents and constant data gives variances of exactly zero.

A code off its item's scale, or beyond a question's options, is ignored
(counted as missing): the writers never store one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .model import AUDIENCES, RECOMMEND, InstrumentSpec, ItemSpec, SegmentSpec
from .statistics import (
    AlphaStatistics,
    GroupKey,
    GroupStatistics,
    ItemStatistics,
    Moments,
    NpsStatistics,
    Statistics,
    audience_key,
)
from .validate import validate_spec

#: A matrix of codes: one row per respondent (int64).
Codes = npt.NDArray[np.int64]

#: Bits used of each 64-bit word when segment answers are packed for pooling.
WORD_BITS = 62

#: Sums of int64 columns stay exact below this; beyond, Python integers are used.
_INT64_SAFE = 2**62


def audience_items(spec: InstrumentSpec, audience: str) -> tuple[ItemSpec, ...]:
    """The columns of an audience's item codes: its items, in instrument order."""
    return tuple(i for i in spec.items if i.audience == audience)


def audience_segments(spec: InstrumentSpec, audience: str) -> tuple[SegmentSpec, ...]:
    """The columns of an audience's segment codes, in instrument order."""
    return tuple(s for s in spec.segments if s.audience == audience)


def no_codes(spec: InstrumentSpec, audience: str) -> tuple[Codes, Codes]:
    """Empty item and segment code matrices of an audience (no respondents)."""
    return (
        np.zeros((0, len(audience_items(spec, audience))), dtype=np.int64),
        np.zeros((0, len(audience_segments(spec, audience))), dtype=np.int64),
    )


def tally(spec: InstrumentSpec, codes: Mapping[str, tuple[Codes, Codes]]) -> Statistics:
    """The :class:`Statistics` of respondents given by their answer codes.

    ``codes[audience]`` is ``(item codes, segment codes)`` of the audience's
    respondents; an audience left out has none.
    """
    validate_spec(spec)
    groups: dict[GroupKey, GroupStatistics] = {}
    alpha: dict[tuple[str, str], AlphaStatistics] = {}
    items: dict[str, ItemStatistics] = {}
    nps = [0, 0, 0]
    for audience in AUDIENCES:
        item_codes, segment_codes = codes.get(audience) or no_codes(spec, audience)
        _audience_statistics(
            _AudiencePlan(spec, audience), item_codes, segment_codes, groups, alpha, items, nps
        )
    return Statistics(
        groups=groups,
        alpha=alpha,
        items=items,
        nps=NpsStatistics(promoters=nps[0], passives=nps[1], detractors=nps[2]),
    )


# -- plans ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """A bit field of a packed word: ``(word >> shift) & (2**bits - 1)``."""

    word: int
    shift: int
    bits: int

    def read(self, words: Codes) -> Codes:
        return (words[:, self.word] >> self.shift) & ((1 << self.bits) - 1)


def _pack(widths: Sequence[int]) -> tuple[list[_Field], range]:
    """Fields of the given widths in consecutive words from word 0 on."""
    fields = []
    word, shift = 0, 0
    for bits in widths:
        if bits > WORD_BITS:
            raise ValueError("a segment question too large to pack")
        if shift + bits > WORD_BITS:
            word, shift = word + 1, 0
        fields.append(_Field(word, shift, bits))
        shift += bits
    return fields, range(0, word + 1 if widths else 0)


@dataclass(frozen=True)
class _DimensionPlan:
    id: str
    items: tuple[int, ...]  # indices into the audience's items
    factors: tuple[int, ...]  # w = u * factor puts every item on 0..lcm_span
    lcm_span: int
    lcm_k: int

    @property
    def k(self) -> int:
        return len(self.items)

    @property
    def need(self) -> int:
        return math.ceil(self.k / 2)  # rule 5


class _AudiencePlan:
    """One audience's items, segment questions and dimensions."""

    def __init__(self, spec: InstrumentSpec, audience: str) -> None:
        self.audience = audience
        self.items = list(audience_items(spec, audience))
        self.segments = list(audience_segments(spec, audience))
        # Segment answers are packed into words to pool respondents by their
        # combination of answers (few distinct ones).
        self.segment_fields, self.segment_words = _pack(
            [len(s.options).bit_length() for s in self.segments]
        )
        self.dimensions: list[_DimensionPlan] = []
        for dim in spec.dimensions:
            idx = tuple(n for n, i in enumerate(self.items) if i.dimension == dim.id)
            if not idx:
                continue
            spans = [self.items[n].max - self.items[n].min for n in idx]
            lcm_span = math.lcm(*spans)
            self.dimensions.append(
                _DimensionPlan(
                    id=dim.id,
                    items=idx,
                    factors=tuple(lcm_span // s for s in spans),
                    lcm_span=lcm_span,
                    lcm_k=math.lcm(*range(1, len(idx) + 1)),
                )
            )


# -- counting ---------------------------------------------------------------------------


def _pool(
    keys: Codes, values: npt.NDArray[Any], exact_in_float: bool
) -> tuple[Codes, npt.NDArray[Any], Codes]:
    """Rows grouped by key: ``(distinct keys, column sums per key, rows per key)``.

    Few distinct small keys (the usual segment word): one ``bincount`` per
    column, exact in float64 when ``exact_in_float`` (every sum below 2**53);
    otherwise a sort and exact integer sums.
    """
    n = keys.shape[0]
    if n == 0:
        return keys[:0], values[:0], np.zeros(0, dtype=np.int64)
    if keys.ndim == 2 and keys.shape[1] == 0:  # no segment questions: one pool
        return keys[:1], values.sum(axis=0, keepdims=True), np.array([n], dtype=np.int64)
    if keys.shape[1] == 1 and exact_in_float and int(keys.max()) < 2**20:
        flat = keys[:, 0]
        counts = np.bincount(flat)
        present = np.flatnonzero(counts)
        sums = np.empty((len(present), values.shape[1]), dtype=np.int64)
        for column in range(values.shape[1]):
            sums[:, column] = np.bincount(
                flat, weights=values[:, column], minlength=len(counts)
            )[present]
        return present.reshape(-1, 1), sums, counts[present]
    if keys.shape[1] == 1:
        flat = keys[:, 0]
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        distinct = keys[order][starts]
    else:
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        order = np.argsort(inverse.reshape(n), kind="stable")
        starts = np.searchsorted(inverse.reshape(n)[order], np.arange(len(distinct)))
    counts = np.diff(np.r_[starts, n])
    return distinct, np.add.reduceat(values[order], starts, axis=0), counts


def _audience_statistics(
    plan: _AudiencePlan,
    item_codes: Codes,
    segment_codes: Codes,
    groups: dict[GroupKey, GroupStatistics],
    alpha: dict[tuple[str, str], AlphaStatistics],
    items: dict[str, ItemStatistics],
    nps: list[int],
) -> None:
    n = item_codes.shape[0]
    audience = plan.audience

    # Rules 1-4: per item, u = v' - min on 0..span (-1: missing). The item's
    # statistics come from the histogram of its codes (a handful of values).
    u_cols: list[Codes] = []
    for column, item in enumerate(plan.items):
        span = item.max - item.min
        code = item_codes[:, column]
        code = np.where(code <= span + 1, code, 0)  # off the scale: ignored (never stored)
        counts = np.bincount(code, minlength=span + 2)[1 : span + 2].tolist()
        u_of = list(range(span + 1))  # u of each non-missing code, in code order
        if item.reverse:
            u_of.reverse()  # rule 2: v' = min + max - v
            u = np.where(code > 0, span + 1 - code, -1)
        else:
            u = code - 1
        u_cols.append(u)
        items[item.id] = ItemStatistics(
            n=sum(counts),
            sum=float(Fraction(100 * sum(c * v for c, v in zip(counts, u_of, strict=True)), span)),
            top_box=sum(c for c, v in zip(counts, u_of, strict=True) if v >= span - 1),
        )
        if item.outcome == RECOMMEND:  # rule 13, on v' = min + u
            for c, v in zip(counts, u_of, strict=True):
                value = item.min + v
                nps[0 if value >= 9 else 1 if value >= 7 else 2] += c

    # Rule 5: each respondent's dimension score as an integer x, the score being
    # 100 x / (lcm_span lcm_k); per dimension three columns: valid (0/1), x, x².
    dims = plan.dimensions
    n_dims = len(dims)
    largest = max([0] + [d.lcm_span * d.k * d.lcm_k for d in dims])
    dtype: type = np.int64 if (n + 1) * largest * largest < _INT64_SAFE else object
    # int64, or Python integers (object) where int64 could overflow.
    sums: npt.NDArray[Any] = np.zeros((n, 3 * n_dims), dtype=dtype)
    for d, dim in enumerate(dims):
        count = np.zeros(n, dtype=np.int64)
        total = np.zeros(n, dtype=np.int64)
        ws = []
        for idx, factor in zip(dim.items, dim.factors, strict=True):
            u = u_cols[idx]
            w = np.where(u >= 0, u * factor, 0)
            ws.append((plan.items[idx].id, w))
            count += u >= 0
            total += w
        ok = count >= dim.need
        mult = np.array([0] + [dim.lcm_k // m for m in range(1, dim.k + 1)], dtype=np.int64)
        x: npt.NDArray[Any] = np.where(ok, total * mult[count], 0).astype(dtype)
        sums[:, d] = ok
        sums[:, n_dims + d] = x
        sums[:, 2 * n_dims + d] = x * x

        # Rule 7: alpha inputs over the listwise respondents (answered all k items).
        listwise = count == dim.k
        c = Fraction(100, dim.lcm_span)
        item_sum, item_sumsq = {}, {}
        for item_id, w in ws:
            wl = w[listwise].astype(dtype)
            item_sum[item_id] = float(c * int(wl.sum()))
            item_sumsq[item_id] = float(c * c * int((wl * wl).sum()))
        t = total[listwise].astype(dtype)
        alpha[(audience, dim.id)] = AlphaStatistics(
            n=int(np.count_nonzero(listwise)),
            item_sum=item_sum,
            item_sumsq=item_sumsq,
            total_sum=float(c * int(t.sum())),
            total_sumsq=float(c * c * int((t * t).sum())),
        )

    scales = [Fraction(100, dim.lcm_span * dim.lcm_k) for dim in dims]

    def group(respondents: int, row: Sequence[Any]) -> GroupStatistics:
        return GroupStatistics(
            respondents=int(respondents),
            dimensions={
                dim.id: Moments(
                    n=int(row[d]),
                    sum=float(scales[d] * int(row[n_dims + d])),
                    sumsq=float(scales[d] * scales[d] * int(row[2 * n_dims + d])),
                )
                for d, dim in enumerate(dims)
            },
        )

    # Rule 14's groups: the whole audience, then each option of each segment
    # question. Respondents are first pooled by their combination of segment
    # answers (packed into words; few distinct ones), so each respondent's
    # dimension scores are added once.
    segment_words = np.zeros((n, len(plan.segment_words)), dtype=np.int64)
    for column, (seg, f) in enumerate(zip(plan.segments, plan.segment_fields, strict=True)):
        code = segment_codes[:, column]
        code = np.where(code <= len(seg.options), code, 0)  # not an option: ignored
        segment_words[:, f.word] |= code << f.shift
    keys, combo_sums, combo_counts = _pool(
        segment_words, sums, dtype is np.int64 and (n + 1) * largest * largest < 2**53
    )
    groups[audience_key(audience)] = group(n, combo_sums.sum(axis=0) if n else sums.sum(0))
    for seg, f in zip(plan.segments, plan.segment_fields, strict=True):
        option = f.read(keys) - 1  # -1: the question was skipped
        for o, option_id in enumerate(seg.options):
            members = option == o
            groups[(audience, seg.id, option_id)] = group(
                combo_counts[members].sum(), combo_sums[members].sum(axis=0)
            )
