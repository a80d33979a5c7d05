"""Hypothesis strategies: small random instruments and responses to them."""

from __future__ import annotations

from hypothesis import strategies as st

from assess.scoring import (
    DimensionSpec,
    InstrumentSpec,
    ItemSpec,
    Parameters,
    SegmentSpec,
)
from tests.scoring.oracle import Respondent

SCALES = [(1, 5), (0, 10), (1, 7), (1, 3), (0, 1)]


@st.composite
def instruments(draw: st.DrawFn) -> InstrumentSpec:
    n_dims = draw(st.integers(1, 3))
    dims = tuple(
        DimensionSpec(
            f"d{i}",
            draw(st.sampled_from(["means", "ends"])),
            draw(st.sampled_from([0.5, 1.0, 2.0])),
        )
        for i in range(n_dims)
    )
    items: list[ItemSpec] = []
    for audience in ("staff", "customer"):
        for dim in dims:
            for j in range(draw(st.integers(0, 4))):
                lo, hi = draw(st.sampled_from(SCALES))
                items.append(
                    ItemSpec(
                        id=f"{audience[0]}_{dim.id}_{j}",
                        audience=audience,
                        min=lo,
                        max=hi,
                        dimension=dim.id,
                        reverse=draw(st.booleans()),
                        pair=f"{dim.id}_{j}",
                    )
                )
    if draw(st.booleans()):
        items.append(ItemSpec("rec", "customer", 0, 10, outcome="recommend"))
    if draw(st.booleans()):
        items.append(ItemSpec("hostage", "customer", 1, 5, outcome="stay_hostage"))
    segments = []
    for audience in ("staff", "customer"):
        if draw(st.booleans()):
            n_opts = draw(st.integers(2, 3))
            segments.append(
                SegmentSpec(f"seg_{audience}", audience, tuple(f"o{i}" for i in range(n_opts)))
            )
    return InstrumentSpec(
        dimensions=dims,
        items=tuple(items),
        segments=tuple(segments),
        parameters=Parameters(anonymity_threshold=draw(st.integers(0, 4))),
    )


@st.composite
def respondents_for(draw: st.DrawFn, spec: InstrumentSpec, max_size: int = 25) -> list[Respondent]:
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        audience = draw(st.sampled_from(["staff", "customer"]))
        answers = {}
        for it in spec.items:
            if it.audience == audience and draw(st.integers(0, 3)) > 0:
                answers[it.id] = draw(st.integers(it.min, it.max))
        segments = {}
        for seg in spec.segments:
            if seg.audience == audience and draw(st.integers(0, 4)) > 0:
                segments[seg.id] = draw(st.sampled_from(seg.options))
        out.append(Respondent(audience, answers, segments))
    return out


@st.composite
def surveys(draw: st.DrawFn, max_size: int = 25) -> tuple[InstrumentSpec, list[Respondent]]:
    spec = draw(instruments())
    return spec, draw(respondents_for(spec, max_size))
