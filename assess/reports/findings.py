"""What the report finds: pure functions over the results and the instrument.

Input is the JSON-ready results document (``Results.to_dict()``, see
``docs/scoring.md``) and the engagement's :class:`Instrument`; output is plain
dicts and lists for the templates. Nothing here touches the database, Flask or
WeasyPrint, so every finding is unit-tested on hand-made results.

The patterns (see ``docs/report.md``), with the instrument's thresholds:

- **blind spot**: staff score a dimension at least ``blind_spot_gap`` points
  higher than customers do (gap = staff − customer, scoring rule 9);
- **hidden strength**: customers score it at least that much higher than staff;
- **low**: every audience that scores it scores it below ``low_score``;
- **strength**: customers score it at or above ``strength_score`` (for a
  dimension customers are not asked about: the staff score).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from assess.instruments.schema import Audience, Instrument, Outcome
from assess.reports import format as fmt

#: A gap is marked significant when Welch's p-value is below this.
SIGNIFICANCE = 0.05

BLIND_SPOT = "blind_spot"
HIDDEN_STRENGTH = "hidden_strength"
LOW = "low"
STRENGTH = "strength"

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
AUDIENCE_LABELS = {"staff": "Staff", "customer": "Customers"}

#: Rule 11 quadrants, in the order drawn on the map, with what each means.
QUADRANTS = [
    {
        "id": "devoted_under_equipped",
        "label": "Customer-devoted but under-equipped",
        "means": "low",
        "ends": "high",
        "description": (
            "Customers feel cared for, but the organisation lacks the structures, data and "
            "measures to do it consistently and at scale."
        ),
    },
    {
        "id": "customer_centric",
        "label": "Customer-centric as an end",
        "means": "high",
        "ends": "high",
        "description": (
            "The machinery is in place, and it is used to make customers' lives better."
        ),
    },
    {
        "id": "product_centric",
        "label": "Product-centric",
        "means": "low",
        "ends": "low",
        "description": (
            "Organised around products rather than customers, and customers feel it: both "
            "the machinery and the intent have a long way to go."
        ),
    },
    {
        "id": "means_only",
        "label": "Customer-centric as a means",
        "means": "high",
        "ends": "low",
        "description": (
            "Well equipped to know and reach customers, but the machinery serves the "
            "organisation more than its customers: sophisticated taking."
        ),
    },
]

OUTCOME_LABELS = {
    Outcome.VALUE_EQUITY.value: ("Value equity", "What I get is worth what I pay"),
    Outcome.BRAND_EQUITY.value: ("Brand equity", "I think highly of them"),
    Outcome.RELATIONSHIP_EQUITY.value: ("Relationship equity", "I plan to keep using them"),
    Outcome.STAY_BY_CHOICE.value: ("Loyal by choice", "Stay because they want to"),
    Outcome.STAY_HOSTAGE.value: ("Hostage", "Stay mainly because leaving is hard"),
}


@dataclass(frozen=True)
class Thresholds:
    """The instrument's report thresholds (``scoring:`` in instrument.yaml)."""

    blind_spot_gap: float = 10.0
    low_score: float = 50.0
    strength_score: float = 70.0

    @classmethod
    def of(cls, instrument: Instrument) -> Thresholds:
        s = instrument.scoring
        return cls(s.blind_spot_gap, s.low_score, s.strength_score)


# -- small helpers -----------------------------------------------------------------------


def audience_score(row: dict[str, Any], audience: str) -> float | None:
    """An audience's visible score on a dimension row (None: not asked, suppressed, none)."""
    part = row.get(audience)
    if not part or part.get("suppressed"):
        return None
    return part.get("score")


def is_significant(p: float | None) -> bool:
    return p is not None and not math.isnan(p) and p < SIGNIFICANCE


def asks(row: dict[str, Any], audience: str) -> bool:
    """Whether the instrument asks ``audience`` about the dimension at all."""
    return row.get(audience) is not None


# -- dimensions and their patterns -------------------------------------------------------


