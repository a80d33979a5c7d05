"""The precision of the report's figures: small-sample cautions and the 95%
interval of a change between two waves (assess/reports/precision.py)."""

from __future__ import annotations

import math

import pytest

from assess.reports import precision
from assess.scoring import DimensionScore, NpsResult, welch_interval


def score(mean: float, sd: float, n: int) -> DimensionScore:
    return DimensionScore(score=mean, sd=sd, n=n, ci95=None, alpha=None, suppressed=False)


def test_small_sample_caution_below_30_only():
    assert precision.is_small(12) and precision.is_small(29)
    assert not precision.is_small(30) and not precision.is_small(0)
    assert not precision.is_small(None)
    assert precision.small_sample_note(12).startswith("Based on 12 customers: fewer than 30")
    assert precision.small_sample_note(200) == ""


def test_a_score_change_has_welchs_interval_over_the_two_waves():
    before, now = score(50.0, 20.0, 40), score(58.0, 18.0, 35)
    change = precision.score_change(before, now)
    assert change is not None and change.value == pytest.approx(8.0)
    low, high = welch_interval(58.0, 18.0, 35, 50.0, 20.0, 40)
    assert (change.low, change.high) == pytest.approx((low, high))
    assert not change.clear  # the interval crosses zero
    assert precision.score_change(None, now) is None
    hidden = DimensionScore(None, None, None, None, None, suppressed=True)
    assert precision.score_change(hidden, now) is None


def test_a_share_change_has_newcombes_interval():
    # Newcombe (1998), method 10: 56/70 against 48/80 -> 0.2000 (0.0524, 0.3339).
    change = precision.share_change(48 / 80, 80, 56 / 70, 70)
    assert change is not None
    assert change.value == pytest.approx(0.2, abs=1e-4)
    assert change.low == pytest.approx(0.0524, abs=1e-4)
    assert change.high == pytest.approx(0.3339, abs=1e-4)
    assert change.clear
    assert precision.share_change(None, 10, 0.5, 10) is None
    unknown = precision.share_change(0.2, None, 0.5, 40)
    assert unknown is not None and unknown.low is None and not unknown.clear


def test_an_nps_change_uses_the_variance_of_plus_100_0_minus_100():
    before = NpsResult(score=-10.0, promoters=0.2, passives=0.5, detractors=0.3, n=100,
                       suppressed=False)
    now = NpsResult(score=10.0, promoters=0.3, passives=0.5, detractors=0.2, n=100,
                    suppressed=False)
    change = precision.nps_change(before, now)
    assert change is not None and change.value == pytest.approx(20.0)
    variance = 100**2 * (0.5 - 0.1**2) / 100  # each wave: p + d - (p - d)^2
    half = precision.Z95 * math.sqrt(2 * variance)
    assert (change.low, change.high) == pytest.approx((20 - half, 20 + half))


def test_an_index_change_is_conservative():
    """The index's standard error is taken as the weighted mean of its dimensions'
    (perfect correlation), never smaller than under independence."""
    dims = [(score(60.0, 20.0, 25), 1.0), (score(70.0, 20.0, 25), 1.0)]
    later = [(score(66.0, 20.0, 25), 1.0), (score(76.0, 20.0, 25), 1.0)]
    change = precision.index_change(dims, later)
    assert change is not None and change.value == pytest.approx(6.0)
    se = 20.0 / 5.0  # each dimension's; their weighted mean
    assert change.half_width == pytest.approx(precision.Z95 * math.hypot(se, se))
    independent = precision.Z95 * math.hypot(se / math.sqrt(2), se / math.sqrt(2))
    assert change.half_width > independent
    assert precision.index_change([(None, 1.0)], later) is None
