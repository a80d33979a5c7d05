"""Rule tests of the executive summary's story (assess/reports/story.py), each from
small hand-built Results on the shipped instrument; and the story.yaml checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from assess.instruments.loader import load_instrument_by_id, validate_files
from assess.instruments.story import SENTENCES, default_story
from assess.reports.story import compose_story, leading_group
from assess.scoring import (
    CUSTOMER_CENTRIC,
    DEVOTED_UNDER_EQUIPPED,
    MEANS_ONLY,
    PRODUCT_CENTRIC,
    QUADRANT_LABELS,
    AudienceResult,
    DimensionResult,
    DimensionScore,
    LensIndex,
    NpsResult,
    OutcomeResult,
    PairResult,
    ParametersUsed,
    PositionResult,
    Results,
)

INSTRUMENT = load_instrument_by_id("customer-centricity")
STAFF_ONLY_IDS = ("means_strategy", "means_organisation", "means_metrics", "means_leadership")


def ds(score: float, n: int = 40, sd: float = 15.0) -> DimensionScore:
    return DimensionScore(score, sd, n, (score - 5, score + 5), 0.8, False)


def dim(
    dim_id: str,
    staff: float | None,
    customer: float | None = None,
    ci: tuple[float, float] | None | str = "auto",
    n: int = 40,
) -> DimensionResult:
    lens = "means" if dim_id.startswith("means") else "ends"
    s = None if staff is None else ds(staff, n)
    c = None if customer is None else ds(customer, n)
    gap = None if s is None or c is None else staff - customer  # type: ignore[operator]
    if ci == "auto":
        ci = None if gap is None else (gap - 5.0, gap + 5.0)
    return DimensionResult(dim_id, lens, 1.0, s, c, gap, None if gap is None else 0.001, ci)  # type: ignore[arg-type]


def build(
    scores: Mapping[str, tuple[float | None, float | None]] | None = None,
    *,
    staff_n: int = 40,
    customers_n: int = 200,
    threshold: int = 5,
    means: float = 65.0,
    ends: float = 45.0,
    staff_ends: float = 76.0,
    hostage: float | None = 0.2,
    choice: float | None = 0.5,
    nps: float | None = 10.0,
    overrides: Mapping[str, DimensionResult] | None = None,
    trend: bool = False,
    pairs: tuple[PairResult, ...] = (),
) -> Results:
    """Results for the shipped instrument: every dimension at ``scores`` (staff,
    customer), staff-only dimensions at the staff score alone."""
    scores = scores or {}
    customers_suppressed = customers_n < threshold
    dims = []
    for d in INSTRUMENT.dimensions:
        staff, customer = scores.get(d.id, (70.0, 68.0))
        if d.id in STAFF_ONLY_IDS:
            customer = None
        if customers_suppressed:
            customer = None
        dims.append((overrides or {}).get(d.id) or dim(d.id, staff, customer))
    self_rated = customers_suppressed or customers_n == 0
    pos_ends = staff_ends if self_rated else ends
    quadrant = (
        CUSTOMER_CENTRIC
        if means >= 60 and pos_ends >= 60
        else MEANS_ONLY
        if means >= 60
        else DEVOTED_UNDER_EQUIPPED
        if pos_ends >= 60
        else PRODUCT_CENTRIC
    )
    level = 1 + sum(1 for c in (20, 40, 60, 80) if c <= min(means, pos_ends))
    labels = tuple(INSTRUMENT.text(m.label) for m in INSTRUMENT.maturity)

    def outcome(key: str, share: float | None) -> OutcomeResult:
        return OutcomeResult(
            key,
            key,
            "customer",
            None if share is None else 50.0,
            share,
            None if customers_suppressed else customers_n,
            customers_suppressed,
        )

    outcomes = (
        {}
        if customers_n == 0
        else {
            "stay_by_choice": outcome("stay_by_choice", None if customers_suppressed else choice),
            "stay_hostage": outcome("stay_hostage", None if customers_suppressed else hostage),
        }
    )
    return Results(
        audiences={
            "staff": AudienceResult(staff_n, staff_n < threshold),
            "customer": AudienceResult(customers_n, customers_suppressed),
        },
        dimensions=tuple(dims),
        items=(),
        pairs=pairs,
        indices={
            "staff": LensIndex(means, staff_ends),
            "customer": LensIndex(None, None if self_rated else ends),
        },
        position=PositionResult(
            means,
            pos_ends,
            quadrant,
            QUADRANT_LABELS[quadrant],
            level,
            labels[level - 1],
            self_rated,
        ),
        nps=NpsResult(nps, 0.3, 0.4, 0.3, customers_n, False)
        if not self_rated and nps is not None
        else NpsResult(None, None, None, None, None, customers_suppressed),
        outcomes=outcomes,
        hostage_share=None if customers_suppressed else hostage,
        segments={},
        trend={} if trend else None,
        parameters=ParametersUsed(threshold, 2 * threshold, 60.0, (20.0, 40.0, 60.0, 80.0), labels),
    )


def story_of(results: Results, **kwargs: Any):  # type: ignore[no-untyped-def]
    return compose_story(results, INSTRUMENT, **kwargs)


ENDS = [d.id for d in INSTRUMENT.dimensions if d.lens == "ends"]


# -- evidence: staff only, customers below the threshold, nothing -----------------------


def test_staff_only_says_first_it_is_the_staffs_view_and_states_no_verdict_as_fact():
    story = story_of(build(customers_n=0, means=70, staff_ends=80))
    assert story.evidence == "staff_only"
    assert story.verdict.rule == "verdict.self_rated"
    assert story.verdict.text.startswith("This report shows the staff's own view")
    text = " ".join(s.text for s in story.sentences())
    assert "Maturity level" not in text
    assert "This is not a verdict" in text  # the quadrant is named only as a hypothesis
    assert story.survey is not None and "What a customer survey would add" in story.survey.text
    assert "at least 5 answers" in story.survey.text
    assert "customers.none" in story.rules()


def test_customers_below_threshold_are_named_and_not_used():
    story = story_of(build(customers_n=3))
    assert story.evidence == "staff_only"
    below = next(s for s in story.position if s.rule == "customers.below_threshold")
    assert below.text.startswith("3 answered the customer survey, fewer than the 5 needed")
    assert not story.outcomes and not story.findings


def test_customers_without_enough_staff_give_no_gap_and_no_position():
    results = build(staff_n=3, customers_n=40)
    staff_hidden = replace(results, indices={"staff": LensIndex(None, None),
                                             "customer": LensIndex(None, 47.0)})
    story = story_of(staff_hidden)
    assert story.evidence == "customers_only"
    assert story.verdict.text.startswith("Customers rate what they experience")
    assert "at 47 out of 100; fewer than 5 staff have answered" in story.verdict.text
    assert not story.findings and not story.actions
    assert "outcomes.loyalty" in story.rules()


def test_no_results_at_all():
    story = story_of(build(staff_n=2, customers_n=0))
    assert story.evidence == "no_results" and story.verdict.rule == "verdict.no_results"
    assert not story.actions


# -- the shape of the gap -----------------------------------------------------------------


def test_systemic_gap_on_every_end_is_one_finding_not_a_ranking():
    scores = {d: (76.0 + i * 0.7, 45.0) for i, d in enumerate(ENDS)}  # gaps 31.0 .. 35.9
    story = story_of(build(scores))
    assert story.verdict.rule == "verdict.systemic_gap"
    assert "a gap of about 35 points on every end the customers rated" in story.verdict.text
    finding = next(s for s in story.findings if s.rule == "gap.systemic")
    assert "8 dimensions show gaps from 31.0 to 35.9 points" in finding.text
    first = story.actions[0]
    assert first.rule == "action.systemic_gap" and first.owner == "CEO"
    assert first.horizon == "90 days"


def test_leading_group_is_the_largest_gap_and_every_gap_whose_interval_overlaps_it():
    rows = [
        dim("ends_purpose", 80, 45, ci=(29.0, 41.0)),  # 35: the lead
        dim("ends_giving", 75, 45, ci=(24.0, 36.0)),  # 30: overlaps
        dim("ends_ease", 62, 45, ci=(11.0, 23.0)),  # 17: does not
        dim("ends_speed", 80, 45, ci=None),  # no interval: too thin to take part
    ]
    assert [d.id for d in leading_group(rows)] == ["ends_purpose", "ends_giving"]


def test_concentrated_gap_names_the_dimensions_and_their_owners():
    scores = {d: (66.0, 64.0) for d in ENDS}
    scores["ends_honesty"] = (80.0, 40.0)
    story = story_of(build(scores, ends=62, means=66))
    assert story.verdict.rule == "verdict.concentrated_gap"
    assert "except on Honesty and freedom to leave" in story.verdict.text
    assert "40.0 points" in story.verdict.text
    detail = next(s for s in story.findings if s.rule == "gap.concentrated")
    assert "(80.0 vs 40.0, +40.0)" in detail.text  # rule 16: printed scores subtract
    action = story.actions[0]
    assert (action.rule, action.dimension) == ("action.concentrated_gap", "ends_honesty")
    assert action.owner == "CFO, head of customer service"
    assert action.measure == "steps and days needed to leave; price complaints"
    assert "(95% range 35.0 to 45.0)" in action.evidence


def pair(
    key: str, staff_item: str, customer_item: str, staff: float, customer: float
) -> PairResult:
    return PairResult(
        key, "ends_honesty", staff_item, customer_item, 70.0, 40.0, 30.0, staff, customer
    )


def test_concentrated_gap_shows_the_paired_statements_behind_it():
    scores = {d: (66.0, 64.0) for d in ENDS}
    scores["ends_honesty"] = (80.0, 40.0)
    plain = pair("p_clear_prices", "s_honest_prices", "c_honest_prices", 0.72, 0.31)
    # Reverse-worded: the favourable answer is to disagree; slightly wider, but a
    # plainly worded pair nearly as wide reads better.
    reverse = pair("p_easy_exit", "s_honest_exit", "c_honest_exit", 0.86, 0.40)
    story = story_of(build(scores, ends=62, means=66, pairs=(plain, reverse)))
    shown = next(s for s in story.findings if s.rule == "gap.pair")
    assert shown.text == (
        "72% of staff agree that “Our prices are easy for customers to understand”, but only "
        "31% of customers agree that “Their prices are easy to understand”."
    )
    wide = pair("p_easy_exit", "s_honest_exit", "c_honest_exit", 0.86, 0.10)
    story = story_of(build(scores, ends=62, means=66, pairs=(plain, wide)))
    shown = next(s for s in story.findings if s.rule == "gap.pair")
    assert shown.text.startswith(
        "86% of staff disagree that “If a customer wants to leave, we make it deliberately "
        "difficult”, but only 10% of customers disagree"
    )


def test_no_paired_statement_when_customers_agree_more():
    scores = {d: (66.0, 64.0) for d in ENDS}
    scores["ends_honesty"] = (80.0, 40.0)
    backwards = pair("p_clear_prices", "s_honest_prices", "c_honest_prices", 0.30, 0.50)
    story = story_of(build(scores, ends=62, means=66, pairs=(backwards,)))
    assert "gap.pair" not in story.rules()


def test_concentrated_gap_with_other_gaps_does_not_claim_agreement():
    scores = {d: (66.0, 50.0) for d in ENDS}  # 16-point gaps everywhere
    scores["ends_honesty"] = (85.0, 40.0)
    story = story_of(build(scores))
    assert story.verdict.rule == "verdict.concentrated_gap_wider"
    assert "broadly agree" not in story.verdict.text
    assert any(s.rule == "gap.other" for s in story.findings)


def test_no_gap_rule_does_not_fire_without_intervals():
    # Gaps of 30 but no interval (an audience with n < 2): too thin for a gap verdict.
    overrides = {d: dim(d, 80, 50, ci=None, n=1) for d in ENDS}
    story = story_of(build(overrides=overrides, means=70, ends=50))
    assert "gap" not in story.verdict.rule
    assert not any(s.rule.startswith("gap.") for s in story.findings)


# -- quadrant verdicts when the gap is small ---------------------------------------------


@pytest.mark.parametrize(
    ("means", "ends", "pair", "rule", "words"),
    [
        (75, 72, (74.0, 72.0), "verdict.customer_centric", "protect this and watch for drift"),
        (40, 42, (43.0, 41.0), "verdict.product_centric", "Nobody is under an illusion"),
        (70, 45, (50.0, 46.0), "verdict.means_only", "works for the firm more than for the"),
        (45, 70, (68.0, 70.0), "verdict.devoted_under_equipped", "depends on heroics"),
    ],
)
def test_quadrant_verdicts(means, ends, pair, rule, words):
    story = story_of(build({d: pair for d in ENDS}, means=means, ends=ends))
    assert story.verdict.rule == rule
    assert words in story.verdict.text
    assert any(s.rule == "gap.none" for s in story.findings)


def test_aligned_high_gets_a_protect_action():
    story = story_of(build({d: (74.0, 72.0) for d in ENDS}, means=75, ends=72))
    assert any(a.rule == "action.protect" for a in story.actions)


def test_both_low_recommends_the_low_advice():
    story = story_of(build({d: (43.0, 41.0) for d in ENDS}, means=40, ends=42))
    both_low = [a for a in story.actions if a.rule == "action.both_low"]
    assert both_low and "both below 50" in both_low[0].evidence
    assert both_low[0].horizon == "12 months"


def test_hidden_strength_is_the_verdict_when_there_is_no_blind_spot():
    scores = {d: (66.0, 64.0) for d in ENDS}
    scores["ends_humanity"] = (50.0, 70.0)
    story = story_of(build(scores, ends=66, means=66))
    assert story.verdict.rule == "verdict.hidden_strength"
    assert "Humanity and respect" in story.verdict.text
    action = next(a for a in story.actions if a.rule == "action.hidden_strength")
    assert "customers rate it 20.0 points higher" in action.evidence


def test_taking_is_said_beside_a_gap_verdict():
    story = story_of(build({d: (78.0, 45.0) for d in ENDS}, means=66, ends=45))
    assert "position.taking" in story.rules()


def test_taking_is_said_once_when_hostages_outnumber_loyal_customers():
    story = story_of(
        build({d: (78.0, 45.0) for d in ENDS}, means=66, ends=45, hostage=0.4, choice=0.1)
    )
    assert "outcomes.hostages_lead" in story.rules()
    assert "position.taking" not in story.rules()


# -- maturity conditioned on the data ----------------------------------------------------


def test_maturity_text_says_where_the_engagement_departs_from_the_level():
    story = story_of(build(means=65, ends=45))  # level 3 assumes customers find it fair
    departs = next(s for s in story.position if s.rule == "maturity.departs")
    assert "customers rate the ends at 45, below 50" in departs.text


def test_maturity_departure_does_not_fire_when_the_data_agrees():
    story = story_of(build({d: (70.0, 66.0) for d in ENDS}, means=65, ends=55))
    assert "maturity.departs" not in story.rules()


# -- outcomes -----------------------------------------------------------------------------


def test_loyalty_against_hostages_and_what_the_rest_are():
    story = story_of(build(hostage=0.34, choice=0.13))
    loyalty = next(s for s in story.outcomes if s.rule == "outcomes.loyalty")
    assert "13% of customers stay because they want to and 34%" in loyalty.text
    assert "at least 53% agree with neither" in loyalty.text
    assert "outcomes.hostages_lead" in story.rules()
    assert any(a.rule == "action.hostages" for a in story.actions)


def test_hostage_rules_do_not_fire_without_the_outcome():
    story = story_of(build(hostage=None, choice=None))
    assert "outcomes.loyalty" not in story.rules()
    assert "action.hostages" not in story.rules()


def test_negative_nps_beside_high_staff_ends_is_the_delivery_gap():
    story = story_of(build(nps=-4.0, staff_ends=77.0))
    nps = next(s for s in story.outcomes if s.rule == "outcomes.nps_delivery_gap")
    assert "Net Promoter Score of −4 beside the staff's own ends rating of 77" in nps.text
    assert "outcomes.nps" not in story.rules()
    assert "outcomes.nps" in story_of(build(nps=12.0)).rules()


def test_small_samples_carry_a_caution():
    assert "caution.small_sample" in story_of(build(customers_n=12)).rules()
    assert "caution.small_sample" not in story_of(build(customers_n=30)).rules()


# -- trend --------------------------------------------------------------------------------


def test_trend_counts_only_changes_larger_than_their_uncertainty():
    before = build({"ends_ease": (70.0, 40.0), "ends_speed": (70.0, 60.0)}, hostage=0.40)
    now = build({"ends_ease": (70.0, 60.0), "ends_speed": (70.0, 61.0)}, hostage=0.20, trend=True)
    story = story_of(now, previous=before, previous_label="2025")
    changed = next(s for s in story.trend if s.rule == "trend.changed")
    assert changed.text.startswith("Since 2025: 1 of 16 dimension scores moved")
    assert "(1 up, 0 down)" in changed.text
    hostage = next(s for s in story.trend if s.rule == "trend.hostage")
    assert "from 40% to 20% (a change larger than its uncertainty)" in hostage.text


def test_no_trend_without_a_previous_wave():
    assert not story_of(build()).trend


# -- board actions ------------------------------------------------------------------------


def test_staff_only_dimension_rated_low_by_staff_gets_an_action_and_a_staff_quote():
    scores = {"means_leadership": (42.0, None)}
    comments = {"s_open_change": [{"text": "Leaders who listen", "count": 4},
                                  {"text": "A", "count": 1}]}
    story = story_of(build(scores), comments=comments)
    action = next(a for a in story.actions if a.rule == "action.staff_low")
    assert action.dimension == "means_leadership" and action.owner == "CEO"
    assert "Staff rate it 42, below the “high” mark of 60" in action.evidence
    # The most frequent answer to the question that bears on the finding, quoted
    # beside the findings (not pinned on one card: only the question links them).
    [quote] = story.quotes
    assert (quote.finding, quote.text, quote.count) == ("staff_low", "Leaders who listen", 4)
    assert "(4 respondents)" in quote.sentence


def test_quotes_need_a_finding_they_bear_on():
    comments = {"s_open_change": [{"text": "Leaders who listen", "count": 4}],
                "c_open_change": [{"text": "Cheaper", "count": 9}]}
    # No staff-low dimension and no blind spot: nothing to quote for.
    story = story_of(build({d: (70.0, 68.0) for d in ENDS}), comments=comments)
    assert story.quotes == ()
    # A blind spot: the customers' answers to "what should change" bear on it.
    story = story_of(build({d: (80.0, 45.0) for d in ENDS}), comments=comments)
    assert [(q.finding, q.text) for q in story.quotes] == [("blind_spot", "Cheaper")]


def test_a_quoted_answer_loses_bidi_controls_and_keeps_its_frame():
    comments = {"s_open_change": [{"text": "Leaders \u202ewho listen", "count": 2}]}
    story = story_of(build({"means_leadership": (42.0, None)}), comments=comments)
    [quote] = story.quotes
    assert quote.text == "Leaders who listen"
    assert quote.before.startswith("Asked “If you could change one thing")
    assert quote.before.endswith("staff wrote: “") and quote.after == "” (2 respondents)."
    assert quote.sentence == quote.before + quote.text + quote.after


def test_staff_only_story_asks_the_customers_first_then_staff_only_dimensions():
    story = story_of(build({"means_metrics": (45.0, None)}, customers_n=3))
    assert [a.rule for a in story.actions] == ["action.survey", "action.staff_low"]
    survey = story.actions[0]
    assert survey.evidence.startswith("3 customers have answered; at least 5 are needed")
    assert (survey.horizon, survey.measure) == ("90 days", "customer answers received, 30 or more")
    assert story.actions[1].dimension == "means_metrics"


def test_at_most_four_actions_each_with_owner_horizon_measure_and_evidence():
    scores = {d: (80.0, 40.0) for d in ENDS}
    scores.update({d: (40.0, None) for d in STAFF_ONLY_IDS})
    story = story_of(build(scores, hostage=0.4, choice=0.1))
    assert 3 <= len(story.actions) <= 4
    for action in story.actions:
        assert action.owner and action.horizon in ("90 days", "12 months")
        assert action.measure and action.evidence and action.title


def test_no_action_asks_for_a_figure_the_report_already_shows():
    scores = {d: (80.0, 40.0) for d in ENDS}
    story = story_of(build(scores, hostage=0.4, choice=0.1))
    for action in story.actions:
        assert "how many customers are hostages" not in (action.title + action.text).lower()
    for recs in INSTRUMENT.recommendations.values():
        for rec in recs.blind_spot + recs.low + recs.strength:
            assert "how many customers are hostages" not in INSTRUMENT.text(rec.title).lower()


# -- wording in the instrument ------------------------------------------------------------


def test_a_translated_story_changes_the_words_and_keeps_the_rules():
    story_words = INSTRUMENT.story
    assert story_words is not None
    translated = story_words.model_copy(
        update={
            "sentences": {
                **story_words.sentences,
                "verdict_systemic": {
                    "en": "Überall eine Lücke von etwa {about} Punkten ({scope})."
                },
            }
        }
    )
    instrument = INSTRUMENT.model_copy(update={"story": translated})
    scores = {d: (78.0, 45.0) for d in ENDS}
    story = compose_story(build(scores), instrument)
    assert story.verdict.text.startswith("Überall eine Lücke von etwa 35 Punkten")


def test_an_older_snapshot_without_a_story_uses_the_shipped_wording():
    snapshot = INSTRUMENT.snapshot()
    snapshot.pop("story")
    old = type(INSTRUMENT).from_snapshot(snapshot)
    assert old.story is None
    story = compose_story(build({d: (78.0, 45.0) for d in ENDS}), old)
    assert story.verdict.rule == "verdict.systemic_gap" and "about 35 points" in story.verdict.text
    assert set(default_story().sentences) == set(SENTENCES)


def _files(story: dict[str, Any]) -> dict[str, Any]:
    from pathlib import Path

    import yaml

    folder = Path(__file__).parents[2] / "questionnaires" / "customer-centricity"
    files = {p.name: yaml.safe_load(p.read_text()) for p in folder.glob("*.yaml")}
    files["story.yaml"] = story
    return files


def test_a_bad_story_file_is_refused_with_clear_messages():
    instrument, problems = validate_files(
        _files(
            {
                "sentences": {"verdict_sytemic": "x", "position": "At {meens}", "nps": "{nps"},
                "dimensions": {"means_strategi": {"owner": "CEO", "measure": "m"}},
                "maturity": {3: ["customers_like_us"], 9: []},
                "comments": {"c_open_chnage": ["blind_spot"]},
                "hostage_dimensions": ["ends_trst"],
            }
        )
    )
    assert instrument is None
    messages = [str(p) for p in problems]
    expected = [
        "story.yaml: sentences.verdict_sytemic: unknown sentence 'verdict_sytemic' "
        "(did you mean 'verdict_systemic'?)",
        "story.yaml: sentences.position: unknown placeholder {meens} (did you mean 'means'?)",
        "story.yaml: sentences.nps: braces do not match",
        "story.yaml: dimensions.means_strategi: unknown dimension 'means_strategi' "
        "(did you mean 'means_strategy'?)",
        "story.yaml: maturity.3: unknown condition 'customers_like_us'",
        "story.yaml: maturity.9: no maturity level 9 in instrument.yaml",
        "story.yaml: comments.c_open_chnage: unknown open question 'c_open_chnage' "
        "(did you mean 'c_open_change'?)",
        "story.yaml: hostage_dimensions[0]: unknown dimension 'ends_trst' "
        "(did you mean 'ends_trust'?)",
    ]
    for start in expected:
        assert any(m.startswith(start) for m in messages), (start, messages)
