"""Stage 2 of scoring: :class:`Statistics` -> :class:`Results` (pure, rules 6-16).

:func:`score` never sees a respondent; it reads only the sufficient statistics
of :mod:`assess.scoring.statistics` (computed from answer codes by
:func:`~assess.scoring.tally.tally`).
Each helper names the rule of ``scoring-spec.md`` it implements.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

from .model import (
    AUDIENCES,
    CUSTOMER,
    ENDS,
    LENSES,
    MEANS,
    RECOMMEND,
    STAFF,
    DimensionSpec,
    InstrumentSpec,
    ItemSpec,
    Parameters,
    SegmentSpec,
)
from .results import (
    CUSTOMER_CENTRIC,
    DEVOTED_UNDER_EQUIPPED,
    MEANS_ONLY,
    PRODUCT_CENTRIC,
    QUADRANT_LABELS,
    AudienceResult,
    DimensionResult,
    DimensionScore,
    ItemResult,
    LensIndex,
    NpsResult,
    OutcomeResult,
    PairResult,
    ParametersUsed,
    PositionResult,
    Results,
    SegmentDimension,
    SegmentGroup,
    SegmentResult,
    TrendResult,
)
from .statistics import (
    AlphaStatistics,
    GroupStatistics,
    Moments,
    Statistics,
    audience_key,
    sample_variance,
)
from .validate import comment_threshold, effective_threshold, recommend_item, validate_spec

#: Item id of the hostage outcome whose top-box share is ``Results.hostage_share``.
STAY_HOSTAGE = "stay_hostage"


# --------------------------------------------------------------------------- rule 6


def t_interval(mean: float, sd: float, n: int) -> tuple[float, float] | None:
    """Rule 6: ``mean ± t(0.975, n - 1) · sd / √n`` (Student's t); None when n < 2."""
    if n < 2:
        return None
    from scipy import stats as sps  # imported when first needed: it is slow to import

    half = float(sps.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def _clamp_score(value: float) -> float:
    """Keep a mean of 0..100 scores inside 0..100 despite float rounding of sums."""
    return min(100.0, max(0.0, value))


def describe(moments: Moments) -> tuple[float | None, float | None, int]:
    """Rule 6: (mean, sample SD, n) of respondent dimension scores.

    Mean is None when n = 0; SD is None when n < 2.
    """
    n = moments.n
    if n <= 0:
        return None, None, 0
    mean = _clamp_score(moments.sum / n)
    var = sample_variance(n, moments.sum, moments.sumsq)
    return mean, (None if var is None else math.sqrt(var)), n


# --------------------------------------------------------------------------- rule 7


def cronbach_alpha(k: int, alpha_stats: AlphaStatistics) -> float | None:
    """Rule 7: ``alpha = k/(k-1) · (1 - Σ var(item) / var(total))``, sample variances.

    Over the ``n`` listwise respondents. None when k < 2, n < 3 or var(total) = 0
    (within :func:`~assess.scoring.statistics.zero_tolerance`).
    """
    n = alpha_stats.n
    if k < 2 or n < 3:
        return None
    var_total = sample_variance(n, alpha_stats.total_sum, alpha_stats.total_sumsq)
    if not var_total:  # None or exactly 0 (rounding noise is returned as 0)
        return None
    item_vars = 0.0
    for item_id, s in alpha_stats.item_sum.items():
        v = sample_variance(n, s, alpha_stats.item_sumsq.get(item_id, 0.0))
        item_vars += v or 0.0
    return k / (k - 1) * (1.0 - item_vars / var_total)


# --------------------------------------------------------------------------- rule 9


def welch_p(mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int) -> float | None:
    """Rule 9: two-sided p-value of Welch's t-test from summary statistics.

    None if either n < 2, or if the test is undefined (both SDs zero and equal
    means: scipy returns NaN).
    """
    if n1 < 2 or n2 < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from scipy import stats as sps

        p = float(sps.ttest_ind_from_stats(mean1, sd1, n1, mean2, sd2, n2, equal_var=False).pvalue)
    return p if math.isfinite(p) else None


def welch_interval(
    mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int
) -> tuple[float, float] | None:
    """Rule 9: ``gap ± t(0.975, ν) · √(s₁²/n₁ + s₂²/n₂)`` with gap = mean1 - mean2.

    ν is the Welch-Satterthwaite degrees of freedom. None if either n < 2. When
    both SDs are zero the standard error is zero and the interval is the gap
    itself (ν is then undefined, but no t quantile is needed).
    """
    if n1 < 2 or n2 < 2:
        return None
    gap = mean1 - mean2
    a, b = sd1 * sd1 / n1, sd2 * sd2 / n2
    se2 = a + b
    if se2 <= 0.0:
        return (gap, gap)
    nu = se2 * se2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    from scipy import stats as sps

    half = float(sps.t.ppf(0.975, nu)) * math.sqrt(se2)
    return (gap - half, gap + half)


# --------------------------------------------------------------------------- rule 14


#: Why a segment group is hidden (``SegmentGroup.suppressed_reason``): fewer
#: respondents than the threshold (rule 14) ...
SUPPRESSED_TOO_FEW = "too_few"
#: ... or hidden only so that a smaller suppressed group cannot be worked out
#: from the total (complementary suppression, rule 15).
SUPPRESSED_PROTECTS_SMALLER = "protects_smaller"


def is_suppressed(respondents: int, parameters: Parameters) -> bool:
    """Rule 14: a group with fewer respondents than max(3, threshold) is suppressed."""
    return respondents < effective_threshold(parameters)


def complementary_suppression(
    counts: list[int], suppressed: list[bool], hidden_remainder: int = 0, threshold: int = 3
) -> list[bool]:
    """Rule 15: if exactly one group of a breakdown is suppressed, suppress the next-smallest.

    ``counts`` are the groups' respondent counts (in option order) and
    ``suppressed`` their rule-14 flags. Groups with no respondents take no part
    (they reveal nothing). ``hidden_remainder`` is the number of the audience's
    respondents who are in no group (they skipped the question): the total minus
    the reported groups recovers them, so when ``0 < hidden_remainder <
    threshold`` they count as one more suppressed group. The next-smallest group
    is the non-suppressed, non-empty group with the fewest respondents (ties: the
    first in option order). Returns the new flags.
    """
    out = list(suppressed)
    n_hidden = sum(1 for c, s in zip(counts, out, strict=True) if c > 0 and s)
    if 0 < hidden_remainder < threshold:
        n_hidden += 1
    if n_hidden != 1:
        return out
    candidates = [
        (c, i) for i, (c, s) in enumerate(zip(counts, out, strict=True)) if c > 0 and not s
    ]
    if candidates:
        _, index = min(candidates)
        out[index] = True
    return out


# --------------------------------------------------------------------------- rule 8


def lens_index(pairs: Iterable[tuple[float | None, float]]) -> float | None:
    """Rule 8: weighted mean of the available (non-None) scores; None if none.

    ``pairs`` are ``(score, weight)``; a zero total weight also gives None.
    """
    num = 0.0
    den = 0.0
    for value, weight in pairs:
        if value is None:
            continue
        num += weight * value
        den += weight
    if den <= 0.0:
        return None
    return _clamp_score(num / den)


# --------------------------------------------------------------------------- rules 11-12


def quadrant(means: float, ends: float, cut: float) -> str:
    """Rule 11: the quadrant of (means, ends); a value ``>= cut`` is high."""
    high_means = means >= cut
    high_ends = ends >= cut
    if high_means and high_ends:
        return CUSTOMER_CENTRIC
    if high_means:
        return MEANS_ONLY
    if high_ends:
        return DEVOTED_UNDER_EQUIPPED
    return PRODUCT_CENTRIC


def maturity_level(means: float, ends: float, cuts: Iterable[float]) -> int:
    """Rule 12: ``1 + number of cuts <= min(means, ends)``."""
    m = min(means, ends)
    return 1 + sum(1 for c in cuts if c <= m)


def position(staff: LensIndex, customer: LensIndex, parameters: Parameters) -> PositionResult:
    """Rules 10-12: position, quadrant and maturity from the lens indices.

    ``ends`` is the customer ends index; when that is unavailable (no customer
    responses, customers suppressed, or no customer ends items) the staff ends
    index is used and ``self_rated`` is true.
    """
    means = staff.means
    self_rated = customer.ends is None
    ends = staff.ends if self_rated else customer.ends
    if means is None or ends is None:
        return PositionResult(means, ends, None, None, None, None, self_rated)
    quad = quadrant(means, ends, parameters.quadrant_cut)
    level = maturity_level(means, ends, parameters.maturity_cuts)
    return PositionResult(
        means=means,
        ends=ends,
        quadrant=quad,
        quadrant_label=QUADRANT_LABELS[quad],
        maturity_level=level,
        maturity_label=parameters.maturity_labels[level - 1],
        self_rated=self_rated,
    )


# --------------------------------------------------------------------------- rule 13


def nps(stats: Statistics, suppressed: bool) -> NpsResult:
    """Rule 13: ``100 · (promoters - detractors) / n`` and the three shares.

    Suppressed with the recommend item's audience (rule 14).
    """
    if suppressed:
        return NpsResult(None, None, None, None, None, True)
    counts = stats.nps
    n = counts.n
    if n == 0:
        return NpsResult(None, None, None, None, 0, False)
    return NpsResult(
        score=100.0 * (counts.promoters - counts.detractors) / n,
        promoters=counts.promoters / n,
        passives=counts.passives / n,
        detractors=counts.detractors / n,
        n=n,
        suppressed=False,
    )


# --------------------------------------------------------------------------- assembly


def _dimension_items(spec: InstrumentSpec, audience: str, dimension_id: str) -> list[ItemSpec]:
    return [i for i in spec.items if i.audience == audience and i.dimension == dimension_id]


def dimension_score(
    spec: InstrumentSpec,
    stats: Statistics,
    audience: str,
    dimension: DimensionSpec,
    suppressed: bool,
) -> DimensionScore | None:
    """Rules 5-7 and 14 for one audience and dimension; None without items."""
    k = len(_dimension_items(spec, audience, dimension.id))
    if k == 0:
        return None
    if suppressed:
        return DimensionScore(None, None, None, None, None, True)
    group = stats.group(audience_key(audience))
    mean, sd, n = describe(group.dimension(dimension.id))
    ci = None if mean is None or sd is None else t_interval(mean, sd, n)
    alpha = cronbach_alpha(k, stats.alpha_for(audience, dimension.id))
    return DimensionScore(score=mean, sd=sd, n=n, ci95=ci, alpha=alpha, suppressed=False)


def dimension_gap(
    staff: DimensionScore | None, customer: DimensionScore | None
) -> tuple[float | None, float | None, tuple[float, float] | None]:
    """Rule 9: dimension gap, Welch p-value and the gap's 95% interval (all None
    unless both scores exist; p-value and interval None if either n < 2)."""
    if staff is None or customer is None or staff.score is None or customer.score is None:
        return None, None, None
    gap = staff.score - customer.score
    if staff.sd is None or customer.sd is None or staff.n is None or customer.n is None:
        return gap, None, None
    stats = (staff.score, staff.sd, staff.n, customer.score, customer.sd, customer.n)
    return gap, welch_p(*stats), welch_interval(*stats)


def item_result(item: ItemSpec, stats: Statistics, suppressed: bool) -> ItemResult:
    """Rules 3-4 (and 14): mean item score and top-box share of one item."""
    if suppressed:
        return ItemResult(
            item.id,
            item.audience,
            item.dimension,
            item.outcome,
            item.pair,
            None,
            None,
            None,
            True,
        )
    st = stats.item(item.id)
    mean = _clamp_score(st.sum / st.n) if st.n else None
    top = st.top_box / st.n if st.n else None
    return ItemResult(
        item.id, item.audience, item.dimension, item.outcome, item.pair, mean, top, st.n, False
    )


def pair_results(spec: InstrumentSpec, items: dict[str, ItemResult]) -> tuple[PairResult, ...]:
    """Rule 9: paired staff/customer items (a key with exactly one item of each)."""
    by_key: dict[str, dict[str, list[ItemSpec]]] = {}
    for item in spec.items:
        if item.pair is not None:
            by_key.setdefault(item.pair, {a: [] for a in AUDIENCES})[item.audience].append(item)
    out = []
    for key, sides in by_key.items():
        if len(sides[STAFF]) != 1 or len(sides[CUSTOMER]) != 1:
            continue
        s_item, c_item = sides[STAFF][0], sides[CUSTOMER][0]
        s, c = items[s_item.id], items[c_item.id]
        gap = None if s.mean is None or c.mean is None else s.mean - c.mean
        out.append(
            PairResult(
                id=key,
                dimension=s_item.dimension if s_item.dimension == c_item.dimension else None,
                staff_item=s_item.id,
                customer_item=c_item.id,
                staff_mean=s.mean,
                customer_mean=c.mean,
                gap=gap,
                staff_top_box=s.top_box,
                customer_top_box=c.top_box,
            )
        )
    return tuple(out)


def segment_result(
    spec: InstrumentSpec,
    stats: Statistics,
    segment: SegmentSpec,
) -> SegmentResult:
    """Rules 5-6, 14 and 15 for one segment question's breakdown."""
    params = spec.parameters
    threshold = effective_threshold(params)
    audience = segment.audience
    dim_ids = [d.id for d in spec.dimensions if _dimension_items(spec, audience, d.id)]
    groups: list[GroupStatistics] = [
        stats.group((audience, segment.id, opt)) for opt in segment.options
    ]
    counts = [g.respondents for g in groups]
    too_few = [c < threshold for c in counts]
    remainder = max(0, stats.group(audience_key(audience)).respondents - sum(counts))
    flags = complementary_suppression(counts, too_few, remainder, threshold)
    out = []
    for opt, group, count, small, hidden in zip(
        segment.options, groups, counts, too_few, flags, strict=True
    ):
        if hidden:
            dims = {d: SegmentDimension(None, None, None) for d in dim_ids}
            # Rule 15: the reader is told which reason hides the group.
            reason = SUPPRESSED_TOO_FEW if small else SUPPRESSED_PROTECTS_SMALLER
            out.append(SegmentGroup(opt, None, True, dims, reason))
            continue
        dims = {}
        for d in dim_ids:
            mean, sd, n = describe(group.dimension(d))
            dims[d] = SegmentDimension(mean, sd, n)
        out.append(SegmentGroup(opt, count, False, dims))
    return SegmentResult(id=segment.id, audience=audience, groups=tuple(out))


def trend(dimensions: tuple[DimensionResult, ...], previous: Results) -> dict[str, TrendResult]:
    """Per dimension: previous and current scores, change = current - previous."""
    prev = {d.id: d for d in previous.dimensions}

    def sc(ds: DimensionScore | None) -> float | None:
        return None if ds is None else ds.score

    out = {}
    for dim in dimensions:
        p = prev.get(dim.id)
        values = []
        for aud in AUDIENCES:
            cur = sc(getattr(dim, aud))
            before = None if p is None else sc(getattr(p, aud))
            change = None if cur is None or before is None else cur - before
            values.extend([before, cur, change])
        out[dim.id] = TrendResult(*values)
    return out


def score(spec: InstrumentSpec, stats: Statistics, previous: Results | None = None) -> Results:
    """Compute every result of rules 6-16 from sufficient statistics (pure).

    ``previous`` (e.g. the results of last year's engagement) adds the
    per-dimension trend.
    """
    validate_spec(spec)
    params = spec.parameters

    # Rule 14: each audience as a whole.
    audiences = {}
    for aud in AUDIENCES:
        responses = stats.group(audience_key(aud)).respondents
        audiences[aud] = AudienceResult(responses, is_suppressed(responses, params))
    hidden = {aud: audiences[aud].suppressed for aud in AUDIENCES}

    # Rules 5-9 per dimension.
    dims = []
    for dim in spec.dimensions:
        staff = dimension_score(spec, stats, STAFF, dim, hidden[STAFF])
        customer = dimension_score(spec, stats, CUSTOMER, dim, hidden[CUSTOMER])
        gap, gap_p, gap_ci95 = dimension_gap(staff, customer)
        dims.append(
            DimensionResult(
                dim.id, dim.lens, float(dim.weight), staff, customer, gap, gap_p, gap_ci95
            )
        )
    dimensions = tuple(dims)

    # Rules 3-4 per item; rule 9 pairs.
    item_map = {i.id: item_result(i, stats, hidden[i.audience]) for i in spec.items}
    items = tuple(item_map[i.id] for i in spec.items)
    pairs = pair_results(spec, item_map)

    # Rule 8 lens indices; rules 10-12 position.
    indices = {}
    for aud in AUDIENCES:
        values = {}
        for lens in LENSES:
            values[lens] = lens_index(
                (getattr(d, aud).score if getattr(d, aud) is not None else None, d.weight)
                for d in dimensions
                if d.lens == lens
            )
        indices[aud] = LensIndex(means=values[MEANS], ends=values[ENDS])
    pos = position(indices[STAFF], indices[CUSTOMER], params)

    # Rule 13 NPS; other outcome items.
    rec = recommend_item(spec)
    nps_result = nps(stats, hidden[rec.audience if rec is not None else CUSTOMER])
    outcomes = {}
    for item in spec.items:
        if item.outcome is None or item.outcome == RECOMMEND:
            continue
        ir = item_map[item.id]
        outcomes[item.outcome] = OutcomeResult(
            item.outcome, item.id, item.audience, ir.mean, ir.top_box, ir.n, ir.suppressed
        )
    hostage = outcomes.get(STAY_HOSTAGE)

    # Rules 14-15 segment breakdowns.
    segments = {seg.id: segment_result(spec, stats, seg) for seg in spec.segments}

    return Results(
        audiences=audiences,
        dimensions=dimensions,
        items=items,
        pairs=pairs,
        indices=indices,
        position=pos,
        nps=nps_result,
        outcomes=outcomes,
        hostage_share=None if hostage is None else hostage.top_box,
        segments=segments,
        trend=None if previous is None else trend(dimensions, previous),
        parameters=ParametersUsed(
            anonymity_threshold=effective_threshold(params),
            comment_threshold=comment_threshold(params),
            quadrant_cut=float(params.quadrant_cut),
            maturity_cuts=tuple(float(c) for c in params.maturity_cuts),
            maturity_labels=tuple(params.maturity_labels),
        ),
    )
