"""Rules 8-12: lens indices, gaps, paired items, position, quadrant, maturity."""

from __future__ import annotations

import pytest
from scipy import stats as sps

from assess.scoring import (
    CUSTOMER_CENTRIC,
    DEVOTED_UNDER_EQUIPPED,
    MEANS_ONLY,
    PRODUCT_CENTRIC,
    lens_index,
    maturity_level,
    quadrant,
    welch_interval,
    welch_p,
)
from tests.scoring.oracle import score_respondents, welch_gap_interval

from .helpers import blank, item, make_spec, one_item_answers, resp


def test_weighted_lens_index() -> None:
    # rule 8: m1 = 40 (weight 1), m2 = 80 (weight 3), m3 has no scores -> (40 + 240) / 4 = 70
    spec = make_spec(
        [
            item("a", dimension="m1", lo=0, hi=10),
            item("b", dimension="m2", lo=0, hi=10),
            item("c", dimension="m3"),
        ],
        weights={"m1": 1.0, "m2": 3.0, "m3": 5.0},
    )
    results = score_respondents(spec, [resp(a=4, b=8)] * 3)
    assert results.indices["staff"].means == pytest.approx(70.0, rel=1e-15)
    assert results.indices["staff"].ends is None
    assert results.indices["customer"].means is None


def test_lens_index_function() -> None:
    assert lens_index([(40.0, 1.0), (80.0, 3.0), (None, 10.0)]) == 70.0
    assert lens_index([(None, 1.0)]) is None
    assert lens_index([]) is None
    assert lens_index([(50.0, 0.0)]) is None  # no weight at all


def _two_audience_spec():
    return make_spec(
        [
            item("s", "staff", "d", pair="p1"),
            item("c", "customer", "d", pair="p1"),
        ]
    )


def test_gap_sign_and_welch_p_match_scipy_on_raw_scores() -> None:
    staff_raw = [5, 4, 4, 5, 3, 4]
    cust_raw = [2, 3, 1, 2, 4, 2, 3]
    spec = _two_audience_spec()
    respondents = one_item_answers("s", staff_raw, "staff") + one_item_answers(
        "c", cust_raw, "customer"
    )
    dim = score_respondents(spec, respondents).dimension("d")
    s_scores = [25.0 * (v - 1) for v in staff_raw]
    c_scores = [25.0 * (v - 1) for v in cust_raw]
    expected_gap = sum(s_scores) / 6 - sum(c_scores) / 7
    assert dim.gap == pytest.approx(expected_gap, rel=1e-12)
    assert dim.gap > 0  # staff think better of the firm: a blind spot
    expected_p = sps.ttest_ind(s_scores, c_scores, equal_var=False).pvalue
    assert dim.gap_p == pytest.approx(float(expected_p), rel=1e-9)


def test_gap_ci95_is_the_welch_satterthwaite_interval_worked_by_hand() -> None:
    # Rule 9. Staff 100,75,75,100,50,75: mean 79.1667, s² = 1770.83/5 = 354.17;
    # customers 25,50,0,25,75,25,50: mean 35.7143, s² = 3571.43/6 = 595.24.
    # s₁²/n₁ = 59.03, s₂²/n₂ = 85.03, se = √144.06 = 12.003;
    # ν = 144.06² / (59.03²/5 + 85.03²/6) = 10.91; t(0.975, 10.91) = 2.2032;
    # gap 43.452 ± 26.44 -> [17.01, 69.90].
    staff_raw = [5, 4, 4, 5, 3, 4]
    cust_raw = [2, 3, 1, 2, 4, 2, 3]
    respondents = one_item_answers("s", staff_raw, "staff") + one_item_answers(
        "c", cust_raw, "customer"
    )
    dim = score_respondents(_two_audience_spec(), respondents).dimension("d")
    assert dim.gap_ci95 is not None
    low, high = dim.gap_ci95
    assert low == pytest.approx(17.01, abs=0.01) and high == pytest.approx(69.90, abs=0.01)
    assert (low + high) / 2 == pytest.approx(dim.gap, rel=1e-12)
    expected = welch_gap_interval(
        [25.0 * (v - 1) for v in staff_raw], [25.0 * (v - 1) for v in cust_raw]
    )
    assert expected is not None
    assert dim.gap_ci95 == pytest.approx(expected, rel=1e-9)
    assert dim.to_dict()["gap_ci95"] == [low, high]


