"""`assess results ENGAGEMENT --format json`: the document, validated by its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from assess.extensions import db
from assess.instruments.spec import spec_for
from assess.results.service import engagement_results
from tests.results.helpers import assert_codes_match_answers, submitted_respondents
from tests.scoring.oracle import score_respondents
from tests.scoring.results_from_dict import results_from_dict

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "results.schema.json").read_text(encoding="utf-8"))
VALID_INSTRUMENTS = REPO / "tests" / "instruments" / "fixtures" / "valid"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(SCHEMA)
    return Draft202012Validator(SCHEMA)


def results_json(runner, engagement_id) -> dict:
    outcome = runner.invoke(args=["results", str(engagement_id), "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


def assert_valid(validator: Draft202012Validator, document: dict) -> None:
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]
    assert problems == []


def test_demo_engagement(app, runner, validator):
    from assess.demo.generate import load_demo

    engagement = load_demo(seed=11, staff=30, customers=60)
    db.session.commit()
    assert assert_codes_match_answers(engagement) == 90
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    assert engagement_results(engagement, with_previous=False) == score_respondents(
        spec, submitted_respondents(engagement.id)
    )
    document = results_json(runner, engagement.id)
    assert_valid(validator, document)
    assert document["engagement"]["id"] == engagement.id
    # The demo enters open-link mailing counts (60 staff) and issues no personal links.
    assert document["audiences"]["staff"] == {
        "responses": 30, "suppressed": False, "invited": 60, "response_rate": 0.5,
    }
    assert document["audiences"]["customer"]["responses"] == 60
    strategy = next(d for d in document["dimensions"] if d["id"] == "means_strategy")
    assert strategy["customer"] is None  # customers have no items there
    assert set(strategy["staff"]) == {"score", "sd", "n", "ci95", "alpha", "suppressed"}
    ease = next(d for d in document["dimensions"] if d["id"] == "ends_ease")
    assert ease["gap"] == pytest.approx(ease["staff"]["score"] - ease["customer"]["score"])
    assert 0 <= ease["gap_p"] <= 1
    assert document["position"]["self_rated"] is False
    assert document["nps"]["n"] > 0
    assert set(document["segments"]) >= {"staff_function", "customer_length"}
    # The demo organisation was assessed a year earlier: the trend is there.
    assert document["trend"]["means_strategy"]["staff_previous"] is not None


def test_trend_is_computed_in_sql_too(app, make_engagement, make_response):
    """The previous engagement's results come from the SQL path, like the current ones."""
    from datetime import date, timedelta

    earlier = make_engagement(organisation="Trend Ltd", name="2025")
    earlier.created_on = date.today() - timedelta(days=365)
    db.session.commit()
    later = make_engagement(organisation="Trend Ltd", name="2026")
    for n in range(6):
        make_response(earlier, "staff", {"s_strat_plan": 1 + n % 3, "s_strat_invest": 2})
        make_response(later, "staff", {"s_strat_plan": 3 + n % 3, "s_strat_invest": 4})
    spec = spec_for(later.instrument(), later.anonymity_threshold)
    previous = score_respondents(spec, submitted_respondents(earlier.id))
    expected = score_respondents(spec, submitted_respondents(later.id), previous)
    results = engagement_results(later)
    assert results == expected
    assert results.trend is not None
    change = results.trend["means_strategy"].staff_change
    assert change == pytest.approx(50.0)


def test_staff_only_engagement(app, runner, validator, make_engagement, make_response):
    engagement = make_engagement()
    for n in range(5):
        make_response(engagement, "staff", {"s_strat_plan": 1 + n, "s_purpose_helps": 4})
    document = results_json(runner, engagement.id)
    assert_valid(validator, document)
    assert document["audiences"]["customer"] == {
        "responses": 0, "suppressed": True, "invited": None, "response_rate": None,
    }
    assert document["position"]["self_rated"] is True
    assert document["nps"]["suppressed"] is True
    assert results_from_dict({k: v for k, v in document.items() if k != "engagement"})


def test_empty_engagement(app, runner, validator, make_engagement):
    engagement = make_engagement(status="draft")
    document = results_json(runner, engagement.id)
    assert_valid(validator, document)
    assert document["engagement"]["status"] == "draft"
    assert all(d["staff"] is None or d["staff"]["score"] is None for d in document["dimensions"])
    assert document["position"]["means"] is None
    assert document["trend"] is None


def test_another_instrument(app, runner, validator, make_engagement, make_response, monkeypatch):
    """servqual-lite: a 7-point scale, weights, no outcome items, three maturity levels."""
    monkeypatch.setenv("ASSESS_QUESTIONNAIRES_DIR", str(VALID_INSTRUMENTS))
    engagement = make_engagement(instrument_id="servqual-lite", anonymity_threshold=3)
    instrument = engagement.instrument()
    for audience in instrument.audiences():
        items = instrument.items_for(audience)
        for n in range(4):
            make_response(engagement, str(audience), {i.id: 1 + (n + k) % 7 for k, i in
                                                      enumerate(items)})
    document = results_json(runner, engagement.id)
    assert_valid(validator, document)
    assert document["outcomes"] == {}
    assert document["nps"]["n"] == 0
    assert len(document["parameters"]["maturity_labels"]) == 3


def test_unknown_engagement(runner):
    outcome = runner.invoke(args=["results", "999"])
    assert outcome.exit_code != 0
    assert "There is no engagement 999" in outcome.output
    outcome = runner.invoke(args=["results", "abc"])
    assert "is not an engagement id" in outcome.output


def test_schema_rejects_what_it_should(app, runner, validator, make_engagement):
    """The schema is not vacuous: each of these breaks it."""
    engagement = make_engagement()
    document = results_json(runner, engagement.id)
    assert_valid(validator, document)
    breakages = [
        lambda d: d["audiences"]["staff"].pop("responses"),
        lambda d: d["position"].update(quadrant="somewhere"),
        lambda d: d["dimensions"][0]["staff"].update(score=120.0),
        lambda d: d["nps"].update(n=-1),
        lambda d: d.update(unexpected=True),
        lambda d: d["items"][0].update(audience="board"),
    ]
    for breakage in breakages:
        broken = json.loads(json.dumps(document))
        breakage(broken)
        assert not validator.is_valid(broken)
