"""Rules 5-7: respondent dimension scores, audience scores, Cronbach's alpha."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from assess.scoring import (
    AlphaStatistics,
    Moments,
    cronbach_alpha,
    t_interval,
)
from assess.scoring.statistics import sample_variance
from tests.scoring.oracle import score_respondents, summarise

from .helpers import blank, item, make_spec, one_item_answers, resp


def _half_rule_spec():
    return make_spec(
        [item(f"a{i}", dimension="k1") for i in range(1)]
        + [item(f"b{i}", dimension="k2") for i in range(2)]
        + [item(f"c{i}", dimension="k3") for i in range(3)]
        + [item(f"e{i}", dimension="k4") for i in range(4)]
    )


def test_half_of_the_items_rule() -> None:
    # rule 5: at least ceil(k/2) of the k items: k=1 needs 1, k=2 needs 1, k=3 needs 2, k=4 needs 2
    spec = _half_rule_spec()
    respondents = [
        # k3: 1 of 3 -> missing; k4: 2 of 4 -> (100 + 50) / 2 = 75; k1: 1 of 1 -> 0
        resp(c0=5, e0=5, e1=3, a0=1),
        # k3: 2 of 3 -> (100 + 0) / 2 = 50; k4: 1 of 4 -> missing; k2: 1 of 2 -> 25
        resp(c0=5, c1=1, e2=5, b1=2),
        resp(),
    ]
    group = summarise(spec, respondents).groups[("staff", None, None)]
    assert group.respondents == 3
    assert group.dimensions["k3"] == Moments(n=1, sum=50.0, sumsq=2500.0)
    assert group.dimensions["k4"] == Moments(n=1, sum=75.0, sumsq=5625.0)
    assert group.dimensions["k1"] == Moments(n=1, sum=0.0, sumsq=0.0)
    assert group.dimensions["k2"] == Moments(n=1, sum=25.0, sumsq=625.0)


def test_dimension_score_is_mean_of_own_items_only() -> None:
    # The customer's answer to a staff item of the same dimension does not count.
    spec = make_spec([item("s1"), item("s2"), item("c1", "customer")])
    stats = summarise(spec, [resp("customer", c1=5, s1=1, s2=1)])
    assert stats.groups[("customer", None, None)].dimensions["d"] == Moments(1, 100.0, 10000.0)
    assert stats.groups[("staff", None, None)].respondents == 0


def test_audience_dimension_score_sd_and_ci() -> None:
    # rule 6: scores 0, 25, 75, 100, 100 -> mean 60, sum of squared deviations 8250
    spec = make_spec([item("x")])
    results = score_respondents(spec, one_item_answers("x", [1, 2, 4, 5, 5]))
    staff = results.dimension("d").staff
    assert staff is not None
    assert staff.score == 60.0
    assert staff.n == 5
    assert staff.sd == pytest.approx(math.sqrt(8250 / 4), rel=1e-12)
    half = 2.7764451051977987 * math.sqrt(8250 / 4) / math.sqrt(5)  # t(0.975, 4)
    assert staff.ci95 == pytest.approx((60.0 - half, 60.0 + half), rel=1e-12)


def test_ci_matches_scipy_t_interval_on_raw_scores() -> None:
    raw = [1, 1, 2, 3, 3, 3, 4, 5, 5, 2, 4]
    scores = [100 * (v - 1) / 4 for v in raw]
    spec = make_spec([item("x")])
    staff = score_respondents(spec, one_item_answers("x", raw)).dimension("d").staff
    assert staff is not None and staff.ci95 is not None
    mean = sum(scores) / len(scores)
    sem = sps.sem(scores)
    low, high = sps.t.interval(0.95, len(scores) - 1, loc=mean, scale=sem)
    assert staff.ci95[0] == pytest.approx(low, rel=1e-12)
    assert staff.ci95[1] == pytest.approx(high, rel=1e-12)
    assert staff.sd == pytest.approx(float(sps.tstd(scores)), rel=1e-12)


def test_n_below_two_gives_null_sd_and_ci() -> None:
    spec = make_spec([item("x")])
    results = score_respondents(spec, [resp(x=4)] + blank("staff", 3))
    staff = results.dimension("d").staff
    assert staff is not None
    assert (staff.score, staff.n, staff.sd, staff.ci95) == (75.0, 1, None, None)
    assert t_interval(75.0, 0.0, 1) is None


def test_constant_scores_give_zero_sd() -> None:
    spec = make_spec([item("x", lo=1, hi=7)])
    staff = score_respondents(spec, one_item_answers("x", [3] * 7)).dimension("d").staff
    assert staff is not None
    assert staff.sd == 0.0
    assert staff.ci95 == (staff.score, staff.score)


def test_cronbach_alpha_hand_computed() -> None:
    # item 1 raw 1,3,5 -> 0,50,100 (var 2500); item 2 raw 2,3,5 -> 25,50,100 (var 4375/3)
    # totals 25,100,200 (var 23125/3): alpha = 2 (1 - 11875/23125) = 36/37
    spec = make_spec([item("i1"), item("i2")])
    respondents = [resp(i1=1, i2=2), resp(i1=3, i2=3), resp(i1=5, i2=5), resp(i1=2)]
    results = score_respondents(spec, respondents)
    staff = results.dimension("d").staff
    assert staff is not None
    assert staff.alpha == pytest.approx(36 / 37, rel=1e-12)
    # the fourth respondent (not listwise) counts for the score but not for alpha
    assert staff.n == 4
    alpha_stats = summarise(spec, respondents).alpha[("staff", "d")]
    assert alpha_stats.n == 3
    assert alpha_stats.item_sum == {"i1": 150.0, "i2": 175.0}
    assert alpha_stats.total_sum == 325.0
    assert alpha_stats.total_sumsq == 25.0**2 + 100.0**2 + 200.0**2


def test_cronbach_alpha_matches_numpy_formula_on_raw_data() -> None:
    np = pytest.importorskip("numpy")
    raw = np.array([[1, 2, 2], [3, 3, 4], [5, 4, 5], [2, 2, 1], [4, 5, 4], [3, 1, 3]])
    spec = make_spec([item("a"), item("b"), item("c", reverse=True)])
    respondents = [resp(a=int(r[0]), b=int(r[1]), c=int(r[2])) for r in raw]
    scores = (raw - 1) * 25.0
    scores[:, 2] = 100.0 - scores[:, 2]
    expected = 3 / 2 * (1 - scores.var(axis=0, ddof=1).sum() / scores.sum(axis=1).var(ddof=1))
    staff = score_respondents(spec, respondents).dimension("d").staff
    assert staff is not None
    assert staff.alpha == pytest.approx(float(expected), rel=1e-12)


def test_alpha_null_with_a_single_item() -> None:
    spec = make_spec([item("x")])
    staff = score_respondents(spec, one_item_answers("x", [1, 2, 3, 4, 5])).dimension("d").staff
    assert staff is not None and staff.alpha is None and staff.score == 50.0


def test_alpha_null_with_fewer_than_three_listwise_respondents() -> None:
    spec = make_spec([item("i1"), item("i2")])
    respondents = [resp(i1=1, i2=2), resp(i1=5, i2=4), resp(i1=3), resp(i2=3)]
    staff = score_respondents(spec, respondents).dimension("d").staff
    assert staff is not None and staff.n == 4 and staff.alpha is None


def test_alpha_null_when_total_variance_is_zero() -> None:
    # 1 + 5, 5 + 1, 3 + 3: the items vary but every total is 100
    spec = make_spec([item("i1"), item("i2")])
    respondents = [resp(i1=1, i2=5), resp(i1=5, i2=1), resp(i1=3, i2=3)]
    staff = score_respondents(spec, respondents).dimension("d").staff
    assert staff is not None and staff.alpha is None and staff.score == 50.0


def test_alpha_null_when_total_variance_is_zero_on_awkward_scale_large_n() -> None:
    # scores in steps of 100/6; totals constant at 100 over 3000 respondents
    spec = make_spec([item("i1", lo=1, hi=7), item("i2", lo=1, hi=7)])
    respondents = [resp(i1=v, i2=8 - v) for v in [1, 2, 3, 4, 5, 6, 7] * 430]
    staff = score_respondents(spec, respondents).dimension("d").staff
    assert staff is not None and staff.alpha is None


def test_alpha_direct_null_cases() -> None:
    good = AlphaStatistics(
        n=3,
        item_sum={"a": 150.0, "b": 175.0},
        item_sumsq={"a": 12500.0, "b": 13125.0},
        total_sum=325.0,
        total_sumsq=50625.0,
    )
    assert cronbach_alpha(2, good) == pytest.approx(36 / 37, rel=1e-12)
    assert cronbach_alpha(1, good) is None
    assert cronbach_alpha(2, AlphaStatistics(n=2)) is None
    flat = AlphaStatistics(3, good.item_sum, good.item_sumsq, 300.0, 30000.0)
    assert cronbach_alpha(2, flat) is None


def test_sample_variance_clamps_rounding_noise() -> None:
    # float sums of a constant awkward value: the naive difference is noise, not variance
    value = 250.0 / 3.0
    n = 100_000
    total = 0.0
    sumsq = 0.0
    for _ in range(n):
        total += value
        sumsq += value * value
    assert sample_variance(n, total, sumsq) == 0.0
    assert sample_variance(3, 3.0, 3.0 - 1e-12) == 0.0  # tiny negative -> 0
    assert sample_variance(1, 5.0, 25.0) is None
    assert sample_variance(2, 100.0, 10000.0) == 5000.0