def dimension_patterns(row: dict[str, Any], thresholds: Thresholds) -> list[str]:
    """The patterns a dimension row shows: blind spot or hidden strength, low, strength."""
    patterns: list[str] = []
    staff, customer = audience_score(row, "staff"), audience_score(row, "customer")
    gap = row.get("gap")
    if gap is not None and gap >= thresholds.blind_spot_gap:
        patterns.append(BLIND_SPOT)
    elif gap is not None and gap <= -thresholds.blind_spot_gap:
        patterns.append(HIDDEN_STRENGTH)
    available = [s for s in (staff, customer) if s is not None]
    if available and all(s < thresholds.low_score for s in available):
        patterns.append(LOW)
    if customer is not None:
        if customer >= thresholds.strength_score:
            patterns.append(STRENGTH)
    elif not asks(row, "customer") and staff is not None and staff >= thresholds.strength_score:
        # Customers are not asked about this dimension: the staff score is the only evidence.
        patterns.append(STRENGTH)
    return patterns


def dimension_rows(results: dict[str, Any], instrument: Instrument) -> list[dict[str, Any]]:
    """The results' dimension rows with titles, descriptions and patterns, in instrument order."""
    thresholds = Thresholds.of(instrument)
    by_id = {d.id: d for d in instrument.dimensions}
    rows = []
    for number, row in enumerate(results["dimensions"], start=1):
        dimension = by_id[row["id"]]
        rows.append(
            {
                **row,
                "number": number,
                "title": instrument.text(dimension.title),
                "description": instrument.text(dimension.description),
                "significant": is_significant(row.get("gap_p")),
                "patterns": dimension_patterns(row, thresholds),
            }
        )
    return rows


