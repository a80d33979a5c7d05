"""An instrument as the scoring core sees it: plain items, segments and parameters."""

from __future__ import annotations

from assess.instruments.schema import Instrument
from assess.scoring import (
    DimensionSpec,
    InstrumentSpec,
    ItemSpec,
    Parameters,
    SegmentSpec,
)


def spec_for(instrument: Instrument, anonymity_threshold: int) -> InstrumentSpec:
    """Translate an instrument (and the engagement's threshold) for the scoring core."""
    items = []
    for item in instrument.items:
        scale = instrument.scale(item.scale)
        items.append(
            ItemSpec(
                id=item.id,
                audience=str(item.audience),
                min=scale.min,
                max=scale.max,
                dimension=item.dimension,
                outcome=str(item.outcome) if item.outcome else None,
                reverse=item.reverse,
                pair=item.pair,
            )
        )
    segments = [
        SegmentSpec(id=q.id, audience=str(audience), options=tuple(o.id for o in q.options))
        for audience, questionnaire in instrument.questionnaires.items()
        for q in questionnaire.segments
    ]
    levels = sorted(instrument.maturity, key=lambda m: m.level)
    parameters = Parameters(
        quadrant_cut=instrument.scoring.quadrant_cut,
        maturity_cuts=tuple(instrument.scoring.maturity_cuts),
        anonymity_threshold=anonymity_threshold,
        maturity_labels=tuple(instrument.text(m.label) for m in levels),
    )
    return InstrumentSpec(
        dimensions=tuple(
            DimensionSpec(id=d.id, lens=str(d.lens), weight=d.weight)
            for d in instrument.dimensions
        ),
        items=tuple(items),
        segments=tuple(segments),
        parameters=parameters,
    )
