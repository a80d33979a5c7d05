"""Answer codes: the format of docs/results.md, by hand."""

from __future__ import annotations

import pytest

from assess.respondents.codes import AnswerCodeError, CodeLayout, code_width
from assess.scoring import DimensionSpec, InstrumentSpec, ItemSpec, SegmentSpec


def _spec(*, wide: bool = False) -> InstrumentSpec:
    items = (
        ItemSpec("a", "staff", 1, 5, dimension="d"),
        ItemSpec("c1", "customer", 0, 10, outcome="recommend"),
        ItemSpec("b", "staff", -2, 2, dimension="d", reverse=True),
        ItemSpec("big", "staff", 0, 300 if wide else 10, dimension="d"),
    )
    segments = (
        SegmentSpec("region", "staff", ("north", "south", "east")),
        SegmentSpec("length", "customer", ("new", "old")),
    )
    return InstrumentSpec((DimensionSpec("d", "means"),), items, segments)


def test_one_byte_per_code_in_instrument_order():
    layout = CodeLayout.of(_spec(), "staff")
    assert [i.id for i in layout.items] == ["a", "b", "big"]
    assert [s.id for s in layout.segments] == ["region"]
    assert layout.width == 1 and layout.length == 4
    # a: 4 - 1 + 1; b: -2 - (-2) + 1 (stored as answered: reverse keying is scoring's);
    # big: not applicable; region: the third option.
    codes = layout.encode({"a": 4, "b": -2, "big": None}, {"region": "east"})
    assert codes == bytes([4, 1, 0, 3])
    assert layout.encode({}, {}) == bytes(4)


def test_other_audiences_and_unknown_ids_are_ignored():
    layout = CodeLayout.of(_spec(), "staff")
    codes = layout.encode({"a": 5, "c1": 10, "nowhere": 3}, {"length": "new", "x": "y"})
    assert codes == bytes([5, 0, 0, 0])


def test_two_bytes_when_a_code_passes_255():
    spec = _spec(wide=True)
    assert code_width(spec) == 2
    layout = CodeLayout.of(spec, "staff")
    codes = layout.encode({"big": 300, "a": 1}, {"region": "north"})
    assert codes == b"".join(c.to_bytes(2, "little") for c in (1, 0, 301, 1))
    items, segments = layout.decode([codes, bytes(8)])
    assert items.tolist() == [[1, 0, 301], [0, 0, 0]]
    assert segments.tolist() == [[1], [0]]


def test_decode_many_and_none():
    layout = CodeLayout.of(_spec(), "customer")
    rows = [layout.encode({"c1": v}, {"length": "old"}) for v in (0, 10)]
    items, segments = layout.decode(rows)
    assert items.tolist() == [[1], [11]]
    assert segments.tolist() == [[2], [2]]
    empty_items, empty_segments = layout.decode([])
    assert empty_items.shape == (0, 1) and empty_segments.shape == (0, 1)


@pytest.mark.parametrize(
    ("answers", "segments", "message"),
    [
        ({"a": 6}, {}, "a: 6 is not on the scale 1..5"),
        ({"b": -3}, {}, "b: -3 is not on the scale -2..2"),
        ({}, {"region": "west"}, "region: 'west' is not one of its options"),
    ],
)
def test_answers_the_instrument_does_not_allow_are_refused(answers, segments, message):
    with pytest.raises(AnswerCodeError, match=message):
        CodeLayout.of(_spec(), "staff").encode(answers, segments)


def test_layout_of_an_instrument_follows_its_order(make_engagement):
    instrument = make_engagement().instrument()
    layout = CodeLayout.for_instrument(instrument, "customer")
    assert [i.id for i in layout.items] == [i.id for i in instrument.items_for("customer")]
    questionnaire = instrument.questionnaires["customer"]
    assert [s.id for s in layout.segments] == [q.id for q in questionnaire.segments]
