"""Results of scoring: plain frozen dataclasses, JSON-ready via :meth:`Results.to_dict`.

Every number follows the scoring specification (rules cited per field). Floats
keep full precision (rule 16): rounding is the display layer's job. ``None``
(JSON ``null``) means "not available": no answers, too few answers for the
statistic, or suppressed for anonymity (rule 14; then ``suppressed`` is true).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Version of the ``to_dict`` layout, stored with the results.
RESULTS_VERSION = 1

PRODUCT_CENTRIC = "product_centric"
MEANS_ONLY = "means_only"
DEVOTED_UNDER_EQUIPPED = "devoted_under_equipped"
CUSTOMER_CENTRIC = "customer_centric"

#: Rule 11: quadrant ids and their human labels.
QUADRANT_LABELS: Mapping[str, str] = {
    PRODUCT_CENTRIC: "Product-centric",
    MEANS_ONLY: "Customer-centric as a means",
    DEVOTED_UNDER_EQUIPPED: "Customer-devoted but under-equipped",
    CUSTOMER_CENTRIC: "Customer-centric as an end",
}


@dataclass(frozen=True)
class AudienceResult:
    """One audience: ``responses`` submitted; ``suppressed`` per rule 14."""

    responses: int
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"responses": self.responses, "suppressed": self.suppressed}


@dataclass(frozen=True)
class DimensionScore:
    """One audience's score on one dimension (rules 5-7, 14).

    ``score``: mean of the respondent dimension scores (0..100); ``n``: how many;
    ``sd``: sample SD (None when n < 2); ``ci95``: Student-t interval
    ``(low, high)`` (None when n < 2); ``alpha``: Cronbach's alpha (None when not
    computable). When ``suppressed`` every number, ``n`` included, is None.
    """

    score: float | None
    sd: float | None
    n: int | None
    ci95: tuple[float, float] | None
    alpha: float | None
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "sd": self.sd,
            "n": self.n,
            "ci95": None if self.ci95 is None else [self.ci95[0], self.ci95[1]],
            "alpha": self.alpha,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class DimensionResult:
    """One dimension: both audiences' scores, the gap and its p-value (rules 6-9).

    ``staff`` / ``customer`` is None where that audience has no items in the
    dimension. ``gap`` = staff score - customer score (None unless both are
    available); ``gap_p`` = two-sided Welch p-value (None if either n < 2);
    ``gap_ci95`` = ``(low, high)``, the gap's Welch-Satterthwaite 95% interval
    (None if either n < 2).
    """

    id: str
    lens: str
    weight: float
    staff: DimensionScore | None
    customer: DimensionScore | None
    gap: float | None
    gap_p: float | None
    gap_ci95: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "lens": self.lens,
            "weight": self.weight,
            "staff": None if self.staff is None else self.staff.to_dict(),
            "customer": None if self.customer is None else self.customer.to_dict(),
            "gap": self.gap,
            "gap_p": self.gap_p,
            "gap_ci95": None if self.gap_ci95 is None else [self.gap_ci95[0], self.gap_ci95[1]],
        }


@dataclass(frozen=True)
class ItemResult:
    """One item (rules 3-4): ``mean`` item score 0..100, ``top_box`` share 0..1.

    ``mean``/``top_box`` are None without answers; with ``suppressed`` (its
    audience is below the anonymity threshold) ``n`` is None too.
    """

    id: str
    audience: str
    dimension: str | None
    outcome: str | None
    pair: str | None
    mean: float | None
    top_box: float | None
    n: int | None
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "audience": self.audience,
            "dimension": self.dimension,
            "outcome": self.outcome,
            "pair": self.pair,
            "mean": self.mean,
            "top_box": self.top_box,
            "n": self.n,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class PairResult:
    """A staff item and a customer item with the same pair key (rule 9).

    ``gap`` = staff mean - customer mean (0..100 item scores); the two top-box
    shares are reported side by side. ``dimension`` is the items' dimension (None
    if the two items belong to different dimensions).
    """

    id: str
    dimension: str | None
    staff_item: str
    customer_item: str
    staff_mean: float | None
    customer_mean: float | None
    gap: float | None
    staff_top_box: float | None
    customer_top_box: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dimension": self.dimension,
            "staff_item": self.staff_item,
            "customer_item": self.customer_item,
            "staff_mean": self.staff_mean,
            "customer_mean": self.customer_mean,
            "gap": self.gap,
            "staff_top_box": self.staff_top_box,
            "customer_top_box": self.customer_top_box,
        }


@dataclass(frozen=True)
class LensIndex:
    """One audience's lens indices (rule 8): weighted means of dimension scores."""

    means: float | None
    ends: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"means": self.means, "ends": self.ends}


@dataclass(frozen=True)
class PositionResult:
    """The organisation's position (rules 10-12).

    ``means``: staff means index; ``ends``: customer ends index, or the staff ends
    index with ``self_rated`` true when no customer ends index is available.
    ``quadrant`` is one of the keys of :data:`QUADRANT_LABELS`; quadrant and
    maturity are None when ``means`` or ``ends`` is None.
    """

    means: float | None
    ends: float | None
    quadrant: str | None
    quadrant_label: str | None
    maturity_level: int | None
    maturity_label: str | None
    self_rated: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "means": self.means,
            "ends": self.ends,
            "quadrant": self.quadrant,
            "quadrant_label": self.quadrant_label,
            "maturity_level": self.maturity_level,
            "maturity_label": self.maturity_label,
            "self_rated": self.self_rated,
        }