def blind_spots(rows: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    """The ``limit`` dimensions staff overrate most (largest positive gaps first)."""
    found = [r for r in rows if BLIND_SPOT in r["patterns"]]
    return sorted(found, key=lambda r: -r["gap"])[:limit]


def hidden_strengths(rows: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    """The ``limit`` dimensions customers rate most above staff (most negative gaps first)."""
    found = [r for r in rows if HIDDEN_STRENGTH in r["patterns"]]
    return sorted(found, key=lambda r: r["gap"])[:limit]


# -- paired items ------------------------------------------------------------------------


def pair_rows(results: dict[str, Any], instrument: Instrument) -> list[dict[str, Any]]:
    """Paired items with both wordings, largest absolute gaps first (no-gap pairs last)."""
    items = {i.id: i for i in instrument.items}
    rows = []
    for pair in results["pairs"]:
        staff_item, customer_item = items[pair["staff_item"]], items[pair["customer_item"]]
        rows.append(
            {
                **pair,
                "staff_text": instrument.text(staff_item.text),
                "customer_text": instrument.text(customer_item.text),
                "staff_reverse": staff_item.reverse,
                "customer_reverse": customer_item.reverse,
                "dimension_title": (
                    instrument.text(instrument.dimension(pair["dimension"]).title)
                    if pair.get("dimension")
                    else ""
                ),
                "top_box_gap": (
                    None
                    if pair["staff_top_box"] is None or pair["customer_top_box"] is None
                    else pair["staff_top_box"] - pair["customer_top_box"]
                ),
            }
        )
    return sorted(
        rows, key=lambda r: (r["gap"] is None, -abs(r["gap"]) if r["gap"] is not None else 0)
    )


def headline_pair(pairs: list[dict[str, Any]], tolerance: float = 0.10) -> dict[str, Any] | None:
    """The pair for the headline sentence: the largest top-box difference, staff minus customers.

    Plainly worded pairs read better than reverse-worded ones ("disagree that ..."),
    so a reverse-worded pair wins only when its difference is larger by more than
    ``tolerance`` (a share, 0.10 = 10 percentage points).
    """
    candidates = [p for p in pairs if p["top_box_gap"] is not None]
    if not candidates:
        return None
    best = max(candidates, key=lambda p: p["top_box_gap"])
    plain = [p for p in candidates if not (p["staff_reverse"] or p["customer_reverse"])]
    if plain:
        best_plain = max(plain, key=lambda p: p["top_box_gap"])
        if best["top_box_gap"] - best_plain["top_box_gap"] <= tolerance:
            best = best_plain
    difference = best["top_box_gap"]
    if difference > 0.005:
        joiner = "but only"
    elif difference < -0.005:
        joiner = "while"
    else:
        joiner = "and"
    return {
        **best,
        # Quoted inside a sentence: without the statement's own full stop.
        "staff_quote": best["staff_text"].rstrip().rstrip("."),
        "customer_quote": best["customer_text"].rstrip().rstrip("."),
        # A reverse-worded item's top box is the share that disagrees (rules 2 and 4).
        "staff_verb": "disagree" if best["staff_reverse"] else "agree",
        "customer_verb": "disagree" if best["customer_reverse"] else "agree",
        "joiner": joiner,
    }


# -- recommendations ---------------------------------------------------------------------


def _evidence(row: dict[str, Any], pattern: str, thresholds: Thresholds) -> str:
    staff, customer = audience_score(row, "staff"), audience_score(row, "customer")
    if pattern == BLIND_SPOT:
        significance = (
            f"statistically significant, p {_p_phrase(row['gap_p'])}"
            if row["significant"]
            else "not statistically significant"
        )
        return (
            f"Staff score it {fmt.score(staff)}, customers {fmt.score(customer)}: "
            f"a gap of {fmt.gap(row['gap'])} points ({significance})."
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


def _p_phrase(p: float | None) -> str:
    text = fmt.pvalue(p)
    return text if text.startswith("<") else f"= {text}"


def urgency(row: dict[str, Any], thresholds: Thresholds) -> float:
    """How pressing a dimension is: its blind-spot gap plus how far it falls below 'low'."""
    value = 0.0
    if BLIND_SPOT in row["patterns"]:
        value += row["gap"]
    if LOW in row["patterns"]:
        scores = [
            s for s in (audience_score(row, "staff"), audience_score(row, "customer"))
            if s is not None
        ]
        value += thresholds.low_score - min(scores)
    return value


def select_recommendations(
    rows: list[dict[str, Any]], instrument: Instrument
) -> list[dict[str, Any]]:
    """The instrument's recommendations that the results call for, most pressing first.

    A dimension's blind-spot and low-score advice comes first, ordered by
    :func:`urgency` (gap size, then distance below the low mark); advice to protect
    strengths follows, highest customer score first. Each recommendation carries the
    evidence that triggered it.
    """
    thresholds = Thresholds.of(instrument)
    act: list[tuple[float, int, dict[str, Any]]] = []
    protect: list[tuple[float, int, dict[str, Any]]] = []
    for order, row in enumerate(rows):
        library = instrument.recommendations.get(row["id"])
        if library is None:
            continue
        seen: set[str] = set()
        for pattern in (BLIND_SPOT, LOW, STRENGTH):
            if pattern not in row["patterns"]:
                continue
            for advice in getattr(library, pattern):
                title = instrument.text(advice.title)
                if title in seen:
                    continue
                seen.add(title)
                entry = {
                    "dimension": row["id"],
                    "dimension_title": row["title"],
                    "lens": row["lens"],
                    "pattern": pattern,
                    "pattern_label": PATTERN_LABELS[pattern],
                    "title": title,
                    "text": instrument.text(advice.text),
                    "evidence": _evidence(row, pattern, thresholds),
                }
                if pattern == STRENGTH:
                    best = audience_score(row, "customer")
                    if best is None:
                        best = audience_score(row, "staff") or 0.0
                    protect.append((-best, order, entry))
                else:
                    act.append((-urgency(row, thresholds), order, entry))
    chosen = [e for *_, e in sorted(act, key=lambda t: t[:2])]
    chosen += [e for *_, e in sorted(protect, key=lambda t: t[:2])]
    high_mark = 2 * thresholds.blind_spot_gap
    by_id = {r["id"]: r for r in rows}
    for rank, entry in enumerate(chosen, start=1):
        entry["rank"] = rank
        if entry["pattern"] == STRENGTH:
            entry["priority"] = "Protect"
        else:
            pressing = urgency(by_id[entry["dimension"]], thresholds) >= high_mark
            entry["priority"] = "High priority" if pressing else "Priority"
    return chosen


# -- position, perception gap, maturity ----------------------------------------------------


def perception_gap(results: dict[str, Any]) -> dict[str, Any] | None:
    """Staff's own view (their means and ends indices) against the position (rule 10).

    None when the position is self-rated or either point is incomplete.
    """
    position = results["position"]
    staff = (results.get("indices") or {}).get("staff") or {}
    if position.get("self_rated"):
        return None
    points = (position.get("means"), position.get("ends"), staff.get("means"), staff.get("ends"))
    if any(v is None for v in points):
        return None
    means, ends, staff_means, staff_ends = points
    return {
        "staff_means": staff_means,
        "staff_ends": staff_ends,
        "means_difference": staff_means - means,
        "ends_difference": staff_ends - ends,
        "distance": math.hypot(staff_means - means, staff_ends - ends),
    }


def near_cut(position: dict[str, Any], cut: float) -> list[str]:
    """Plain notes for a coordinate that rounds to the 'high' mark but lies below it.

    Scores are shown as whole numbers (rule 16), so 59.6 reads as 60 although it
    is low (rule 11: only 60 or more counts as high). Say so rather than puzzle
    the reader.
    """
    notes = []
    for axis in ("means", "ends"):
        value = position.get(axis)
        if value is not None and value < cut and fmt.score(value) == fmt.score(cut):
            notes.append(
                f"The {axis} index is {value:.1f}: shown rounded as {fmt.score(value)}, it is "
                f"just below the “high” mark of {fmt.score(cut)} and so counts as low."
            )
    return notes


def maturity_levels(results: dict[str, Any], instrument: Instrument) -> list[dict[str, Any]]:
    current = results["position"].get("maturity_level")
    cuts = results["parameters"]["maturity_cuts"]
    levels = []
    for level in sorted(instrument.maturity, key=lambda m: m.level):
        low = 0.0 if level.level == 1 else cuts[level.level - 2]
        high = 100.0 if level.level > len(cuts) else cuts[level.level - 1]
        levels.append(
            {
                "level": level.level,
                "label": instrument.text(level.label),
                "description": instrument.text(level.description),
                "range": (low, high),
                "current": level.level == current,
            }
        )
    return levels


# -- segments ----------------------------------------------------------------------------


def segment_breakdowns(
    results: dict[str, Any], instrument: Instrument, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One heatmap per audience: its dimensions (rows) × every group of every segment
    question (columns, grouped by question), after a first column for the whole audience.

    Suppressed groups keep their column, marked ``suppressed`` (rules 14 and 15), so
    they are shown as suppressed, never left blank.
    """
    breakdowns = []
    segments = results.get("segments") or {}
    for audience in instrument.audiences():
        key = str(audience)
        questionnaire = instrument.questionnaires[audience]
        audience_result = results["audiences"].get(key) or {}
        dimensions = [r for r in rows if asks(r, key)]
        questions = [q for q in questionnaire.segments if q.id in segments]
        if not dimensions or not questions:
            continue
        groups = []
        for index, question in enumerate(questions):
            labels = {o.id: instrument.text(o.label) for o in question.options}
            columns = [
                {
                    "id": group["option"],
                    "label": labels.get(group["option"], group["option"]),
                    "respondents": group["respondents"],
                    "suppressed": group["suppressed"],
                    "scores": [
                        (group["dimensions"].get(r["id"]) or {}).get("score")
                        for r in dimensions
                    ],
                }
                for group in segments[question.id]["groups"]
            ]
            groups.append(
                {
                    "id": question.id,
                    "key": chr(ord("A") + index) if index < 26 else str(index + 1),
                    "question": instrument.text(question.text),
                    "columns": columns,
                }
            )
        suppressed = bool(audience_result.get("suppressed"))
        breakdowns.append(
            {
                "id": key,
                "audience": key,
                "audience_label": AUDIENCE_LABELS[key],
                "dimensions": [{"id": r["id"], "title": r["title"]} for r in dimensions],
                "all": {
                    "label": f"All {AUDIENCE_LABELS[key].lower()}",
                    "respondents": None if suppressed else audience_result.get("responses"),
                    "suppressed": suppressed,
                    "scores": [audience_score(r, key) for r in dimensions],
                },
                "groups": groups,
                "suppressed_groups": sum(
                    1 for g in groups for c in g["columns"] if c["suppressed"]
                ),
                "all_suppressed": suppressed,
            }
        )
    return breakdowns


# -- outcomes ----------------------------------------------------------------------------


def outcome_rows(results: dict[str, Any]) -> dict[str, Any]:
    """Customer equity and loyalty outcomes with labels; missing outcomes are left out."""
    outcomes = results.get("outcomes") or {}

    def row(key: str) -> dict[str, Any] | None:
        found = outcomes.get(key)
        if found is None:
            return None
        label, statement = OUTCOME_LABELS[key]
        return {**found, "label": label, "statement": statement}

    equity = [
        r for r in (row(k) for k in ("value_equity", "brand_equity", "relationship_equity")) if r
    ]
    loyalty = [r for r in (row(k) for k in ("stay_by_choice", "stay_hostage")) if r]
    return {"equity": equity, "loyalty": loyalty}


# -- trend -------------------------------------------------------------------------------


def trend_rows(results: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    trend = results.get("trend") or {}
    return [
        {"id": r["id"], "title": r["title"], "lens": r["lens"], **trend[r["id"]]}
        for r in rows
        if r["id"] in trend
    ]


# -- reliability -------------------------------------------------------------------------


def alpha_rows(rows: list[dict[str, Any]], instrument: Instrument) -> list[dict[str, Any]]:
    """Cronbach's alpha per dimension and audience with the number of items behind it."""
    table = []
    for r in rows:
        entry = {"id": r["id"], "title": r["title"], "lens": r["lens"]}
        for audience in ("staff", "customer"):
            part = r.get(audience)
            items = len(instrument.dimension_items(r["id"], Audience(audience)))
            entry[audience] = None if part is None else {
                "alpha": part.get("alpha"),
                "item_count": items,
                "suppressed": part.get("suppressed", False),
            }
        table.append(entry)
    return table


# -- comments ----------------------------------------------------------------------------


def comments_shown(audience_result: dict[str, Any] | None, comment_threshold: int) -> bool:
    """Rule 14: an audience's comments are shown only from twice the anonymity threshold."""
    if not audience_result or audience_result.get("suppressed"):
        return False
    return audience_result.get("responses", 0) >= comment_threshold


def collapse_comments(texts: list[str]) -> list[dict[str, Any]]:
    """Comments in alphabetical order, identical ones once with how many wrote them.

    The order is by text, never by response, so it says nothing about who wrote
    what or when; the text itself is kept exactly as written (only surrounding
    white space is dropped).
    """
    counts: dict[str, int] = {}
    for text in texts:
        text = text.strip()
        if text:
            counts[text] = counts.get(text, 0) + 1
    return [
        {"text": text, "count": counts[text]}
        for text in sorted(counts, key=lambda t: (t.casefold(), t))
    ]


# -- what the report cannot say ----------------------------------------------------------


def limitations(results: dict[str, Any], instrument: Instrument) -> list[dict[str, str]]:
    """Plain statements of what the numbers cannot show, most important first."""
    notes: list[dict[str, str]] = []
    threshold = results["parameters"]["anonymity_threshold"]
    audiences = results["audiences"]
    asked = [str(a) for a in instrument.audiences()]
    total = sum((audiences.get(a) or {}).get("responses", 0) for a in asked)
    if total == 0:
        notes.append({
            "kind": "no_responses",
            "text": "No responses yet: nothing can be scored, so this report shows no numbers.",
        })
        return notes
    for audience in asked:
        result = audiences.get(audience) or {}
        label = AUDIENCE_LABELS[audience].lower()
        responses = result.get("responses", 0)
        if responses == 0:
            notes.append({
                "kind": f"no_{audience}",
                "text": f"No {label} have responded yet: there are no {audience} results.",
            })
        elif result.get("suppressed"):
            notes.append({
                "kind": f"suppressed_{audience}",
                "text": (
                    f"The {audience} results are suppressed: {responses} {label} "
                    f"responded, fewer than the anonymity threshold of {threshold}."
                ),
            })
    if results["position"].get("self_rated") and results["position"].get("ends") is not None:
        notes.append({
            "kind": "self_rated",
            "text": (
                "Self-rated: without customer results, the ends score on the map is the "
                "staff's own view, not what customers experience. Staff usually rate their "
                "organisation higher than its customers do."
            ),
        })
    return notes