def test_gap_ci95_null_when_an_audience_has_n_below_two_and_a_point_without_spread() -> None:
    assert welch_interval(50.0, 1.0, 1, 40.0, 1.0, 10) is None
    assert welch_interval(50.0, 1.0, 10, 40.0, 1.0, 1) is None
    assert welch_interval(50.0, 0.0, 4, 40.0, 0.0, 5) == (10.0, 10.0)
    spec = _two_audience_spec()
    respondents = (
        one_item_answers("s", [1, 2, 2], "staff") + [resp("customer", c=5)] + blank("customer", 2)
    )
    dim = score_respondents(spec, respondents).dimension("d")
    assert dim.gap is not None and dim.gap_ci95 is None


def test_negative_gap_is_a_hidden_strength() -> None:
    spec = _two_audience_spec()
    respondents = one_item_answers("s", [1, 2, 2], "staff") + one_item_answers(
        "c", [4, 5, 5], "customer"
    )
    dim = score_respondents(spec, respondents).dimension("d")
    assert dim.gap == pytest.approx(50 / 3 - 275 / 3, rel=1e-12)  # 0,25,25 vs 75,100,100
    assert dim.gap < 0


def test_gap_p_null_when_an_audience_has_n_below_two() -> None:
    spec = _two_audience_spec()
    respondents = (
        one_item_answers("s", [1, 2, 2], "staff") + [resp("customer", c=5)] + blank("customer", 2)
    )
    dim = score_respondents(spec, respondents).dimension("d")
    assert dim.gap == pytest.approx(50 / 3 - 100.0, rel=1e-12)
    assert dim.gap_p is None
    assert welch_p(50.0, 1.0, 1, 40.0, 1.0, 10) is None


def test_gap_null_without_both_audiences() -> None:
    spec = make_spec([item("s", "staff", "d"), item("c", "customer", "e")])
    results = score_respondents(spec, one_item_answers("s", [1, 2, 3]) + blank("customer", 3))
    assert results.dimension("d").customer is None
    assert results.dimension("d").gap is None and results.dimension("d").gap_p is None
    assert results.dimension("e").staff is None


def test_welch_p_undefined_is_null() -> None:
    assert welch_p(50.0, 0.0, 5, 50.0, 0.0, 5) is None


def test_paired_items_gap_and_top_boxes() -> None:
    spec = _two_audience_spec()
    respondents = one_item_answers("s", [5, 4, 4, 2], "staff") + one_item_answers(
        "c", [2, 4, 1], "customer"
    )
    (pair,) = score_respondents(spec, respondents).pairs
    assert (pair.id, pair.dimension, pair.staff_item, pair.customer_item) == ("p1", "d", "s", "c")
    assert pair.staff_mean == pytest.approx((100 + 75 + 75 + 25) / 4, rel=1e-15)
    assert pair.customer_mean == pytest.approx((25 + 75 + 0) / 3, rel=1e-15)
    assert pair.gap == pytest.approx(68.75 - 100 / 3, rel=1e-12)
    assert pair.staff_top_box == 0.75
    assert pair.customer_top_box == pytest.approx(1 / 3, rel=1e-15)


def test_pair_key_needs_one_item_of_each_audience() -> None:
    spec = make_spec(
        [
            item("s1", pair="p"),
            item("s2", pair="p"),
            item("c", "customer", pair="p"),
            item("lone", pair="q"),
        ]
    )
    results = score_respondents(spec, blank("staff", 3) + blank("customer", 3))
    assert results.pairs == ()


def _position_spec(**params: object):
    # 0..10 scale items give scores in steps of 10, so indices hit the cuts exactly
    return make_spec(
        [
            item("sm", "staff", "means_dim", 0, 10),
            item("se", "staff", "ends_dim", 0, 10),
            item("ce", "customer", "ends_dim", 0, 10),
        ],
        lenses={"means_dim": "means", "ends_dim": "ends"},
        **params,
    )


