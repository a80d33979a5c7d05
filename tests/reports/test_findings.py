"""The report's findings as pure functions: patterns, blind spots, the headline
pair, recommendations, comments, limitations. No database, no WeasyPrint."""

from __future__ import annotations

from typing import Any

import pytest

from assess.instruments.loader import load_instrument_by_id
from assess.instruments.schema import Instrument
from assess.instruments.spec import spec_for
from assess.reports import patterns, sections, wording
from assess.reports.patterns import Thresholds
from assess.reports.story import BoardAction
from assess.scoring import (
    AudienceResult,
    DimensionResult,
    DimensionScore,
    PairResult,
    PositionResult,
    Results,
)
from tests.scoring.oracle import Respondent, score_respondents

DEFAULT = Thresholds(blind_spot_gap=10, low_score=50, strength_score=70)


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_instrument_by_id("customer-centricity")


def part(score: float | None, suppressed: bool = False) -> dict[str, Any]:
    return {"score": None if suppressed else score, "sd": None, "n": None, "ci95": None,
            "alpha": None, "suppressed": suppressed}


def row(dimension: str = "ends_ease", staff: Any = 60.0, customer: Any = 60.0,
        p: float | None = 0.01, lens: str = "ends") -> dict[str, Any]:
    """A results dimension row; a number is a score, None 'not asked', a dict as is."""
    def make(value: Any) -> dict[str, Any] | None:
        if value is None or isinstance(value, dict):
            return value
        return part(value)

    staff_part, customer_part = make(staff), make(customer)
    scores = [x and x.get("score") for x in (staff_part, customer_part)]
    gap = scores[0] - scores[1] if None not in scores else None
    return {"id": dimension, "lens": lens, "weight": 1.0, "staff": staff_part,
            "customer": customer_part, "gap": gap, "gap_p": p if gap is not None else None}


def rows_for(instrument: Instrument, **scores: tuple[Any, Any]) -> list[dict[str, Any]]:
    """Dimension rows in instrument order; ``scores[id] = (staff, customer)``."""
    document = {"dimensions": [
        row(d.id, *scores.get(d.id, (60.0, 60.0)), lens=str(d.lens)) for d in instrument.dimensions
    ]}
    return sections.dimension_rows([dimension_result(d) for d in document["dimensions"]],
                                   instrument)


def dimension_result(data: dict[str, Any]) -> DimensionResult:
    """A hand-made results row as the typed result the report reads."""
    def part(value: dict[str, Any] | None) -> DimensionScore | None:
        return None if value is None else DimensionScore(**value)

    return DimensionResult(**{**data, "staff": part(data["staff"]),
                              "customer": part(data["customer"])})


# -- patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("staff", "customer", "expected"),
    [
        (75.0, 65.0, ["blind_spot"]),  # gap exactly the threshold counts
        (74.9, 65.0, []),
        (60.0, 70.0, ["hidden_strength", "strength"]),
        (45.0, 40.0, ["low"]),
        (80.0, 40.0, ["blind_spot"]),  # staff not low: not "low"
        (49.0, None, ["low"]),  # customers not asked: staff alone decide
        (70.0, None, ["strength"]),  # staff-only dimension: staff score is the evidence
        (90.0, part(None, suppressed=True), []),  # customers asked but hidden: no verdict
        (40.0, part(None, suppressed=True), ["low"]),  # low is judged on what is visible
        (None, 75.0, ["strength"]),
    ],
)
def test_dimension_patterns(staff, customer, expected):
    assert patterns.dimension_patterns(row(staff=staff, customer=customer), DEFAULT) == expected


def test_blind_spots_and_hidden_strengths_are_the_largest_three(instrument):
    rows = rows_for(
        instrument,
        ends_ease=(90.0, 40.0), ends_speed=(80.0, 50.0), ends_trust=(75.0, 60.0),
        ends_giving=(72.0, 60.0), ends_purpose=(61.0, 60.0),
        means_insight=(40.0, 70.0), means_listening=(50.0, 62.0),
    )
    assert [r["id"] for r in patterns.blind_spots(rows)] == [
        "ends_ease", "ends_speed", "ends_trust"
    ]
    assert [r["id"] for r in patterns.hidden_strengths(rows)] == [
        "means_insight", "means_listening"
    ]
    assert patterns.blind_spots(rows, limit=1)[0]["title"] == "Ease"


def test_significance_is_below_five_percent():
    assert patterns.is_significant(0.049)
    assert not patterns.is_significant(0.05)
    assert not patterns.is_significant(None)
    assert not patterns.is_significant(float("nan"))


# -- the headline pair -------------------------------------------------------------------------


