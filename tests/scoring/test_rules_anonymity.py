"""Rules 14-15: suppression of small groups and complementary suppression."""

from __future__ import annotations

import pytest

from assess.scoring import (
    DimensionScore,
    SegmentSpec,
    complementary_suppression,
    effective_threshold,
    is_suppressed,
)
from assess.scoring.model import Parameters
from tests.scoring.oracle import score_respondents

from .helpers import blank, item, make_spec, resp


def test_audience_below_threshold_is_suppressed_entirely() -> None:
    spec = make_spec(
        [
            item("s", "staff", pair="p"),
            item("c", "customer", pair="p"),
            item("rec", "customer", lo=0, hi=10, outcome="recommend"),
        ],
        anonymity_threshold=5,
    )
    respondents = [resp("staff", s=v) for v in [1, 2, 3, 4, 5]] + [
        resp("customer", c=v, rec=9) for v in [1, 2, 3, 4]
    ]
    results = score_respondents(spec, respondents)
    assert results.audiences["staff"].suppressed is False
    assert results.audiences["customer"].suppressed is True
    assert results.audiences["customer"].responses == 4  # response counts stay visible
    dim = results.dimension("d")
    assert dim.customer == DimensionScore(None, None, None, None, None, True)
    assert dim.staff is not None and dim.staff.score == 50.0
    assert dim.gap is None and dim.gap_p is None
    assert results.item("c").mean is None and results.item("c").n is None
    assert results.item("c").suppressed is True
    assert results.pairs[0].customer_mean is None and results.pairs[0].gap is None
    assert results.indices["customer"].means is None
    assert results.nps.suppressed is True and results.nps.score is None


def test_audience_at_threshold_is_not_suppressed() -> None:
    spec = make_spec([item("c", "customer")], anonymity_threshold=5)
    results = score_respondents(spec, [resp("customer", c=3)] * 5)
    assert results.audiences["customer"].suppressed is False
    assert results.dimension("d").customer is not None
    assert results.dimension("d").customer.score == 50.0


def test_audience_without_responses_is_suppressed() -> None:
    spec = make_spec([item("c", "customer")])
    results = score_respondents(spec, [])
    assert results.audiences["customer"].responses == 0
    assert results.audiences["customer"].suppressed is True


@pytest.mark.parametrize(("configured", "effective"), [(0, 3), (1, 3), (2, 3), (3, 3), (7, 7)])
def test_threshold_is_never_below_three(configured: int, effective: int) -> None:
    params = Parameters(anonymity_threshold=configured)
    assert effective_threshold(params) == effective
    assert is_suppressed(effective - 1, params) is True
    assert is_suppressed(effective, params) is False


def test_threshold_below_three_is_raised_in_results() -> None:
    spec = make_spec([item("s")], anonymity_threshold=2)
    two = score_respondents(spec, [resp(s=5)] * 2)
    assert two.audiences["staff"].suppressed is True
    assert two.parameters.anonymity_threshold == 3
    assert two.parameters.comment_threshold == 6
    three = score_respondents(spec, [resp(s=5)] * 3)
    assert three.audiences["staff"].suppressed is False


def _segment_results(counts: dict[str, int], skipped: int = 0, threshold: int = 5):
    seg = SegmentSpec("function", "staff", tuple(counts))
    spec = make_spec([item("s")], segments=[seg], anonymity_threshold=threshold)
    respondents = []
    for n, (option, count) in enumerate(counts.items()):
        respondents += [resp("staff", {"function": option}, s=1 + n % 5)] * count
    respondents += [resp("staff", s=3)] * skipped
    results = score_respondents(spec, respondents)
    return {g.option: g for g in results.segments["function"].groups}


def test_single_small_segment_triggers_complementary_suppression() -> None:
    groups = _segment_results({"sales": 10, "it": 2, "ops": 6, "legal": 7})
    assert groups["it"].suppressed is True  # rule 14: 2 < 5
    assert groups["ops"].suppressed is True  # rule 15: next-smallest
    assert groups["legal"].suppressed is False
    assert groups["sales"].suppressed is False
    assert groups["it"].respondents is None and groups["ops"].respondents is None
    # rule 15: the reader is told which reason hides each group
    assert groups["it"].suppressed_reason == "too_few"
    assert groups["ops"].suppressed_reason == "protects_smaller"
    assert groups["sales"].suppressed_reason is None
    assert groups["it"].dimensions["d"].score is None
    assert groups["ops"].dimensions["d"].n is None
    assert groups["legal"].respondents == 7
    assert groups["legal"].dimensions["d"].score == 75.0  # every legal answer is 4
    assert groups["legal"].dimensions["d"].sd == 0.0
    assert groups["sales"].dimensions["d"].n == 10