def _position(staff_means: int, staff_ends: int, customer_ends: int | None, **params: object):
    spec = _position_spec(**params)
    respondents = [resp("staff", sm=staff_means, se=staff_ends)] * 3
    if customer_ends is not None:
        respondents += [resp("customer", ce=customer_ends)] * 3
    return score_respondents(spec, respondents).position


@pytest.mark.parametrize(
    ("means", "ends", "expected", "label"),
    [
        (6, 6, CUSTOMER_CENTRIC, "Customer-centric as an end"),
        (6, 5, MEANS_ONLY, "Customer-centric as a means"),
        (5, 6, DEVOTED_UNDER_EQUIPPED, "Customer-devoted but under-equipped"),
        (5, 5, PRODUCT_CENTRIC, "Product-centric"),
    ],
)
def test_quadrant_cut_at_60_counts_as_high(
    means: int, ends: int, expected: str, label: str
) -> None:
    pos = _position(means, 0, ends)
    assert (pos.means, pos.ends) == (means * 10.0, ends * 10.0)
    assert pos.quadrant == expected
    assert pos.quadrant_label == label
    assert pos.self_rated is False


def test_quadrant_function_edges() -> None:
    assert quadrant(60.0, 60.0, 60.0) == CUSTOMER_CENTRIC
    assert quadrant(59.999999, 60.0, 60.0) == DEVOTED_UNDER_EQUIPPED
    assert quadrant(60.0, 59.999999, 60.0) == MEANS_ONLY
    assert quadrant(0.0, 0.0, 60.0) == PRODUCT_CENTRIC
    assert quadrant(70.0, 70.0, 75.0) == PRODUCT_CENTRIC


@pytest.mark.parametrize(
    ("value", "level"),
    [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (6, 4), (8, 5), (10, 5)],
)
def test_maturity_level_at_the_cuts(value: int, level: int) -> None:
    labels = ("Investigate", "Initiate", "Mobilize", "Scale", "Embed")
    pos = _position(10, 0, value, maturity_labels=labels)  # min(means=100, ends) = ends
    assert pos.maturity_level == level
    assert pos.maturity_label == labels[level - 1]


def test_maturity_uses_the_weaker_lens() -> None:
    pos = _position(4, 0, 9)
    assert pos.maturity_level == 3  # min(40, 90) = 40
    assert maturity_level(80.0, 20.0, (20.0, 40.0, 60.0, 80.0)) == 2
    assert maturity_level(79.99, 100.0, (20.0, 40.0, 60.0, 80.0)) == 4
    assert maturity_level(19.99, 100.0, (20.0, 40.0, 60.0, 80.0)) == 1


def test_custom_quadrant_cut_and_maturity_cuts() -> None:
    pos = _position(5, 0, 5, quadrant_cut=50.0, maturity_cuts=(10.0, 50.0, 90.0, 95.0))
    assert pos.quadrant == CUSTOMER_CENTRIC
    assert pos.maturity_level == 3


def test_position_is_self_rated_without_customers() -> None:
    pos = _position(7, 4, None)
    assert pos.self_rated is True
    assert (pos.means, pos.ends) == (70.0, 40.0)
    assert pos.quadrant == MEANS_ONLY
    assert pos.maturity_level == 3


def test_position_is_self_rated_when_customers_are_suppressed() -> None:
    spec = _position_spec()
    respondents = [resp("staff", sm=7, se=8)] * 3 + [resp("customer", ce=1)] * 2
    results = score_respondents(spec, respondents)
    assert results.audiences["customer"].suppressed is True
    assert results.position.self_rated is True
    assert results.position.ends == 80.0


def test_position_uses_customer_ends_when_available() -> None:
    pos = _position(7, 9, 3)
    assert pos.self_rated is False
    assert pos.ends == 30.0


def test_position_null_without_staff_means() -> None:
    spec = _position_spec()
    pos = score_respondents(spec, [resp("customer", ce=9)] * 3).position
    assert pos.means is None and pos.ends == 90.0
    assert pos.quadrant is None and pos.quadrant_label is None
    assert pos.maturity_level is None and pos.maturity_label is None