def pair(key: str, staff: float, customer: float, staff_reverse: bool = False,
         customer_reverse: bool = False) -> dict[str, Any]:
    return {"id": key, "staff_top_box": staff, "customer_top_box": customer,
            "top_box_gap": staff - customer, "staff_reverse": staff_reverse,
            "customer_reverse": customer_reverse, "staff_text": f"We {key}.",
            "customer_text": f"They {key}."}


def test_headline_prefers_a_plainly_worded_pair_when_it_is_nearly_as_wide():
    chosen = patterns.headline_choice([
        pair("easy", 0.70, 0.20), pair("repeat", 0.78, 0.20, customer_reverse=True),
    ])
    assert chosen is not None and chosen["id"] == "easy"


def test_headline_takes_a_reverse_worded_pair_that_is_much_wider():
    chosen = patterns.headline_choice([
        pair("easy", 0.40, 0.30), pair("repeat", 0.80, 0.20, staff_reverse=True),
    ])
    assert chosen is not None and chosen["id"] == "repeat"


def test_headline_when_nothing_is_known():
    assert patterns.headline_choice([]) is None
    nothing = pair("a", 0.5, 0.5)
    nothing["top_box_gap"] = None
    assert patterns.headline_choice([nothing]) is None


def test_pair_rows_sorted_by_absolute_gap_with_both_wordings(instrument):
    document = {"pairs": [
        {"id": "p_easy", "dimension": "ends_ease", "staff_item": "s_ease_easy",
         "customer_item": "c_ease_easy", "staff_mean": 70.0, "customer_mean": 60.0, "gap": 10.0,
         "staff_top_box": 0.7, "customer_top_box": 0.5},
        {"id": "p_repeat_info", "dimension": "ends_ease", "staff_item": "s_ease_repeat",
         "customer_item": "c_ease_repeat", "staff_mean": 40.0, "customer_mean": 70.0,
         "gap": -30.0, "staff_top_box": 0.2, "customer_top_box": 0.6},
        {"id": "p_asked", "dimension": "means_listening", "staff_item": "s_listen_ask",
         "customer_item": "c_listen_ask", "staff_mean": None, "customer_mean": None,
         "gap": None, "staff_top_box": None, "customer_top_box": None},
    ]}
    rows = sections.pair_rows([PairResult(**p) for p in document["pairs"]], instrument)
    assert [r["id"] for r in rows] == ["p_repeat_info", "p_easy", "p_asked"]
    assert rows[0]["customer_reverse"] and rows[0]["staff_reverse"]
    assert rows[1]["customer_text"] == "Doing business with them is easy."
    assert rows[1]["dimension_title"] == "Ease"
    assert rows[2]["top_box_gap"] is None


# -- recommendations ---------------------------------------------------------------------------


def test_recommendations_follow_the_patterns_gaps_by_tier_then_low_then_strengths(instrument):
    rows = rows_for(
        instrument,
        ends_ease=(80.0, 45.0),  # blind spot, gap 35
        ends_speed=(70.0, 55.0),  # blind spot, gap 15
        means_strategy=(40.0, None),  # low (staff only)
        ends_trust=(70.0, 78.0),  # strength (customers 78)
        means_organisation=(72.0, None),  # strength (staff only)
    )
    chosen = sections.select_recommendations(rows, instrument)
    order = [(r["dimension"], r["pattern"]) for r in chosen]
    # Gaps without intervals cannot be told apart by overlap: each is its own tier.
    assert order[:2] == [("ends_ease", "blind_spot"), ("ends_speed", "blind_spot")]
    # means_strategy's two "low" recommendations come next, then the strengths in
    # instrument order (not by score).
    assert order[2:4] == [("means_strategy", "low"), ("means_strategy", "low")]
    assert order[4:] == [("means_organisation", "strength"), ("ends_trust", "strength")]
    assert [r["rank"] for r in chosen] == list(range(1, len(chosen) + 1))
    # No "high priority" ranking: act or protect, or on the board's list.
    assert [r["priority"] for r in chosen] == ["Act"] * 4 + ["Protect"] * 2
    ease = chosen[0]
    library = instrument.recommendations["ends_ease"]
    assert ease["title"] == instrument.text(library.blind_spot[0].title)
    # Rule 16: the gap is the difference of the two scores as printed beside it.
    assert ease["evidence"] == (
        "Staff score it 80.0, customers 45.0: a gap of +35.0 points "
        "(statistically significant, p = 0.01)."
    )
    assert (ease["owner"], ease["horizon"]) == ("COO", "90 days")
    assert ease["measure"] == "repeat contacts for the same need; customer effort"
    assert chosen[2]["evidence"] == (
        "Staff score it 40, below 50 (the only audience with results on it).")
    assert chosen[2]["horizon"] == "12 months"
    assert chosen[5]["evidence"] == "Customers score it 78, at or above 70."
    assert chosen[4]["evidence"] == (
        "Staff score it 72, at or above 70; customers are not asked about it.")


