"""Instruments the scoring rules cannot handle are refused with ValueError."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assess.scoring import (
    DimensionSpec,
    InstrumentSpec,
    ItemSpec,
    Parameters,
    SegmentSpec,
    validate_spec,
)
from tests.scoring.oracle import score_respondents

from .helpers import item, make_spec

GOOD = make_spec([item("a"), item("rec", "customer", lo=0, hi=10, outcome="recommend")])


def test_good_spec_passes() -> None:
    validate_spec(GOOD)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (replace(GOOD, items=(item("a"), item("a"))), "duplicate item"),
        (replace(GOOD, items=(item("a", lo=5, hi=5),)), "min < max"),
        (replace(GOOD, items=(item("a", "board"),)), "audience"),
        (replace(GOOD, items=(item("a", dimension="nope"),)), "unknown dimension"),
        (replace(GOOD, items=(ItemSpec("a", "staff", 1, 5),)), "exactly one"),
        (replace(GOOD, items=(item("r", "customer", outcome="recommend"),)), "0..10"),
        (
            replace(
                GOOD, items=(item("h1", outcome="stay_hostage"), item("h2", outcome="stay_hostage"))
            ),
            "more than one",
        ),
        (replace(GOOD, dimensions=(DimensionSpec("d", "sideways"),)), "lens"),
        (replace(GOOD, dimensions=(DimensionSpec("d", "means", -1.0),)), "weight"),
        (replace(GOOD, dimensions=(DimensionSpec("d", "means", float("nan")),)), "weight"),
        (replace(GOOD, dimensions=GOOD.dimensions * 2), "duplicate dimension"),
        (replace(GOOD, segments=(SegmentSpec("f", "staff", ("a", "a")),)), "options"),
        (replace(GOOD, segments=(SegmentSpec("f", "staff", ()),)), "options"),
        (replace(GOOD, parameters=Parameters(maturity_cuts=(40.0, 20.0, 60.0, 80.0))), "ascending"),
        (replace(GOOD, parameters=Parameters(maturity_labels=("a", "b"))), "label"),
    ],
)
def test_bad_specs_are_refused(spec: InstrumentSpec, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_spec(spec)
    with pytest.raises(ValueError, match=message):
        score_respondents(spec, [])
