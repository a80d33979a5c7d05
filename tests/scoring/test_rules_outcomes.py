"""Rule 13 (NPS) and the other outcome items (equity, hostage vs loyal)."""

from __future__ import annotations

import pytest

from assess.scoring import NpsResult, score
from tests.scoring.oracle import score_respondents, summarise

from .helpers import blank, item, make_spec, one_item_answers, resp


def _outcome_spec(**params: object):
    return make_spec(
        [
            item("c1", "customer", "d"),
            item("rec", "customer", lo=0, hi=10, outcome="recommend"),
            item("hostage", "customer", outcome="stay_hostage"),
            item("choice", "customer", outcome="stay_by_choice"),
        ],
        **params,
    )


def test_nps_bands_at_their_edges() -> None:
    # 0 and 6 detract, 7 and 8 are passive, 9 and 10 promote
    spec = _outcome_spec()
    stats = summarise(spec, one_item_answers("rec", [0, 6, 7, 8, 9, 10], "customer"))
    assert (stats.nps.promoters, stats.nps.passives, stats.nps.detractors) == (2, 2, 2)
    nps = score(spec, stats).nps
    assert nps == NpsResult(
        score=0.0, promoters=1 / 3, passives=1 / 3, detractors=1 / 3, n=6, suppressed=False
    )


def test_nps_score_hand_computed() -> None:
    # promoters 3, detractors 2, n = 7 -> 100 (3 - 2) / 7
    spec = _outcome_spec()
    nps = score_respondents(spec, one_item_answers("rec", [0, 6, 7, 8, 9, 10, 10], "customer")).nps
    assert nps.score == pytest.approx(100 / 7, rel=1e-15)
    assert nps.promoters == pytest.approx(3 / 7, rel=1e-15)
    assert nps.detractors == pytest.approx(2 / 7, rel=1e-15)
    assert nps.n == 7


def test_nps_extremes_and_missing_answers() -> None:
    spec = _outcome_spec()
    nps = score_respondents(
        spec, one_item_answers("rec", [0, 3], "customer") + blank("customer", 2)
    ).nps
    assert nps.score == -100.0 and nps.n == 2
    nps = score_respondents(spec, one_item_answers("rec", [10, 9, 9], "customer")).nps
    assert nps.score == 100.0


def test_nps_without_answers_has_null_fields() -> None:
    spec = _outcome_spec()
    nps = score_respondents(spec, blank("customer", 4)).nps
    assert nps == NpsResult(None, None, None, None, 0, False)


def test_nps_suppressed_with_its_audience() -> None:
    spec = _outcome_spec()
    nps = score_respondents(spec, one_item_answers("rec", [10, 10], "customer")).nps
    assert nps == NpsResult(None, None, None, None, None, True)


def test_nps_without_recommend_item() -> None:
    spec = make_spec([item("c1", "customer")])
    nps = score_respondents(spec, blank("customer", 3)).nps
    assert nps.score is None and nps.n == 0 and nps.suppressed is False


def test_outcomes_and_hostage_share() -> None:
    spec = _outcome_spec()
    respondents = [
        resp("customer", hostage=5, choice=1),
        resp("customer", hostage=4, choice=2),
        resp("customer", hostage=2, choice=5),
        resp("customer", hostage=1),
    ]
    results = score_respondents(spec, respondents)
    assert set(results.outcomes) == {"stay_hostage", "stay_by_choice"}
    hostage = results.outcomes["stay_hostage"]
    assert hostage.item == "hostage" and hostage.audience == "customer"
    assert hostage.mean == pytest.approx((100 + 75 + 25 + 0) / 4, rel=1e-15)
    assert hostage.top_box == 0.5
    assert hostage.n == 4
    assert results.hostage_share == 0.5
    choice = results.outcomes["stay_by_choice"]
    assert choice.mean == pytest.approx((0 + 25 + 100) / 3, rel=1e-15)
    assert choice.top_box == pytest.approx(1 / 3, rel=1e-15)
    # outcome items are no dimension's items
    assert results.dimension("d").customer is not None
    assert results.dimension("d").customer.n == 0


def test_hostage_share_null_without_item_or_when_suppressed() -> None:
    spec = make_spec([item("c1", "customer")])
    assert score_respondents(spec, blank("customer", 3)).hostage_share is None
    spec = _outcome_spec()
    results = score_respondents(spec, [resp("customer", hostage=5)] * 2)
    assert results.hostage_share is None
    assert results.outcomes["stay_hostage"].suppressed is True
    assert results.outcomes["stay_hostage"].n is None