def test_overlapping_gaps_are_one_tier_in_instrument_order(instrument):
    rows = rows_for(instrument, ends_ease=(80.0, 45.0), ends_giving=(79.0, 45.0),
                    ends_speed=(70.0, 50.0))
    intervals = {"ends_ease": (30.0, 40.0), "ends_giving": (29.0, 39.0),
                 "ends_speed": (15.0, 25.0)}
    for r in rows:
        r["gap_ci95"] = intervals.get(r["id"])
    assert patterns.gap_tiers(rows) == {"ends_giving": 0, "ends_ease": 0, "ends_speed": 1}
    chosen = sections.select_recommendations(rows, instrument)
    # giving comes before ease in the instrument, though its gap is 1 point smaller.
    assert [r["dimension"] for r in chosen if r["pattern"] == "blind_spot"] == [
        "ends_giving", "ends_ease", "ends_speed"]
    assert "(95% range 30.0 to 40.0; statistically significant" in next(
        r["evidence"] for r in chosen if r["dimension"] == "ends_ease")


def test_the_board_actions_open_the_recommendations(instrument):
    rows = rows_for(instrument, ends_ease=(80.0, 45.0), ends_speed=(70.0, 55.0))
    advice = instrument.recommendations["ends_trust"].low[0]
    # A board action from a pattern the row does not show (hostages outnumber the
    # loyal): it still opens the section, with the summary's evidence.
    action = BoardAction(
        rule="action.hostages", dimension="ends_trust", dimension_title="Trust",
        title=instrument.text(advice.title), text=instrument.text(advice.text),
        evidence="41% of customers stay mainly because leaving is hard; 14% stay by choice.",
        owner="CEO", horizon="12 months", measure="hostage share", pattern="low")
    chosen = sections.select_recommendations(rows, instrument, board=[action])
    assert (chosen[0]["dimension"], chosen[0]["priority"], chosen[0]["evidence"]) == (
        "ends_trust", "On the board's list", action.evidence)
    assert [r["dimension"] for r in chosen[1:]] == ["ends_ease", "ends_speed"]
    assert all(r["priority"] == "Act" for r in chosen[1:])


def test_a_dimension_that_is_both_a_blind_spot_and_low_gets_both(instrument):
    rows = rows_for(instrument, ends_giving=(48.0, 20.0))
    chosen = sections.select_recommendations(rows, instrument)
    assert {r["pattern"] for r in chosen} == {"blind_spot", "low"}
    assert all(r["priority"] == "Act" for r in chosen)
    assert "Both audiences score it below 50: staff 48, customers 20." in [
        r["evidence"] for r in chosen]


def test_no_pattern_no_recommendation(instrument):
    assert sections.select_recommendations(rows_for(instrument), instrument) == []


def test_not_significant_gap_is_said_so(instrument):
    rows = rows_for(instrument, ends_ease=(80.0, 60.0))
    rows[[r["id"] for r in rows].index("ends_ease")].update(gap_p=0.2, significant=False)
    chosen = sections.select_recommendations(rows, instrument)
    assert chosen[0]["evidence"].endswith("(not statistically significant).")


# -- comments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "suppressed", "shown"),
    [(9, False, False), (10, False, True), (200, False, True), (12, True, False), (0, True, False)],
)
def test_comments_need_twice_the_anonymity_threshold(responses, suppressed, shown):
    result = AudienceResult(responses=responses, suppressed=suppressed)
    assert patterns.comments_shown(result, 10) is shown
    assert patterns.comments_shown(None, 10) is False


def test_comments_sorted_identical_ones_counted_text_kept():
    texts = ["  Zebra  ", "apple", "<b>Apple</b>", "apple", "", "   ", "Banana\nsplit"]
    assert patterns.collapse_comments(texts) == [
        {"text": "<b>Apple</b>", "count": 1},
        {"text": "apple", "count": 2},
        {"text": "Banana\nsplit", "count": 1},
        {"text": "Zebra", "count": 1},
    ]


# -- position, limitations, segments (from real scoring) ---------------------------------------


def score(instrument: Instrument, respondents: list[Respondent], threshold: int = 5) -> Results:
    return score_respondents(spec_for(instrument, threshold), respondents)


