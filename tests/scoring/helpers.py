"""Small builders for scoring tests (plain functions, no fixtures needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assess.scoring import (
    DimensionSpec,
    InstrumentSpec,
    ItemSpec,
    Parameters,
    SegmentSpec,
)
from tests.scoring.oracle import Respondent


def item(
    item_id: str,
    audience: str = "staff",
    dimension: str | None = "d",
    lo: int = 1,
    hi: int = 5,
    *,
    outcome: str | None = None,
    reverse: bool = False,
    pair: str | None = None,
) -> ItemSpec:
    """An item; outcome items get ``dimension=None`` automatically."""
    return ItemSpec(
        id=item_id,
        audience=audience,
        min=lo,
        max=hi,
        dimension=None if outcome is not None else dimension,
        outcome=outcome,
        reverse=reverse,
        pair=pair,
    )


def make_spec(
    items: Iterable[ItemSpec],
    lenses: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    segments: Iterable[SegmentSpec] = (),
    **params: object,
) -> InstrumentSpec:
    """An instrument whose dimensions are those the items use (lens ``means`` by default).

    ``params`` go to :class:`Parameters`; the anonymity threshold defaults to 3
    (the minimum) so that small hand-computed fixtures are not suppressed.
    """
    items = tuple(items)
    lenses = dict(lenses or {})
    weights = dict(weights or {})
    dim_ids: list[str] = []
    for it in items:
        if it.dimension is not None and it.dimension not in dim_ids:
            dim_ids.append(it.dimension)
    for d in lenses:
        if d not in dim_ids:
            dim_ids.append(d)
    dims = tuple(
        DimensionSpec(d, lenses.get(d, "means"), float(weights.get(d, 1.0))) for d in dim_ids
    )
    params.setdefault("anonymity_threshold", 3)
    return InstrumentSpec(
        dimensions=dims,
        items=items,
        segments=tuple(segments),
        parameters=Parameters(**params),  # type: ignore[arg-type]
    )


def resp(
    audience: str = "staff", segments: Mapping[str, str] | None = None, **answers: int
) -> Respondent:
    """A respondent with the given answers (keyword = item id)."""
    return Respondent(audience=audience, answers=dict(answers), segments=dict(segments or {}))


def blank(audience: str, count: int, segments: Mapping[str, str] | None = None) -> list[Respondent]:
    """``count`` respondents who submitted without answering anything."""
    return [resp(audience, segments) for _ in range(count)]


def one_item_answers(
    item_id: str,
    values: Iterable[int],
    audience: str = "staff",
    segments: Mapping[str, str] | None = None,
) -> list[Respondent]:
    """One respondent per value, each answering only ``item_id``."""
    return [resp(audience, segments, **{item_id: v}) for v in values]
