"""Rules 1-4: answers, reverse keying, item scores, top-box shares."""

from __future__ import annotations

import pytest

from tests.scoring.oracle import Respondent, score_respondents, summarise

from .helpers import blank, item, make_spec, one_item_answers, resp


def test_reverse_keyed_item_is_recoded_before_scoring() -> None:
    # rule 2: v' = min + max - v; rule 3: s = 100 (v' - min) / (max - min)
    spec = make_spec([item("r", reverse=True), item("p")])
    stats = summarise(spec, [resp(r=2, p=2)])
    assert stats.items["r"].sum == 75.0  # v' = 4 -> 75
    assert stats.items["p"].sum == 25.0  # v = 2 -> 25


@pytest.mark.parametrize(
    ("lo", "hi", "value", "expected"),
    [(1, 5, 1, 0.0), (1, 5, 3, 50.0), (1, 5, 5, 100.0), (0, 10, 7, 70.0), (1, 7, 3, 100 * 2 / 6)],
)
def test_item_score_formula(lo: int, hi: int, value: int, expected: float) -> None:
    spec = make_spec([item("x", lo=lo, hi=hi)])
    assert summarise(spec, [resp(x=value)]).items["x"].sum == expected


def test_item_mean_and_top_box_with_reverse_keying() -> None:
    # raw 1..5 reversed -> v' 5,4,3,2,1 -> scores 100,75,50,25,0; top box v' >= 4: 2 of 5
    spec = make_spec([item("r", reverse=True)])
    results = score_respondents(spec, one_item_answers("r", [1, 2, 3, 4, 5]))
    it = results.item("r")
    assert it.mean == 50.0
    assert it.top_box == 0.4
    assert it.n == 5
    assert it.suppressed is False


def test_top_box_on_1_to_5_is_agree_or_strongly_agree() -> None:
    spec = make_spec([item("x")])
    stats = summarise(spec, one_item_answers("x", [1, 2, 3, 4, 5, 5]))
    assert stats.items["x"].top_box == 3
    assert stats.items["x"].n == 6


def test_top_box_on_0_to_10_is_9_and_10() -> None:
    spec = make_spec([item("x", lo=0, hi=10)])
    stats = summarise(spec, one_item_answers("x", [7, 8, 9, 10]))
    assert stats.items["x"].top_box == 2


def test_missing_answers_are_not_counted() -> None:
    # rule 1: skipped / don't know are absent from the answers
    spec = make_spec([item("x"), item("y")])
    results = score_respondents(spec, [resp(x=5), resp(x=1), resp(y=3)])
    assert results.item("x").n == 2
    assert results.item("x").mean == 50.0
    assert results.item("y").n == 1
    assert results.item("y").mean == 50.0


def test_item_without_answers_has_null_mean_and_top_box() -> None:
    spec = make_spec([item("x"), item("y")])
    results = score_respondents(spec, [resp(x=5)] * 3)
    assert results.item("y").mean is None
    assert results.item("y").top_box is None
    assert results.item("y").n == 0


@pytest.mark.parametrize("value", [0, 6, -1, 100])
def test_value_off_the_scale_is_invalid(value: int) -> None:
    spec = make_spec([item("x")])
    with pytest.raises(ValueError, match="off the scale"):
        summarise(spec, [resp(x=value)])


@pytest.mark.parametrize("value", [True, 2.5, "3", None])
def test_non_integer_answer_is_invalid(value: object) -> None:
    spec = make_spec([item("x")])
    with pytest.raises(ValueError, match="not an integer"):
        summarise(spec, [Respondent("staff", {"x": value})])  # type: ignore[dict-item]


def test_integer_like_answer_is_accepted() -> None:
    numpy = pytest.importorskip("numpy")
    spec = make_spec([item("x")])
    stats = summarise(spec, [Respondent("staff", {"x": numpy.int64(4)})])  # type: ignore[dict-item]
    assert stats.items["x"].sum == 75.0


def test_items_count_only_for_their_own_audience_and_unknown_items_are_ignored() -> None:
    spec = make_spec([item("s", "staff"), item("c", "customer")])
    stats = summarise(
        spec,
        [resp("staff", s=5, c=1, unknown=99), resp("customer", c=5, s=1)],
    )
    assert (stats.items["s"].n, stats.items["s"].sum) == (1, 100.0)
    assert (stats.items["c"].n, stats.items["c"].sum) == (1, 100.0)


def test_unknown_audience_and_unknown_segment_option_are_invalid() -> None:
    from assess.scoring import SegmentSpec

    spec = make_spec([item("x")], segments=[SegmentSpec("f", "staff", ("a", "b"))])
    with pytest.raises(ValueError, match="audience"):
        summarise(spec, [resp("board", x=1)])
    with pytest.raises(ValueError, match="option"):
        summarise(spec, [resp("staff", {"f": "zzz"}, x=1)])
    # a segment question of the other audience, or an unknown one, is ignored
    stats = summarise(spec, [resp("customer", {"f": "zzz", "other": "q"})])
    assert stats.groups[("customer", None, None)].respondents == 1


def test_respondent_without_answers_counts_as_a_response() -> None:
    spec = make_spec([item("x")])
    results = score_respondents(spec, blank("staff", 4))
    assert results.audiences["staff"].responses == 4
    assert results.dimension("d").staff is not None
    assert results.dimension("d").staff.n == 0
    assert results.dimension("d").staff.score is None