def everyone(instrument: Instrument, audience: str, value: int, count: int,
             segments: dict[str, str] | None = None) -> list[Respondent]:
    answers = {}
    for item in instrument.items_for(audience):  # type: ignore[arg-type]
        scale = instrument.scale(item.scale)
        answers[item.id] = min(scale.max, max(scale.min, value))
    return [Respondent(audience=audience, answers=answers, segments=segments or {})
            for _ in range(count)]


def test_limitations_for_nobody_staff_only_and_suppressed(instrument):
    nobody = score(instrument, [])
    assert [n["kind"] for n in wording.limitations(nobody, instrument)] == ["no_responses"]

    staff_only = score(instrument, everyone(instrument, "staff", 4, 5))
    kinds = [n["kind"] for n in wording.limitations(staff_only, instrument)]
    assert kinds == ["no_customer", "self_rated"]

    suppressed = score(instrument, everyone(instrument, "staff", 4, 5)
                       + everyone(instrument, "customer", 2, 3))
    notes = wording.limitations(suppressed, instrument)
    assert [n["kind"] for n in notes] == ["suppressed_customer", "self_rated"]
    assert notes[0]["text"] == (
        "The customer results are suppressed: 3 customers responded, fewer than the "
        "anonymity threshold of 5.")


def test_perception_gap_is_the_distance_from_the_staff_view(instrument):
    document = score(instrument, everyone(instrument, "staff", 5, 5)
                     + everyone(instrument, "customer", 2, 5))
    gap = patterns.perception_gap(document)
    staff = document.to_dict()["indices"]["staff"]
    assert gap["staff_means"] == staff["means"] and gap["staff_ends"] == staff["ends"]
    assert gap["ends_difference"] == pytest.approx(staff["ends"] - document.position.ends)
    assert gap["means_difference"] == 0.0  # the position's means is the staff's
    assert gap["distance"] == pytest.approx(abs(gap["ends_difference"]))
    staff_only = score(instrument, everyone(instrument, "staff", 5, 5))
    assert patterns.perception_gap(staff_only) is None


def position(means: float | None, ends: float | None) -> PositionResult:
    return PositionResult(means=means, ends=ends, quadrant=None, quadrant_label=None,
                          maturity_level=None, maturity_label=None, self_rated=False)


def test_near_cut_says_that_a_rounded_sixty_is_low():
    notes = wording.near_cut(position(means=59.6, ends=60.0), 60.0)
    assert notes == ["The means index is 59.6: shown rounded as 60, it is just below the "
                     "“high” mark of 60 and so counts as low."]
    assert wording.near_cut(position(means=59.4, ends=None), 60.0) == []


def test_segments_keep_suppressed_groups_as_columns(instrument):
    respondents = (
        everyone(instrument, "staff", 4, 7, {"staff_function": "sales"})
        + everyone(instrument, "staff", 5, 6, {"staff_function": "service"})
        + everyone(instrument, "staff", 3, 2, {"staff_function": "marketing"})
        + everyone(instrument, "customer", 3, 5)
    )
    document = score(instrument, respondents)
    rows = sections.dimension_rows(document.dimensions, instrument)
    breakdowns = sections.segment_breakdowns(document, instrument, rows)
    staff = next(b for b in breakdowns if b["audience"] == "staff")
    assert len(staff["dimensions"]) == 16
    function = next(g for g in staff["groups"] if g["id"] == "staff_function")
    by_option = {c["id"]: c for c in function["columns"]}
    assert set(by_option) == {o.id for o in instrument.questionnaires["staff"].segments[0].options}
    assert by_option["sales"]["suppressed"] is False and by_option["sales"]["respondents"] == 7
    assert all(isinstance(v, float) for v in by_option["sales"]["scores"])
    assert by_option["marketing"]["suppressed"] is True  # 2 < 5
    assert by_option["service"]["suppressed"] is True  # rule 15: the next-smallest
    assert by_option["marketing"]["scores"] == [None] * 16
    assert staff["all"]["respondents"] == 15
    assert staff["suppressed_groups"] >= 2
    customers = next(b for b in breakdowns if b["audience"] == "customer")
    assert len(customers["dimensions"]) == 12  # customers are asked about 12 dimensions
    assert [g["key"] for g in customers["groups"]] == ["A", "B", "C", "D"]


def test_maturity_levels_mark_the_current_one(instrument):
    document = score(instrument, everyone(instrument, "staff", 4, 5)
                     + everyone(instrument, "customer", 4, 5))
    levels = sections.maturity_levels(document, instrument)
    assert [level["level"] for level in levels] == [1, 2, 3, 4, 5]
    assert [level["current"] for level in levels].count(True) == 1
    current = next(level for level in levels if level["current"])
    assert current["label"] == document.position.maturity_label
    assert levels[0]["range"] == (0.0, 20.0) and levels[-1]["range"] == (80.0, 100.0)
