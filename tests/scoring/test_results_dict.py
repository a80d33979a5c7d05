"""Results.to_dict / results_from_dict (rule 16: full precision) and the trend."""

from __future__ import annotations

import json

import pytest

from assess.scoring import SegmentSpec
from tests.scoring.oracle import score_respondents

from .helpers import blank, item, make_spec, resp
from .results_from_dict import results_from_dict


def _spec():
    return make_spec(
        [
            item("sm", "staff", "m", pair="p1"),
            item("cm", "customer", "m", pair="p1"),
            item("se", "staff", "e"),
            item("ce", "customer", "e"),
            item("rec", "customer", lo=0, hi=10, outcome="recommend"),
            item("hostage", "customer", outcome="stay_hostage"),
            item("value", "customer", outcome="value_equity"),
        ],
        lenses={"m": "means", "e": "ends"},
        segments=[SegmentSpec("f", "staff", ("a", "b"))],
    )


def _respondents(shift: int = 0):
    staff = [
        resp("staff", {"f": "a"}, sm=min(5, 3 + shift), se=4),
        resp("staff", {"f": "a"}, sm=5, se=5),
        resp("staff", {"f": "b"}, sm=1, se=2),
        resp("staff", {"f": "b"}, sm=2, se=3),
        resp("staff", {"f": "b"}, sm=4, se=4),
        resp("staff", {"f": "a"}, sm=4, se=4),
    ]
    customers = [
        resp("customer", cm=2, ce=1 + shift, rec=10, hostage=5, value=4),
        resp("customer", cm=3, ce=3, rec=6, hostage=2, value=2),
        resp("customer", cm=1, ce=2, rec=8, hostage=4),
    ]
    return staff + customers


def test_to_dict_shape() -> None:
    data = score_respondents(_spec(), _respondents()).to_dict()
    assert set(data) >= {
        "audiences",
        "dimensions",
        "items",
        "pairs",
        "indices",
        "position",
        "nps",
        "outcomes",
        "hostage_share",
        "segments",
        "trend",
        "parameters",
    }
    assert data["audiences"] == {
        "staff": {"responses": 6, "suppressed": False},
        "customer": {"responses": 3, "suppressed": False},
    }
    dim = data["dimensions"][0]
    assert set(dim) >= {"id", "lens", "staff", "customer", "gap", "gap_p", "gap_ci95"}
    assert set(dim["staff"]) == {"score", "sd", "n", "ci95", "alpha", "suppressed"}
    assert isinstance(dim["staff"]["ci95"], list) and len(dim["staff"]["ci95"]) == 2
    assert set(data["items"][0]) >= {
        "id",
        "audience",
        "dimension",
        "outcome",
        "mean",
        "top_box",
        "n",
    }
    assert set(data["pairs"][0]) >= {
        "id",
        "dimension",
        "staff_item",
        "customer_item",
        "staff_mean",
        "customer_mean",
        "gap",
        "staff_top_box",
        "customer_top_box",
    }
    assert set(data["indices"]) == {"staff", "customer"}
    assert set(data["indices"]["staff"]) == {"means", "ends"}
    assert set(data["position"]) == {
        "means",
        "ends",
        "quadrant",
        "quadrant_label",
        "maturity_level",
        "maturity_label",
        "self_rated",
    }
    assert set(data["nps"]) == {"score", "promoters", "passives", "detractors", "n", "suppressed"}
    assert set(data["outcomes"]) == {"stay_hostage", "value_equity"}
    assert data["outcomes"]["value_equity"]["mean"] == 50.0  # 75 and 25
    assert data["hostage_share"] == pytest.approx(2 / 3, rel=1e-15)
    seg = data["segments"]["f"]
    assert seg["audience"] == "staff"
    assert [g["option"] for g in seg["groups"]] == ["a", "b"]
    assert set(seg["groups"][0]) == {
        "option", "respondents", "suppressed", "suppressed_reason", "dimensions"
    }
    assert set(seg["groups"][0]["dimensions"]) == {"m", "e"}
    assert set(seg["groups"][0]["dimensions"]["m"]) == {"score", "sd", "n"}
    assert data["trend"] is None
    assert data["parameters"]["anonymity_threshold"] == 3
    json.dumps(data, allow_nan=False)


def test_dimension_without_items_for_an_audience_is_null_in_dict() -> None:
    spec = make_spec([item("s", "staff", "only_staff")])
    data = score_respondents(spec, blank("staff", 3)).to_dict()
    assert data["dimensions"][0]["customer"] is None
    assert data["dimensions"][0]["staff"]["n"] == 0


def test_full_precision_is_kept() -> None:
    # rule 16: 0, 0, 100 -> 33.333..., never rounded
    spec = make_spec([item("x")])
    data = score_respondents(spec, [resp(x=1), resp(x=1), resp(x=5)]).to_dict()
    assert data["dimensions"][0]["staff"]["score"] == 100 / 3
    assert json.loads(json.dumps(data))["dimensions"][0]["staff"]["score"] == 100 / 3


def test_round_trip_through_json() -> None:
    results = score_respondents(_spec(), _respondents())
    back = results_from_dict(json.loads(json.dumps(results.to_dict())))
    assert back == results
    assert back.to_dict() == results.to_dict()


def test_trend_against_previous_results() -> None:
    spec = _spec()
    previous = results_from_dict(score_respondents(spec, _respondents()).to_dict())
    current = score_respondents(spec, _respondents(shift=2), previous=previous)
    assert current.trend is not None
    m = current.trend["m"]
    before_m = previous.dimension("m").staff
    now_m = current.dimension("m").staff
    assert before_m is not None and now_m is not None
    assert m.staff_previous == before_m.score and m.staff_current == now_m.score
    # one staff answer moved from 3 to 5: +50 / 6 on the staff mean
    assert m.staff_change == pytest.approx(50 / 6, rel=1e-12)
    assert m.customer_change == 0.0
    e = current.trend["e"]
    # one customer answer moved from 1 to 3: +50 / 3
    assert e.customer_change == pytest.approx(50 / 3, rel=1e-12)
    assert e.staff_change == 0.0
    data = current.to_dict()
    assert set(data["trend"]["m"]) == {
        "staff_previous",
        "staff_current",
        "staff_change",
        "customer_previous",
        "customer_current",
        "customer_change",
    }
    assert results_from_dict(json.loads(json.dumps(data))) == current


def test_trend_is_null_where_either_side_is_missing() -> None:
    spec = _spec()
    previous = score_respondents(spec, _respondents()[:6] + blank("customer", 1))
    current = score_respondents(spec, _respondents(), previous=previous)
    assert current.trend is not None
    m = current.trend["m"]
    assert m.customer_previous is None  # customers were suppressed last time
    assert m.customer_change is None
    assert m.customer_current is not None
    assert m.staff_change == 0.0
    other = make_spec([item("x", "staff", "new_dim")])
    only_new = score_respondents(other, [resp(x=3)] * 3, previous=previous)
    assert only_new.trend is not None
    assert only_new.trend["new_dim"].staff_previous is None
    assert only_new.trend["new_dim"].staff_current == 50.0
