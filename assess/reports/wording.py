"""What the report says: labels and sentences for the patterns and results.

The patterns themselves are detected in :mod:`assess.reports.patterns`; this
module only words them. Pure: no database, Flask or WeasyPrint.
"""

from __future__ import annotations

from typing import Any

from assess.instruments.schema import Instrument, Outcome
from assess.reports import format as fmt
from assess.reports.patterns import BLIND_SPOT, HIDDEN_STRENGTH, LOW, STRENGTH, Thresholds
from assess.scoring import (
    CUSTOMER_CENTRIC,
    DEVOTED_UNDER_EQUIPPED,
    MEANS_ONLY,
    PRODUCT_CENTRIC,
    QUADRANT_LABELS,
    PositionResult,
    Results,
)
from assess.scoring.model import AUDIENCE_LABELS

PATTERN_LABELS = {
    BLIND_SPOT: "Blind spot",
    HIDDEN_STRENGTH: "Hidden strength",
    LOW: "Low score",
    STRENGTH: "Strength to protect",
}

LENS_TITLES = {
    "means": "Customer-centricity as a means",
    "ends": "Customer-centricity as an end",
}
LENS_QUESTIONS = {
    "means": "How is the organisation organised and equipped around its customers?",
    "ends": "For the sake of what does the organisation exist?",
}


def _quadrant(quadrant_id: str, means: str, ends: str, description: str) -> dict[str, str]:
    return {
        "id": quadrant_id,
        "label": QUADRANT_LABELS[quadrant_id],
        "means": means,
        "ends": ends,
        "description": description,
    }


#: Rule 11 quadrants, in the order drawn on the map, with what each means.
QUADRANTS = [
    _quadrant(
        DEVOTED_UNDER_EQUIPPED, "low", "high",
        "Customers feel cared for, but the organisation lacks the structures, data and "
        "measures to do it consistently and at scale.",
    ),
    _quadrant(
        CUSTOMER_CENTRIC, "high", "high",
        "The machinery is in place, and it is used to make customers' lives better.",
    ),
    _quadrant(
        PRODUCT_CENTRIC, "low", "low",
        "Organised around products rather than customers, and customers feel it: both "
        "the machinery and the intent have a long way to go.",
    ),
    _quadrant(
        MEANS_ONLY, "high", "low",
        "Well equipped to know and reach customers, but the machinery serves the "
        "organisation more than its customers: sophisticated taking.",
    ),
]

OUTCOME_LABELS = {
    Outcome.VALUE_EQUITY.value: ("Value equity", "What I get is worth what I pay"),
    Outcome.BRAND_EQUITY.value: ("Brand equity", "I think highly of them"),
    Outcome.RELATIONSHIP_EQUITY.value: ("Relationship equity", "I plan to keep using them"),
    Outcome.STAY_BY_CHOICE.value: ("Loyal by choice", "Stay because they want to"),
    Outcome.STAY_HOSTAGE.value: ("Hostage", "Stay mainly because leaving is hard"),
}

PRIORITY_BOARD = "On the board's list"
PRIORITY = "Act"
PRIORITY_PROTECT = "Protect"


# -- recommendations ---------------------------------------------------------------------


def p_phrase(p: float | None) -> str:
    text = fmt.pvalue(p)
    return text if text.startswith("<") else f"= {text}"


