"""The statistics read from the answer codes equal the oracle summarise(), exactly,
on both databases; responses stored before the codes get them from the backfill."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assess.extensions import db
from assess.instruments.spec import spec_for
from assess.respondents.recording import backfill_answer_codes
from assess.results.service import engagement_results, engagement_statistics
from assess.results.statistics import MissingAnswerCodes
from assess.results.statistics import engagement_statistics as sql_statistics
from assess.scoring import (
    DimensionSpec,
    InstrumentSpec,
    ItemSpec,
    Parameters,
    SegmentSpec,
    audience_items,
)
from tests.scoring.oracle import Respondent, compare, score_respondents, summarise
from tests.scoring.strategies import instruments, respondents_for

from .helpers import CODES, clear, store, submitted_respondents


def counted(spec: InstrumentSpec, respondents: list[Respondent]) -> list[Respondent]:
    """Rule 1 (amended): those with at least one rated answer for their audience."""
    return [
        r for r in respondents
        if any(item.id in r.answers for item in audience_items(spec, r.audience))
    ]


def assert_same(spec: InstrumentSpec, engagement_id: int, respondents: list[Respondent]) -> None:
    """Statistics from the codes == summarise() of the responses that count (a
    stored response with no rated answer is none: rule 1, amended): no
    difference, not even in the last bit."""
    from_sql = sql_statistics(db.session.connection(), spec, engagement_id)
    from_python = summarise(spec, counted(spec, respondents))
    assert compare(from_sql, from_python, rel_tol=0.0, abs_tol=0.0) == []
    assert from_sql == from_python


@pytest.mark.parametrize("codes", CODES)
def test_default_instrument_by_hand(make_engagement, make_response, codes):
    from sqlalchemy import update

    from assess.respondents.models import Response

    engagement = make_engagement()
    ids = []

    def respond(*args, **kwargs):
        ids.append(make_response(*args, **kwargs).id)

    staff = {"s_strat_plan": 5, "s_strat_volume": 2, "s_strat_lifetime": None, "s_org_groups": 3}
    respond(engagement, "staff", staff, segments={"staff_function": "sales"})
    respond(engagement, "staff", {"s_strat_plan": 1, "s_strat_volume": 5})
    respond(engagement, "staff", {})  # submitted, nothing answered
    respond(
        engagement,
        "customer",
        {"c_ease_easy": 4, "c_ease_repeat": 1, "c_recommend": 10, "c_stay_hostage": 2},
        segments={"customer_length": "over_10y", "customer_type": "individual"},
    )
    respond(engagement, "customer", {"c_recommend": 0, "c_ease_easy": None})
    if codes != "stored":
        dropped = ids if codes == "backfilled" else ids[::2]
        db.session.execute(
            update(Response).where(Response.id.in_(dropped)).values(answer_codes=None)
        )
        assert backfill_answer_codes(db.session.connection()) == len(dropped)
        db.session.commit()
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    respondents = submitted_respondents(engagement.id)
    assert len(respondents) == 5
    assert_same(spec, engagement.id, respondents)
    stats = engagement_statistics(engagement)
    assert stats.item("c_recommend").n == 2
    assert (stats.nps.promoters, stats.nps.detractors) == (1, 1)
    # Rule 1 (amended): the staff response with nothing answered is no response.
    assert stats.group(("staff", None, None)).respondents == 2
    assert stats.group(("staff", "staff_function", "sales")).respondents == 1
    # s_strat_volume is reverse-keyed: 2 -> 4 -> 75; 5 -> 1 -> 0.
    assert stats.item("s_strat_volume").sum == 75.0
    assert engagement_results(engagement) == score_respondents(spec, counted(spec, respondents))


@pytest.mark.parametrize("codes", CODES)
def test_only_submitted_responses_of_this_engagement_count(make_engagement, codes):
    one, other = make_engagement(), make_engagement(name="Another")
    spec = spec_for(one.instrument(), one.anonymity_threshold)
    submitted = [Respondent("customer", {"c_ease_easy": 5}), Respondent("staff", {})]
    store(one.id, submitted, spec=spec, codes=codes)
    store(one.id, [Respondent("customer", {"c_ease_easy": 1})], status="in_progress",
          spec=spec, codes=codes)
    store(other.id, [Respondent("customer", {"c_ease_easy": 1})] * 3, spec=spec, codes=codes)
    assert_same(spec, one.id, submitted)
    assert engagement_statistics(one).item("c_ease_easy").n == 1


def test_empty_engagement(make_engagement):
    engagement = make_engagement()
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    assert_same(spec, engagement.id, [])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_surveys(make_engagement, data):
    """Random instruments (reverse items, mixed scales, segments) and responses,
    with "not applicable" answers and answers that scoring must ignore."""
    engagement = make_engagement()
    try:
        spec = data.draw(instruments(), label="spec")
        respondents = data.draw(respondents_for(spec, max_size=30), label="respondents")
        rng = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
        not_applicable, extra_answers, extra_segments = {}, {}, {}
        for n, respondent in enumerate(respondents):
            skipped = [
                i.id for i in spec.items
                if i.audience == respondent.audience and i.id not in respondent.answers
            ]
            not_applicable[n] = [i for i in skipped if rng.random() < 0.5]
            others = [i for i in spec.items if i.audience != respondent.audience]
            extra_answers[n] = {i.id: rng.randint(i.min, i.max) for i in others[:2]}
            extra_answers[n]["not_in_the_instrument"] = 3
            extra_segments[n] = {
                s.id: s.options[0] for s in spec.segments if s.audience != respondent.audience
            }
        store(
            engagement.id,
            respondents,
            not_applicable=not_applicable,
            extra_answers=extra_answers,
            extra_segments=extra_segments,
            spec=spec,
        )
        assert_same(spec, engagement.id, respondents)
    finally:
        clear(engagement.id)


def _wide_spec() -> InstrumentSpec:
    """Enough items and segment questions to need several words of each kind."""
    dims = (DimensionSpec("a", "means"), DimensionSpec("b", "ends", 2.0))
    items = []
    for audience in ("staff", "customer"):
        for n in range(40):
            lo, hi = [(0, 10), (1, 5), (1, 7), (-2, 2)][n % 4]
            items.append(
                ItemSpec(f"{audience}_{n}", audience, lo, hi, dimension="ab"[n % 2],
                         reverse=n % 3 == 0)
            )
    items.append(ItemSpec("rec", "customer", 0, 10, outcome="recommend"))
    segments = tuple(
        SegmentSpec(f"{audience}_q{n}", audience, tuple(f"o{k}" for k in range(1 + n % 9)))
        for audience in ("staff", "customer")
        for n in range(30)
    )
    return InstrumentSpec(dims, tuple(items), segments, Parameters(anonymity_threshold=3))


def _random_respondents(spec: InstrumentSpec, count: int, seed: int) -> list[Respondent]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        audience = rng.choice(["staff", "customer"])
        answers = {
            i.id: rng.randint(i.min, i.max)
            for i in spec.items
            if i.audience == audience and rng.random() < 0.8
        }
        segments = {
            s.id: rng.choice(s.options)
            for s in spec.segments
            if s.audience == audience and rng.random() < 0.9
        }
        out.append(Respondent(audience, answers, segments))
    return out


def test_several_words_of_segments(make_engagement):
    from assess.scoring.tally import _AudiencePlan

    spec = _wide_spec()
    assert len(_AudiencePlan(spec, "customer").segment_words) > 1
    engagement = make_engagement()
    respondents = _random_respondents(spec, 120, seed=7)
    store(engagement.id, respondents, spec=spec)
    assert_same(spec, engagement.id, respondents)


def test_sums_too_large_for_64_bits_stay_exact(make_engagement):
    """Twenty items on scales whose spans have a large lcm: the integer scores
    outgrow int64, and the statistics fall back to Python integers."""
    spans = [(0, 10), (1, 8), (1, 5), (0, 6), (1, 10), (0, 9), (0, 7)]
    items = tuple(
        ItemSpec(f"i{n}", "staff", *spans[n % len(spans)], dimension="d") for n in range(20)
    )
    segments = (SegmentSpec("region", "staff", ("north", "south", "east")),)
    spec = InstrumentSpec((DimensionSpec("d", "means"),), items, segments)
    engagement = make_engagement()
    respondents = _random_respondents(spec, 40, seed=3)
    store(engagement.id, respondents, spec=spec)
    assert_same(spec, engagement.id, respondents)


@pytest.mark.parametrize(("seed", "codes"), [(1, "stored"), (2, "backfilled"), (3, "mixed")])
def test_default_instrument_random(make_engagement, seed, codes):
    engagement = make_engagement()
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    respondents = _random_respondents(spec, 300, seed)
    store(engagement.id, respondents, spec=spec, codes=codes)
    assert_same(spec, engagement.id, respondents)
    assert engagement_results(engagement) == score_respondents(spec, counted(spec, respondents))


def test_responses_without_codes_are_refused_with_a_clear_message(make_engagement):
    """Results read codes only: a response without them (a database that was not
    migrated) stops the results instead of being left out."""
    from sqlalchemy import update

    from assess.respondents.models import Response

    engagement = make_engagement()
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    ids = store(engagement.id, _random_respondents(spec, 10, seed=4), spec=spec)
    db.session.execute(
        update(Response).where(Response.id.in_(ids[:2])).values(answer_codes=None)
    )
    db.session.commit()
    with pytest.raises(MissingAnswerCodes, match="2 submitted responses .* `assess db upgrade`"):
        engagement_statistics(engagement)


def test_the_backfill_replaces_missing_and_wrong_length_codes(make_engagement):
    """Codes missing or of the wrong length (which no writer makes) are computed
    again from the answers, in batches; valid codes and other engagements'
    responses are left alone."""
    from sqlalchemy import select, update

    from assess.respondents.models import Response

    engagement, other = make_engagement(), make_engagement(name="Other")
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    respondents = _random_respondents(spec, 40, seed=11)
    ids = store(engagement.id, respondents, spec=spec)
    store(other.id, _random_respondents(spec, 5, seed=12), spec=spec)
    expected = dict(db.session.execute(select(Response.id, Response.answer_codes)).all())
    db.session.execute(
        update(Response).where(Response.id.in_(ids[:3])).values(answer_codes=b"\x01\x02")
    )
    db.session.execute(update(Response).where(Response.id == ids[3]).values(answer_codes=b""))
    db.session.execute(
        update(Response).where(Response.id.in_(ids[4:9])).values(answer_codes=None)
    )
    db.session.commit()
    assert backfill_answer_codes(db.session.connection(), batch=2) == 9
    db.session.commit()
    assert dict(db.session.execute(select(Response.id, Response.answer_codes)).all()) == expected
    assert backfill_answer_codes(db.session.connection()) == 0
    assert_same(spec, engagement.id, respondents)


def test_responses_with_codes_are_read_from_their_codes(make_engagement):
    """With codes stored, the results do not need the answers rows at all."""
    from sqlalchemy import delete

    from assess.respondents.models import Answer, SegmentAnswer

    engagement = make_engagement()
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    respondents = _random_respondents(spec, 60, seed=5)
    ids = store(engagement.id, respondents, spec=spec, codes="stored")
    db.session.execute(delete(Answer).where(Answer.response_id.in_(ids)))
    db.session.execute(delete(SegmentAnswer).where(SegmentAnswer.response_id.in_(ids)))
    db.session.commit()
    assert_same(spec, engagement.id, respondents)


def test_a_code_off_the_scale_or_the_options_counts_as_missing(make_engagement):
    """No writer stores one; should one be there, it is ignored, as the backfill
    ignores an answer off its item's scale."""
    from sqlalchemy import update

    from assess.respondents.models import Response

    items = (
        ItemSpec("a", "staff", 1, 5, dimension="d"),
        ItemSpec("b", "staff", 1, 5, dimension="d"),
    )
    segments = (SegmentSpec("region", "staff", ("north", "south")),)
    spec = InstrumentSpec(
        (DimensionSpec("d", "means"),), items, segments, Parameters(anonymity_threshold=3)
    )
    engagement = make_engagement()
    respondents = [Respondent("staff", {"a": 4, "b": 2}, {"region": "south"})] * 4
    [odd, *_] = store(engagement.id, respondents, spec=spec, codes="stored")
    # Item a: code 200 on a five-point scale; region: option 9 of 2.
    db.session.execute(
        update(Response).where(Response.id == odd).values(answer_codes=bytes([200, 1, 9]))
    )
    db.session.commit()
    expected = [Respondent("staff", {"b": 1})] + respondents[1:]
    assert_same(spec, engagement.id, expected)
