"""Test helper: rebuild :class:`~assess.scoring.results.Results` from ``to_dict`` output.

:func:`results_from_dict` reverses :meth:`Results.to_dict` exactly (e.g. after a
JSON round trip), so tests can check the layout loses nothing and can feed
stored results back as ``previous`` for the trend. Only tests need it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assess.scoring.results import (
    RESULTS_VERSION,
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


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _audience(data: Mapping[str, Any]) -> AudienceResult:
    return AudienceResult(responses=int(data["responses"]), suppressed=bool(data["suppressed"]))


def _dimension_score(data: Mapping[str, Any]) -> DimensionScore:
    ci = data["ci95"]
    return DimensionScore(
        score=_opt_float(data["score"]),
        sd=_opt_float(data["sd"]),
        n=_opt_int(data["n"]),
        ci95=None if ci is None else (float(ci[0]), float(ci[1])),
        alpha=_opt_float(data["alpha"]),
        suppressed=bool(data["suppressed"]),
    )


def _dimension(data: Mapping[str, Any]) -> DimensionResult:
    staff, customer = data["staff"], data["customer"]
    return DimensionResult(
        id=str(data["id"]),
        lens=str(data["lens"]),
        weight=float(data["weight"]),
        staff=None if staff is None else _dimension_score(staff),
        customer=None if customer is None else _dimension_score(customer),
        gap=_opt_float(data["gap"]),
        gap_p=_opt_float(data["gap_p"]),
        gap_ci95=None
        if data["gap_ci95"] is None
        else (float(data["gap_ci95"][0]), float(data["gap_ci95"][1])),
    )


def _item(data: Mapping[str, Any]) -> ItemResult:
    return ItemResult(
        id=str(data["id"]),
        audience=str(data["audience"]),
        dimension=data["dimension"],
        outcome=data["outcome"],
        pair=data["pair"],
        mean=_opt_float(data["mean"]),
        top_box=_opt_float(data["top_box"]),
        n=_opt_int(data["n"]),
        suppressed=bool(data["suppressed"]),
    )


def _pair(data: Mapping[str, Any]) -> PairResult:
    return PairResult(
        id=str(data["id"]),
        dimension=data["dimension"],
        staff_item=str(data["staff_item"]),
        customer_item=str(data["customer_item"]),
        staff_mean=_opt_float(data["staff_mean"]),
        customer_mean=_opt_float(data["customer_mean"]),
        gap=_opt_float(data["gap"]),
        staff_top_box=_opt_float(data["staff_top_box"]),
        customer_top_box=_opt_float(data["customer_top_box"]),
    )


def _lens_index(data: Mapping[str, Any]) -> LensIndex:
    return LensIndex(means=_opt_float(data["means"]), ends=_opt_float(data["ends"]))


def _position(data: Mapping[str, Any]) -> PositionResult:
    return PositionResult(
        means=_opt_float(data["means"]),
        ends=_opt_float(data["ends"]),
        quadrant=data["quadrant"],
        quadrant_label=data["quadrant_label"],
        maturity_level=_opt_int(data["maturity_level"]),
        maturity_label=data["maturity_label"],
        self_rated=bool(data["self_rated"]),
    )


def _nps(data: Mapping[str, Any]) -> NpsResult:
    return NpsResult(
        score=_opt_float(data["score"]),
        promoters=_opt_float(data["promoters"]),
        passives=_opt_float(data["passives"]),
        detractors=_opt_float(data["detractors"]),
        n=_opt_int(data["n"]),
        suppressed=bool(data["suppressed"]),
    )


def _outcome(data: Mapping[str, Any]) -> OutcomeResult:
    return OutcomeResult(
        outcome=str(data["outcome"]),
        item=str(data["item"]),
        audience=str(data["audience"]),
        mean=_opt_float(data["mean"]),
        top_box=_opt_float(data["top_box"]),
        n=_opt_int(data["n"]),
        suppressed=bool(data["suppressed"]),
    )


def _segment_dimension(data: Mapping[str, Any]) -> SegmentDimension:
    return SegmentDimension(
        score=_opt_float(data["score"]), sd=_opt_float(data["sd"]), n=_opt_int(data["n"])
    )


def _segment_group(data: Mapping[str, Any]) -> SegmentGroup:
    return SegmentGroup(
        option=str(data["option"]),
        respondents=_opt_int(data["respondents"]),
        suppressed=bool(data["suppressed"]),
        dimensions={str(k): _segment_dimension(v) for k, v in data["dimensions"].items()},
        suppressed_reason=data.get("suppressed_reason"),
    )


def _segment(segment_id: str, data: Mapping[str, Any]) -> SegmentResult:
    return SegmentResult(
        id=segment_id,
        audience=str(data["audience"]),
        groups=tuple(_segment_group(g) for g in data["groups"]),
    )


def _trend(data: Mapping[str, Any]) -> TrendResult:
    return TrendResult(**{k: _opt_float(data[k]) for k in TrendResult.__dataclass_fields__})


def _parameters(data: Mapping[str, Any]) -> ParametersUsed:
    return ParametersUsed(
        anonymity_threshold=int(data["anonymity_threshold"]),
        comment_threshold=int(data["comment_threshold"]),
        quadrant_cut=float(data["quadrant_cut"]),
        maturity_cuts=tuple(float(c) for c in data["maturity_cuts"]),
        maturity_labels=tuple(str(c) for c in data["maturity_labels"]),
    )


def results_from_dict(data: Mapping[str, Any]) -> Results:
    """Rebuild results from :meth:`Results.to_dict` output (e.g. loaded from JSON)."""
    trend = data.get("trend")
    return Results(
        audiences={str(k): _audience(v) for k, v in data["audiences"].items()},
        dimensions=tuple(_dimension(d) for d in data["dimensions"]),
        items=tuple(_item(i) for i in data["items"]),
        pairs=tuple(_pair(p) for p in data["pairs"]),
        indices={str(k): _lens_index(v) for k, v in data["indices"].items()},
        position=_position(data["position"]),
        nps=_nps(data["nps"]),
        outcomes={str(k): _outcome(v) for k, v in data["outcomes"].items()},
        hostage_share=_opt_float(data["hostage_share"]),
        segments={str(k): _segment(str(k), v) for k, v in data["segments"].items()},
        trend=None if trend is None else {str(k): _trend(v) for k, v in trend.items()},
        parameters=_parameters(data["parameters"]),
        version=int(data.get("version", RESULTS_VERSION)),
    )