def evidence(
    row: dict[str, Any], pattern: str, thresholds: Thresholds,
    staff: float | None, customer: float | None,
) -> str:
    """Why a recommendation was chosen, in one sentence."""
    if pattern == BLIND_SPOT:
        significance = (
            f"statistically significant, p {p_phrase(row['gap_p'])}"
            if row["significant"]
            else "not statistically significant"
        )
        ci = row.get("gap_ci95")
        interval = "" if not ci else (
            f"95% range {fmt.gap(ci[0]).lstrip('+')} to {fmt.gap(ci[1]).lstrip('+')}; "
        )
        # Rule 16: the gap is the difference of the two scores as printed here.
        return (
            f"Staff score it {fmt.score1(staff)}, customers {fmt.score1(customer)}: "
            f"a gap of {fmt.difference(staff, customer)} points ({interval}{significance})."
        )
    if pattern == LOW:
        if staff is not None and customer is not None:
            return (
                f"Both audiences score it below {fmt.score(thresholds.low_score)}: "
                f"staff {fmt.score(staff)}, customers {fmt.score(customer)}."
            )
        who, value = ("Staff", staff) if staff is not None else ("Customers", customer)
        only = " (the only audience with results on it)"
        return f"{who} score it {fmt.score(value)}, below {fmt.score(thresholds.low_score)}{only}."
    if customer is not None:
        return (
            f"Customers score it {fmt.score(customer)}, at or above "
            f"{fmt.score(thresholds.strength_score)}."
        )
    return (
        f"Staff score it {fmt.score(staff)}, at or above {fmt.score(thresholds.strength_score)}; "
        "customers are not asked about it."
    )


def priority(pattern: str, on_board: bool) -> str:
    """A card's label: on the summary's board list, else act or protect. (No "high
    priority" from a ranking of gaps that cannot be told apart.)"""
    if on_board:
        return PRIORITY_BOARD
    return PRIORITY_PROTECT if pattern == STRENGTH else PRIORITY


# -- position ----------------------------------------------------------------------------


def near_cut(position: PositionResult, cut: float) -> list[str]:
    """Plain notes for a coordinate that rounds to the 'high' mark but lies below it.

    Scores are shown as whole numbers (rule 16), so 59.6 reads as 60 although it
    is low (rule 11: only 60 or more counts as high). Say so rather than puzzle
    the reader.
    """
    notes = []
    for axis in ("means", "ends"):
        value = getattr(position, axis)
        if value is not None and value < cut and fmt.score(value) == fmt.score(cut):
            notes.append(
                f"The {axis} index is {value:.1f}: shown rounded as {fmt.score(value)}, it is "
                f"just below the “high” mark of {fmt.score(cut)} and so counts as low."
            )
    return notes


def perception_reading(perception: dict[str, Any] | None) -> str:
    """What the direction of the perception gap means ('' when there is none)."""
    if perception is None:
        return ""
    if perception["ends_difference"] > 0:
        return (
            ": staff believe the organisation serves its customers' interests better than "
            "customers experience"
        )
    if perception["ends_difference"] < 0:
        return ": customers experience more care than staff give the organisation credit for"
    return ""


# -- what the report cannot say ----------------------------------------------------------


def limitations(results: Results, instrument: Instrument) -> list[dict[str, str]]:
    """Plain statements of what the numbers cannot show, most important first."""
    notes: list[dict[str, str]] = []
    threshold = results.parameters.anonymity_threshold
    audiences = results.audiences
    asked = [str(a) for a in instrument.audiences()]
    total = sum(audiences[a].responses for a in asked if a in audiences)
    if total == 0:
        notes.append({
            "kind": "no_responses",
            "text": "No responses yet: nothing can be scored, so this report shows no numbers.",
        })
        return notes
    for audience in asked:
        result = audiences.get(audience)
        label = AUDIENCE_LABELS[audience].lower()
        responses = 0 if result is None else result.responses
        if responses == 0:
            notes.append({
                "kind": f"no_{audience}",
                "text": f"No {label} have responded yet: there are no {audience} results.",
            })
        elif result is not None and result.suppressed:
            notes.append({
                "kind": f"suppressed_{audience}",
                "text": (
                    f"The {audience} results are suppressed: {responses} {label} "
                    f"responded, fewer than the anonymity threshold of {threshold}."
                ),
            })
    if results.position.self_rated and results.position.ends is not None:
        notes.append({
            "kind": "self_rated",
            "text": (
                "Self-rated: without customer results, the ends score on the map is the "
                "staff's own view, not what customers experience. Staff usually rate their "
                "organisation higher than its customers do."
            ),
        })
    return notes


def plural(count: int, noun: str) -> str:
    """``1 comment``, ``2 comments``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
