"""The shipped default instrument: it loads, and it keeps every content rule."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from assess.instruments.loader import load_instrument, load_instrument_by_id
from assess.instruments.schema import Audience, Instrument, Lens, Outcome

from .conftest import DEFAULT_DIR
from .roundtrip import check_instrument

STAFF, CUSTOMER = Audience.STAFF, Audience.CUSTOMER

#: The means dimensions customers can judge from outside.
CUSTOMER_VISIBLE_MEANS = {"means_insight", "means_listening", "means_experience", "means_partners"}


@pytest.fixture(scope="module")
def inst() -> Instrument:
    return load_instrument(DEFAULT_DIR)


def test_loads_by_id_and_passes_every_check(inst: Instrument) -> None:
    assert load_instrument_by_id("customer-centricity") == inst
    assert inst.id == "customer-centricity"
    assert inst.version == "1.0.0"
    assert inst.languages == ["en"]
    assert check_instrument(inst) == []


def test_sixteen_dimensions_eight_per_lens(inst: Instrument) -> None:
    assert len(inst.dimensions) == 16
    means = [d.id for d in inst.dimensions_in(Lens.MEANS)]
    ends = [d.id for d in inst.dimensions_in(Lens.ENDS)]
    assert len(means) == 8 and len(ends) == 8
    assert all(d.startswith("means_") for d in means)
    assert all(d.startswith("ends_") for d in ends)
    assert {"means_strategy", "means_partners", "ends_giving", "ends_trust"} <= {
        d.id for d in inst.dimensions
    }
    for d in inst.dimensions:
        assert d.weight == 1.0
        assert 10 <= len(inst.text(d.description).split()) <= 60, d.id


def test_scales(inst: Instrument) -> None:
    agree5, nps11 = inst.scale("agree5"), inst.scale("nps11")
    assert (agree5.min, agree5.max, agree5.allow_na) == (1, 5, True)
    assert [inst.text(agree5.labels[p]) for p in agree5.points] == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    assert (nps11.min, nps11.max) == (0, 10)
    assert sorted(nps11.labels) == [0, 10]


def test_staff_questionnaire_covers_every_dimension_with_3_or_4_items(inst: Instrument) -> None:
    staff = inst.items_for(STAFF)
    assert len(staff) <= 60
    per_dimension = Counter(i.dimension for i in staff)
    assert set(per_dimension) == {d.id for d in inst.dimensions}
    assert all(3 <= n <= 4 for n in per_dimension.values()), per_dimension
    assert all(i.outcome is None for i in staff)
    q = inst.questionnaires[STAFF]
    assert 12 <= q.estimated_minutes <= 18
    assert all(6 <= len(s.items) <= 10 for s in q.sections), [len(s.items) for s in q.sections]


def test_customer_questionnaire_is_short_and_covers_the_right_dimensions(
    inst: Instrument,
) -> None:
    customer = inst.items_for(CUSTOMER)
    assert len(customer) <= 25  # outcome items included
    dims = {i.dimension for i in customer if i.dimension}
    ends = {d.id for d in inst.dimensions_in(Lens.ENDS)}
    assert dims == ends | CUSTOMER_VISIBLE_MEANS
    # Rule 5 (half of a dimension's items) stays meaningful: 1-2 items each.
    per_dimension = Counter(i.dimension for i in customer if i.dimension)
    assert all(1 <= n <= 2 for n in per_dimension.values()), per_dimension
    assert 5 <= inst.questionnaires[CUSTOMER].estimated_minutes <= 7


def test_all_six_outcomes_are_customer_items(inst: Instrument) -> None:
    outcomes = {i.outcome: i for i in inst.items if i.outcome}
    assert set(outcomes) == set(Outcome)
    assert all(i.audience == CUSTOMER and i.dimension is None for i in outcomes.values())
    recommend = inst.outcome_item(Outcome.RECOMMEND)
    assert recommend is not None and recommend.scale == "nps11"
    assert all(i.scale == "agree5" for o, i in outcomes.items() if o != Outcome.RECOMMEND)
    hostage = inst.text(outcomes[Outcome.STAY_HOSTAGE].text)
    assert "switching would be a hassle" in hostage
    assert not any(i.reverse or i.pair for i in outcomes.values())


def test_at_least_twelve_pairs_across_both_lenses(inst: Instrument) -> None:
    pairs = inst.pairs()
    assert len(pairs) >= 12
    lenses = Counter(inst.dimension(s.dimension).lens for s, _ in pairs.values())
    assert lenses[Lens.MEANS] >= 4 and lenses[Lens.ENDS] >= 4
    for key, (staff, customer) in pairs.items():
        assert key.startswith("p_")
        assert staff.audience == STAFF and customer.audience == CUSTOMER
        assert staff.dimension == customer.dimension
        # Paired statements are worded the same way round.
        assert staff.reverse == customer.reverse, key
    # Every pair key in the items belongs to a complete pair.
    assert {i.pair for i in inst.items if i.pair} == set(pairs)


def test_reverse_items_in_each_questionnaire(inst: Instrument) -> None:
    for audience in (STAFF, CUSTOMER):
        reverse = [i for i in inst.items_for(audience) if i.reverse]
        assert len(reverse) >= 3, audience
        # ...but not so many that the questionnaire becomes confusing.
        assert len(reverse) <= len(inst.items_for(audience)) // 3


def test_item_wording(inst: Instrument) -> None:
    ids = [i.id for i in inst.items]
    assert len(ids) == len(set(ids))
    for item in inst.items:
        text = inst.text(item.text)
        prefix = "s_" if item.audience == STAFF else "c_"
        assert item.id.startswith(prefix)
        # One idea per item: short sentences, no "and/or" questions.
        assert len(text.split()) <= 20, item.id
        assert text.count(".") + text.count("?") == 1, item.id
        assert " and/or " not in text
        assert not re.search(r"\b(should|must we)\b", text.lower()), item.id


def test_segment_questions(inst: Instrument) -> None:
    staff = {s.id: [o.id for o in s.options] for s in inst.questionnaires[STAFF].segments}
    assert staff == {
        "staff_function": ["sales", "marketing", "service", "operations", "product", "support"],
        "staff_level": ["leadership", "manager", "individual"],
        "staff_tenure": ["under_1y", "1_3y", "3_10y", "over_10y"],
        "staff_customer_facing": ["yes", "no"],
    }
    customer = {s.id: [o.id for o in s.options] for s in inst.questionnaires[CUSTOMER].segments}
    assert customer == {
        "customer_length": ["under_1y", "1_3y", "3_10y", "over_10y"],
        "customer_channel": ["online", "app", "phone", "in_person", "partner"],
        "customer_route": ["direct", "partner", "both"],
        "customer_type": ["individual", "small_business", "large_organisation"],
    }


def test_open_questions(inst: Instrument) -> None:
    for audience in (STAFF, CUSTOMER):
        questions = inst.questionnaires[audience].open_questions
        assert 1 <= len(questions) <= 2
        assert any("change" in inst.text(q.text) for q in questions)
        assert all(q.max_length == 2000 for q in questions)


def test_intro_and_privacy(inst: Instrument) -> None:
    for audience in (STAFF, CUSTOMER):
        q = inst.questionnaires[audience]
        privacy = inst.text(q.privacy)
        assert "anonymous" in privacy
        assert "IP address" in privacy and "email address" in privacy
        assert "only your answers and the date" in privacy
        assert "minimum size is given below" in privacy  # the page states the threshold
        assert "minutes" in inst.text(q.intro)


def test_scoring_and_maturity(inst: Instrument) -> None:
    assert inst.scoring.quadrant_cut == 60
    assert inst.scoring.maturity_cuts == [20, 40, 60, 80]
    assert inst.scoring.anonymity_threshold == 5
    assert [m.level for m in inst.maturity] == [1, 2, 3, 4, 5]
    labels = [inst.text(m.label) for m in inst.maturity]
    assert len(set(labels)) == 5
    # Our own stage names, not the XM Institute's.
    assert not {"Investigate", "Initiate", "Mobilize", "Scale", "Embed"} & set(labels)
    for m in inst.maturity:
        assert len(inst.text(m.description).split()) >= 60  # a paragraph for a board


def test_every_dimension_has_all_three_recommendation_patterns(inst: Instrument) -> None:
    assert set(inst.recommendations) == {d.id for d in inst.dimensions}
    for dim_id, recs in inst.recommendations.items():
        for pattern in ("blind_spot", "low", "strength"):
            entries = getattr(recs, pattern)
            assert 1 <= len(entries) <= 2, (dim_id, pattern)
            for rec in entries:
                assert len(inst.text(rec.title).split()) <= 10
                words = len(inst.text(rec.text).split())
                assert 20 <= words <= 90, (dim_id, pattern, words)


def test_british_spelling(inst: Instrument) -> None:
    everything = str(inst.snapshot())
    for american in ("organization", "prioritize", "behavior", "program ", "color", "center"):
        assert american not in everything.lower(), american


def test_customer_questionnaire_fits_six_minutes(inst: Instrument) -> None:
    # Roughly 4-5 rated statements a minute, plus the segment and open questions.
    q = inst.questionnaires[CUSTOMER]
    rated = len(inst.items_for(CUSTOMER))
    assert math.ceil(rated / 5) <= q.estimated_minutes