@dataclass(frozen=True)
class NpsResult:
    """Net Promoter Score (rule 13): ``score`` on -100..100, shares on 0..1.

    Numbers are None without answers (``n`` = 0) or when the recommend item's
    audience is suppressed (then ``n`` is None as well).
    """

    score: float | None
    promoters: float | None
    passives: float | None
    detractors: float | None
    n: int | None
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "n": self.n,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class OutcomeResult:
    """One outcome item other than recommend: mean (0..100) and top-box share."""

    outcome: str
    item: str
    audience: str
    mean: float | None
    top_box: float | None
    n: int | None
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "item": self.item,
            "audience": self.audience,
            "mean": self.mean,
            "top_box": self.top_box,
            "n": self.n,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class SegmentDimension:
    """A segment group's score on one dimension (rules 5-6)."""

    score: float | None
    sd: float | None
    n: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "sd": self.sd, "n": self.n}


@dataclass(frozen=True)
class SegmentGroup:
    """One option of a segment question (rules 14-15).

    When ``suppressed``: ``respondents`` and every dimension number are None, and
    ``suppressed_reason`` says why (rule 15: the reader is told which applies):
    ``"too_few"`` (fewer respondents than the threshold, rule 14) or
    ``"protects_smaller"`` (hidden so that a smaller suppressed group cannot be
    recovered by subtraction, rule 15). None when the group is shown.
    """

    option: str
    respondents: int | None
    suppressed: bool
    dimensions: Mapping[str, SegmentDimension]
    suppressed_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "respondents": self.respondents,
            "suppressed": self.suppressed,
            "suppressed_reason": self.suppressed_reason,
            "dimensions": {k: v.to_dict() for k, v in self.dimensions.items()},
        }


@dataclass(frozen=True)
class SegmentResult:
    """The breakdown of one segment question's audience by its options."""

    id: str
    audience: str
    groups: tuple[SegmentGroup, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"audience": self.audience, "groups": [g.to_dict() for g in self.groups]}


@dataclass(frozen=True)
class TrendResult:
    """One dimension against the previous engagement: ``change = current - previous``."""

    staff_previous: float | None
    staff_current: float | None
    staff_change: float | None
    customer_previous: float | None
    customer_current: float | None
    customer_change: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "staff_previous": self.staff_previous,
            "staff_current": self.staff_current,
            "staff_change": self.staff_change,
            "customer_previous": self.customer_previous,
            "customer_current": self.customer_current,
            "customer_change": self.customer_change,
        }


@dataclass(frozen=True)
class ParametersUsed:
    """The scoring parameters the results were computed with (thresholds effective)."""

    anonymity_threshold: int
    comment_threshold: int
    quadrant_cut: float
    maturity_cuts: tuple[float, ...]
    maturity_labels: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "anonymity_threshold": self.anonymity_threshold,
            "comment_threshold": self.comment_threshold,
            "quadrant_cut": self.quadrant_cut,
            "maturity_cuts": list(self.maturity_cuts),
            "maturity_labels": list(self.maturity_labels),
        }


@dataclass(frozen=True)
class Results:
    """Everything the report shows (rules 1-16). See ``docs/scoring.md``."""

    audiences: Mapping[str, AudienceResult]
    dimensions: tuple[DimensionResult, ...]
    items: tuple[ItemResult, ...]
    pairs: tuple[PairResult, ...]
    indices: Mapping[str, LensIndex]
    position: PositionResult
    nps: NpsResult
    outcomes: Mapping[str, OutcomeResult]
    hostage_share: float | None
    segments: Mapping[str, SegmentResult]
    trend: Mapping[str, TrendResult] | None
    parameters: ParametersUsed
    version: int = field(default=RESULTS_VERSION)

    def dimension(self, dimension_id: str) -> DimensionResult:
        """The result of one dimension (``KeyError`` if unknown)."""
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    def item(self, item_id: str) -> ItemResult:
        """The result of one item (``KeyError`` if unknown)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain dicts/lists; floats at full precision (rule 16)."""
        return {
            "version": self.version,
            "audiences": {k: v.to_dict() for k, v in self.audiences.items()},
            "dimensions": [d.to_dict() for d in self.dimensions],
            "items": [i.to_dict() for i in self.items],
            "pairs": [p.to_dict() for p in self.pairs],
            "indices": {k: v.to_dict() for k, v in self.indices.items()},
            "position": self.position.to_dict(),
            "nps": self.nps.to_dict(),
            "outcomes": {k: v.to_dict() for k, v in self.outcomes.items()},
            "hostage_share": self.hostage_share,
            "segments": {k: v.to_dict() for k, v in self.segments.items()},
            "trend": None
            if self.trend is None
            else {k: v.to_dict() for k, v in self.trend.items()},
            "parameters": self.parameters.to_dict(),
        }