def test_two_small_segments_need_no_complementary_suppression() -> None:
    groups = _segment_results({"sales": 10, "it": 2, "ops": 6, "hr": 1})
    assert [groups[o].suppressed for o in ("sales", "it", "ops", "hr")] == [
        False,
        True,
        False,
        True,
    ]


def test_no_small_segment_suppresses_nothing() -> None:
    groups = _segment_results({"sales": 10, "it": 5, "ops": 6})
    assert not any(g.suppressed for g in groups.values())
    assert groups["it"].respondents == 5


def test_empty_options_do_not_count_for_complementary_suppression() -> None:
    # "hr" has nobody: it is reported as suppressed but does not make two suppressed groups
    groups = _segment_results({"sales": 10, "it": 2, "ops": 6, "hr": 0})
    assert groups["hr"].suppressed is True and groups["hr"].respondents is None
    assert groups["it"].suppressed is True
    assert groups["ops"].suppressed is True
    assert groups["sales"].suppressed is False


def test_few_respondents_skipping_the_segment_question_count_as_a_hidden_group() -> None:
    # total - sales - ops would reveal the 2 who skipped: the smallest option is suppressed
    groups = _segment_results({"sales": 10, "ops": 6}, skipped=2)
    assert groups["ops"].suppressed is True
    assert groups["sales"].suppressed is False
    # enough skippers (>= threshold): nothing to protect
    groups = _segment_results({"sales": 10, "ops": 6}, skipped=5)
    assert not groups["ops"].suppressed and not groups["sales"].suppressed


def test_complementary_suppression_ties_go_to_the_first_option() -> None:
    assert complementary_suppression([2, 6, 6], [True, False, False], 0, 5) == [True, True, False]
    assert complementary_suppression([2, 6], [True, False], 0, 5) == [True, True]
    assert complementary_suppression([2, 0], [True, True], 0, 5) == [True, True]
    assert complementary_suppression([9, 6], [False, False], 1, 5) == [False, True]
    assert complementary_suppression([9, 6], [False, False], 0, 5) == [False, False]


def test_all_segments_suppressed_when_audience_is_suppressed() -> None:
    groups = _segment_results({"sales": 3, "it": 1})
    assert all(g.suppressed and g.respondents is None for g in groups.values())


def test_segment_group_scores_hand_computed() -> None:
    seg = SegmentSpec("level", "staff", ("lead", "team"))
    spec = make_spec([item("s1"), item("s2")], segments=[seg])
    respondents = [
        resp("staff", {"level": "lead"}, s1=5, s2=5),
        resp("staff", {"level": "lead"}, s1=4, s2=2),
        resp("staff", {"level": "lead"}, s1=1),
        resp("staff", {"level": "team"}, s1=2, s2=2),
        resp("staff", {"level": "team"}, s1=3, s2=3),
        resp("staff", {"level": "team"}, s1=4, s2=4),
    ]
    results = score_respondents(spec, respondents)
    lead, team = results.segments["level"].groups
    assert results.segments["level"].audience == "staff"
    assert lead.respondents == 3 and lead.dimensions["d"].n == 3
    assert lead.dimensions["d"].score == pytest.approx((100 + 50 + 0) / 3, rel=1e-15)
    assert team.dimensions["d"].score == 50.0
    assert team.dimensions["d"].sd == 25.0
    # the whole audience is the union of the groups
    staff = results.dimension("d").staff
    assert staff is not None and staff.n == 6 and staff.score == pytest.approx(300 / 6, rel=1e-15)


def test_segment_of_customers_only_lists_customer_dimensions() -> None:
    seg = SegmentSpec("since", "customer", ("new", "old"))
    spec = make_spec([item("s", "staff", "a"), item("c", "customer", "b")], segments=[seg])
    results = score_respondents(
        spec, blank("customer", 3, {"since": "new"}) + blank("customer", 3, {"since": "old"})
    )
    for group in results.segments["since"].groups:
        assert list(group.dimensions) == ["b"]
        assert group.respondents == 3
        assert group.dimensions["b"].n == 0 and group.dimensions["b"].score is None
