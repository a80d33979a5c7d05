"""The report's sections, each built once from the typed :class:`Results`.

One builder per section of ``templates/report/_body.html``; each returns a
frozen dataclass of finished values (numbers, formatted text, chart geometry),
so the templates compute nothing and re-apply no rule. Pure: the database reads
(comments, settings, the previous engagement) happen in
:mod:`assess.reports.data`, which calls these builders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assess.instruments.schema import Audience, Instrument
from assess.instruments.story import story_for
from assess.reports import charts, colours, patterns, precision, wording
from assess.reports import format as fmt
from assess.reports.patterns import BLIND_SPOT, LOW, STRENGTH, Thresholds, audience_score
from assess.reports.story import BoardAction
from assess.scoring import DimensionResult, DimensionScore, PairResult, Results
from assess.scoring.model import AUDIENCE_LABELS

# -- rows shared by several sections -------------------------------------------------------


def dimension_rows(
    dimensions: tuple[DimensionResult, ...] | list[DimensionResult], instrument: Instrument
) -> list[dict[str, Any]]:
    """The dimension results with titles, descriptions and patterns, in instrument order."""
    thresholds = Thresholds.of(instrument)
    by_id = {d.id: d for d in instrument.dimensions}
    rows = []
    for number, result in enumerate(dimensions, start=1):
        row = result.to_dict()
        dimension = by_id[result.id]
        # How many statements each audience answered for it: a score from one
        # statement is said to be so wherever it is shown.
        statements = {
            audience: len(instrument.dimension_items(result.id, Audience(audience)))
            for audience in ("staff", "customer")
        }
        rows.append(
            {
                **row,
                "statements": statements,
                # only where that audience's score is shown
                "single_statement": [
                    a for a, k in statements.items()
                    if k == 1 and audience_score(row, a) is not None
                ],
                "number": number,
                "title": instrument.text(dimension.title),
                "description": instrument.text(dimension.description),
                "significant": patterns.is_significant(result.gap_p),
                "patterns": patterns.dimension_patterns(row, thresholds),
            }
        )
    return rows


def pair_rows(
    pairs: tuple[PairResult, ...] | list[PairResult], instrument: Instrument
) -> list[dict[str, Any]]:
    """Paired items with both wordings on one measure: the share of each audience
    giving the favourable answer (top box after reversal, rules 2 and 4), largest
    difference first (the order of what the chart draws; pairs without both
    shares last). A reverse-worded statement's favourable answer is to disagree,
    and its share says so ("86% disagree"), never a bare figure beside a
    statement nobody should agree with."""
    items = {i.id: i for i in instrument.items}
    rows = []
    for pair in pairs:
        staff_item, customer_item = items[pair.staff_item], items[pair.customer_item]
        rows.append(
            {
                **pair.to_dict(),
                "staff_text": instrument.text(staff_item.text),
                "customer_text": instrument.text(customer_item.text),
                "staff_reverse": staff_item.reverse,
                "customer_reverse": customer_item.reverse,
                "dimension_title": (
                    instrument.text(instrument.dimension(pair.dimension).title)
                    if pair.dimension
                    else ""
                ),
                "top_box_gap": patterns.change(pair.staff_top_box, pair.customer_top_box),
                "staff_verb": "disagree" if staff_item.reverse else "agree",
                "customer_verb": "disagree" if customer_item.reverse else "agree",
                "staff_share_text": fmt.percent(pair.staff_top_box),
                "customer_share_text": fmt.percent(pair.customer_top_box),
                # The printed difference is that of the printed percentages (rule 16).
                "points_text": fmt.points(pair.staff_top_box, pair.customer_top_box),
            }
        )

    def drawn(row: dict[str, Any]) -> tuple[bool, float]:
        difference = row["top_box_gap"]
        return (difference is None, -abs(difference) if difference is not None else 0.0)

    return sorted(rows, key=drawn)


def select_recommendations(
    rows: list[dict[str, Any]],
    instrument: Instrument,
    board: Sequence[BoardAction] = (),
) -> list[dict[str, Any]]:
    """The instrument's recommendations that the results call for.

    ``board`` holds the executive summary's board actions
    (:mod:`assess.reports.story`): those from the library come first, marked "On
    the board's list", with the evidence the summary gives them.
    Then advice to act: blind spots tier by tier (:func:`patterns.gap_tiers`: gaps
    whose intervals overlap are one tier, in instrument order, never ranked by
    tenths of a point), then low scores, in instrument order; then advice to
    protect strengths, in instrument order. Each recommendation carries the
    evidence that triggered it, and its owner, horizon and measure of progress
    (the instrument's ``story.yaml``).
    """
    thresholds = Thresholds.of(instrument)
    tiers = patterns.gap_tiers(rows)
    words = story_for(instrument)
    horizon = {
        BLIND_SPOT: instrument.text(words.sentences.get("horizon_first_move", {})),
        LOW: instrument.text(words.sentences.get("horizon_structural", {})),
        STRENGTH: instrument.text(words.sentences.get("horizon_structural", {})),
    }
    by_id = {row["id"]: row for row in rows}
    listed = [a for a in board if a.dimension in by_id and a.pattern is not None]
    on_board = [(a.dimension, a.title) for a in listed]
    entries: list[tuple[tuple[int, int, int], dict[str, Any]]] = [
        (
            (0, index, 0),
            {
                "dimension": action.dimension,
                "dimension_title": action.dimension_title,
                "lens": by_id[action.dimension]["lens"],
                "pattern": action.pattern,
                "pattern_label": wording.PATTERN_LABELS[action.pattern or LOW],
                "title": action.title,
                "text": action.text,
                "evidence": action.evidence,
                "owner": action.owner,
                "measure": action.measure,
                "horizon": action.horizon,
                "priority": wording.priority(action.pattern or LOW, True),
            },
        )
        for index, action in enumerate(listed)
    ]
    for order, row in enumerate(rows):
        library = instrument.recommendations.get(row["id"])
        if library is None:
            continue
        seen: set[str] = set()
        staff, customer = audience_score(row, "staff"), audience_score(row, "customer")
        owner = words.dimensions.get(row["id"])
        for pattern in (BLIND_SPOT, LOW, STRENGTH):
            if pattern not in row["patterns"]:
                continue
            for advice in getattr(library, pattern):
                title = instrument.text(advice.title)
                if title in seen:
                    continue
                seen.add(title)
                if (row["id"], title) in on_board:
                    continue  # already first, as on the board's list
                entry = {
                    "dimension": row["id"],
                    "dimension_title": row["title"],
                    "lens": row["lens"],
                    "pattern": pattern,
                    "pattern_label": wording.PATTERN_LABELS[pattern],
                    "title": title,
                    "text": instrument.text(advice.text),
                    "evidence": wording.evidence(row, pattern, thresholds, staff, customer),
                    "owner": "" if owner is None else instrument.text(owner.owner),
                    "measure": "" if owner is None else instrument.text(owner.measure),
                    "horizon": horizon[pattern],
                    "priority": wording.priority(pattern, False),
                }
                key: tuple[int, int, int]
                if pattern == BLIND_SPOT:
                    key = (1, tiers.get(row["id"], 0), order)
                elif pattern == LOW:
                    key = (2, 0, order)
                else:
                    key = (3, 0, order)
                entries.append((key, entry))
    chosen = [entry for _, entry in sorted(entries, key=lambda t: t[0])]
    for rank, entry in enumerate(chosen, start=1):
        entry["rank"] = rank
    return chosen


def audience_cell(
    part: dict[str, Any] | None, state: str, cuts: tuple[float, ...] = ()
) -> dict[str, Any]:
    """A score cell of the dimension tables: its text and whether it is a mere note.

    The score has one decimal: the gap beside it is the difference of the two
    printed scores (rule 16), and a score just below a cut is never printed as
    the cut.
    """
    if part is None:
        return {"text": "not asked", "muted": True}
    if state == "none":
        return {"text": "no responses", "muted": True}
    if part["suppressed"]:
        return {"text": "suppressed", "muted": True}
    if part["score"] is None:
        return {"text": "no answers", "muted": True}
    return {"text": fmt.score1(part["score"], cuts), "muted": False}


def audience_states(results: Results) -> dict[str, str]:
    """Per audience: "results", "suppressed" (too few to show) or "none" (nobody yet)."""
    return {
        key: (
            "none" if not result.responses
            else "suppressed" if result.suppressed else "results"
        )
        for key, result in results.audiences.items()
    }


# -- the sections --------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """1 Executive summary: the tiles and notes beside the story
    (:mod:`assess.reports.story` composes the sentences and board actions)."""

    has_results: bool
    near_cut: list[str]
    customer_results: bool
    nps_note: str
    hostage_share: float | None
    hostage_note: str


@dataclass(frozen=True)
class MapSection:
    """2 The means × ends map."""

    chart: dict[str, Any]
    has_position: bool
    perception_reading: str
    quadrants: list[dict[str, Any]]
    maturity: list[dict[str, Any]]


@dataclass(frozen=True)
class DimensionsSection:
    """3 Dimension by dimension."""

    lenses: list[dict[str, Any]]
    axis: dict[str, Any]
    #: Every gap with its 95% interval (replaces the radar, which repeated the table).
    gaps: dict[str, Any]
    customers_skip_some: bool
    #: Dimensions whose customer (or staff) score rests on a single statement.
    single_statement: list[dict[str, Any]]
    #: A caution when an audience's scores rest on fewer than 30 respondents.
    small_samples: list[str]


@dataclass(frozen=True)
class PairsSection:
    """4 Paired statements."""

    rows: list[dict[str, Any]]
    has_gaps: bool
    axis: dict[str, Any]
    small_sample: str


@dataclass(frozen=True)
class SegmentsSection:
    """5 Segments."""

    breakdowns: list[dict[str, Any]]
    legend: dict[str, Any]
    #: The largest differences between groups of one segment question, named.
    differences: list[dict[str, Any]]


@dataclass(frozen=True)
class OutcomesSection:
    """6 Outcomes."""

    nps: dict[str, Any]
    nps_chart: dict[str, Any] | None
    nps_suppressed: bool
    customers_asked: bool
    equity: list[dict[str, Any]]
    equity_shown: bool
    equity_chart: dict[str, Any]
    loyalty: list[dict[str, Any]]
    loyalty_shown: bool
    loyalty_chart: dict[str, Any]
    #: What the customers outside the two loyalty shares are.
    loyalty_rest: str
    #: A caution when NPS and the shares rest on fewer than 30 customers.
    small_sample: str


@dataclass(frozen=True)
class TrendSection:
    """9 Trend: the previous engagement, then now, then the change."""

    engagement: str
    fieldwork: str
    label: str
    summary: list[dict[str, Any]]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Methodology:
    """10 Methodology."""

    alphas: list[dict[str, Any]]
    scales_text: str


def summary_section(results: Results, instrument: Instrument, has_results: bool) -> Summary:
    cut = results.parameters.quadrant_cut
    customers = results.audiences.get("customer")
    state = audience_states(results).get("customer")
    customers_asked = Audience.CUSTOMER in instrument.questionnaires

    def customer_note(suppressed: bool) -> str:
        if state == "none" or not customers_asked:
            return "no customer responses yet"
        if state == "suppressed" or suppressed:
            return (
                f"suppressed: fewer than {results.parameters.anonymity_threshold} customers"
            )
        return "no answers"

    return Summary(
        has_results=has_results,
        near_cut=wording.near_cut(results.position, cut),
        customer_results=patterns.has_results(customers),
        nps_note=customer_note(results.nps.suppressed),
        hostage_share=results.hostage_share,
        hostage_note=customer_note(False),
    )


def maturity_levels(results: Results, instrument: Instrument) -> list[dict[str, Any]]:
    current = results.position.maturity_level
    cuts = results.parameters.maturity_cuts
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
                "range_text": f"{fmt.score(low)}–{fmt.score(high)}",
                "current": level.level == current,
            }
        )
    return levels


def map_section(
    results: Results, perception: dict[str, Any] | None, maturity: list[dict[str, Any]],
    trend: TrendSection | None, previous: Results | None,
) -> MapSection:
    position = results.position
    previous_position = None if previous is None else previous.position.to_dict()
    return MapSection(
        chart=charts.map_chart(
            position.to_dict(),
            perception,
            results.parameters.quadrant_cut,
            previous_position,
            trend.label if trend else "",
            show_previous=bool(
                trend and previous_position and previous_position["means"] is not None
            ),
        ),
        has_position=position.means is not None and position.ends is not None,
        perception_reading=wording.perception_reading(perception),
        quadrants=[
            {**q, "current": q["id"] == position.quadrant} for q in wording.QUADRANTS
        ],
        maturity=maturity,
    )


def small_sample_notes(results: Results) -> list[str]:
    """A caution per audience whose scores rest on fewer than 30 respondents."""
    notes = []
    for key, label in (("staff", "staff"), ("customer", "customers")):
        audience = results.audiences.get(key)
        if audience is None or audience.suppressed or not precision.is_small(audience.responses):
            continue
        notes.append(
            f"The {label}' scores rest on {audience.responses} respondents, fewer than "
            f"{precision.SMALL_SAMPLE}: their intervals are wide, so read each score as "
            "an indication and compare dimensions only where the intervals do not overlap."
            if key == "customer" else
            f"The staff scores rest on {audience.responses} respondents, fewer than "
            f"{precision.SMALL_SAMPLE}: read each as an indication."
        )
    return notes


def single_statement_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dimensions where an audience's score rests on one statement, while the other
    audience answered several: that gap compares unlike things, and says so."""
    found = []
    for r in rows:
        for audience in r.get("single_statement", []):
            other = "customer" if audience == "staff" else "staff"
            found.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "audience": audience,
                    "other_statements": r["statements"][other] if r.get(other) else 0,
                }
            )
    return found


def dimensions_section(
    results: Results, rows: list[dict[str, Any]], states: dict[str, str],
    blind_spot_gap: float = 10.0,
) -> DimensionsSection:
    cut = results.parameters.quadrant_cut
    cuts = (cut,)
    lenses = [
        {
            "id": lens,
            "title": wording.LENS_TITLES[lens],
            "question": wording.LENS_QUESTIONS[lens],
            "dimensions": [
                {
                    **r,
                    "chart": charts.dumbbell(r, cut),
                    "staff_cell": audience_cell(r["staff"], states.get("staff", "none"), cuts),
                    "customer_cell": audience_cell(
                        r["customer"], states.get("customer", "none"), cuts
                    ),
                    # The printed gap is the difference of the printed scores (rule 16).
                    "gap_text": (
                        fmt.difference(r["staff"]["score"], r["customer"]["score"], cuts)
                        if r["gap"] is not None else fmt.DASH
                    ),
                    "thin": {
                        a: a in r.get("single_statement", []) for a in ("staff", "customer")
                    },
                }
                for r in rows
                if r["lens"] == lens
            ],
        }
        for lens in ("means", "ends")
    ]
    return DimensionsSection(
        lenses=lenses,
        axis=charts.dumbbell_axis(cut),
        gaps=charts.gap_chart(rows, blind_spot_gap, cut),
        customers_skip_some=any(r["customer"] is None for r in rows),
        single_statement=single_statement_rows(rows),
        small_samples=small_sample_notes(results),
    )


def pairs_section(pairs: list[dict[str, Any]], results: Results | None = None) -> PairsSection:
    customers = None if results is None else results.audiences.get("customer")
    small = (
        customers is not None and not customers.suppressed
        and precision.is_small(customers.responses)
    )
    return PairsSection(
        rows=[{**p, "chart": charts.pair_dumbbell(p)} for p in pairs],
        has_gaps=any(p["top_box_gap"] is not None for p in pairs),
        axis=charts.pair_axis(),
        small_sample=(
            f"Each customer share rests on at most {customers.responses} customers (fewer "
            f"than {precision.SMALL_SAMPLE}): one customer moves it by "
            f"{100 / customers.responses:.0f} points."
            if small and customers is not None else ""
        ),
    )


def segment_breakdowns(
    results: Results, instrument: Instrument, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One heatmap per audience: its dimensions (rows) × every group of every segment
    question (columns, grouped by question), after a first column for the whole audience.

    Suppressed groups keep their column, marked ``suppressed`` (rules 14 and 15), so
    they are shown as suppressed, never left blank.
    """
    breakdowns = []
    segments = results.segments
    for audience in instrument.audiences():
        key = str(audience)
        questionnaire = instrument.questionnaires[audience]
        audience_result = results.audiences.get(key)
        dimensions = [r for r in rows if patterns.asks(r, key)]
        questions = [q for q in questionnaire.segments if q.id in segments]
        if not dimensions or not questions:
            continue
        groups: list[dict[str, Any]] = []
        for index, question in enumerate(questions):
            labels = {o.id: instrument.text(o.label) for o in question.options}
            columns = [
                {
                    "id": group.option,
                    "label": labels.get(group.option, group.option),
                    "respondents": group.respondents,
                    "suppressed": group.suppressed,
                    "reason": group.suppressed_reason,
                    "scores": [
                        (
                            group.dimensions[r["id"]].score
                            if r["id"] in group.dimensions
                            else None
                        )
                        for r in dimensions
                    ],
                }
                for group in segments[question.id].groups
            ]
            groups.append(
                {
                    "id": question.id,
                    "key": chr(ord("A") + index) if index < 26 else str(index + 1),
                    "question": instrument.text(question.text),
                    "columns": columns,
                }
            )
        suppressed = audience_result is not None and audience_result.suppressed
        suppressed_groups = sum(1 for g in groups for c in g["columns"] if c["suppressed"])
        label = AUDIENCE_LABELS[key]
        breakdowns.append(
            {
                "id": key,
                "audience": key,
                "audience_label": label,
                "dimensions": [{"id": r["id"], "title": r["title"]} for r in dimensions],
                "all": {
                    "label": f"All {label.lower()}",
                    "respondents": (
                        None if suppressed or audience_result is None
                        else audience_result.responses
                    ),
                    "suppressed": suppressed,
                    "reason": "too_few" if suppressed else None,
                    "scores": [audience_score(r, key) for r in dimensions],
                },
                "groups": groups,
                "suppressed_groups": suppressed_groups,
                "all_suppressed": suppressed,
                "title": (
                    f"Heatmap of {label.lower()} dimension scores by group, for "
                    f"{len(groups)} segment question{'s' if len(groups) != 1 else ''}"
                    + "".join(
                        f"; {c['label']} is hidden: "
                        + charts.SUPPRESSED_TEXT.get(c["reason"] or "", "too few respondents")
                        for g in groups for c in g["columns"] if c["suppressed"]
                    )
                    + "."
                ),
                "hidden": [
                    {
                        "label": c["label"],
                        "question_key": g["key"],
                        "reason": c["reason"],
                        "text": charts.SUPPRESSED_TEXT.get(
                            c["reason"] or "", "too few respondents"
                        ),
                    }
                    for g in groups for c in g["columns"] if c["suppressed"]
                ],
            }
        )
    return breakdowns


def segment_differences(
    breakdowns: list[dict[str, Any]], limit: int = 4, smallest: float = 10.0
) -> list[dict[str, Any]]:
    """The largest differences between two shown groups of one segment question on
    one dimension (highest minus lowest), largest first, at most one per question
    and dimension and ``limit`` in all; differences under ``smallest`` points are
    not findings. The printed difference is that of the printed scores."""
    found = []
    for b in breakdowns:
        if b["all_suppressed"]:
            continue
        for g in b["groups"]:
            shown = [c for c in g["columns"] if not c["suppressed"]]
            for i, dimension in enumerate(b["dimensions"]):
                scored = [(c["scores"][i], c) for c in shown if c["scores"][i] is not None]
                if len(scored) < 2:
                    continue
                low = min(scored, key=lambda t: t[0])
                high = max(scored, key=lambda t: t[0])
                size = high[0] - low[0]
                if size < smallest:
                    continue
                respondents = [high[1]["respondents"], low[1]["respondents"]]
                found.append(
                    {
                        "audience_label": b["audience_label"],
                        "dimension": dimension["title"],
                        "question": g["question"],
                        "high": high[1]["label"],
                        "high_score": fmt.score(high[0]),
                        "high_n": high[1]["respondents"],
                        "low": low[1]["label"],
                        "low_score": fmt.score(low[0]),
                        "low_n": low[1]["respondents"],
                        "size": size,
                        "size_text": str(int(fmt.score(high[0])) - int(fmt.score(low[0]))),
                        "small": any(precision.is_small(n) for n in respondents),
                    }
                )
    found.sort(key=lambda f: -f["size"])
    return found[:limit]


def segments_section(
    results: Results, instrument: Instrument, rows: list[dict[str, Any]]
) -> SegmentsSection:
    cut = results.parameters.quadrant_cut
    breakdowns = segment_breakdowns(results, instrument, rows)
    return SegmentsSection(
        breakdowns=[{**b, "chart": charts.heatmap(b, cut)} for b in breakdowns],
        legend=charts.heat_legend(cut),
        differences=segment_differences(breakdowns),
    )


def outcome_rows(results: Results) -> dict[str, list[dict[str, Any]]]:
    """Customer equity and loyalty outcomes with labels; missing outcomes are left out."""

    def row(key: str) -> dict[str, Any] | None:
        found = results.outcomes.get(key)
        if found is None:
            return None
        label, statement = wording.OUTCOME_LABELS[key]
        return {**found.to_dict(), "label": label, "statement": statement}

    equity = [
        r for r in (row(k) for k in ("value_equity", "brand_equity", "relationship_equity")) if r
    ]
    loyalty = [r for r in (row(k) for k in ("stay_by_choice", "stay_hostage")) if r]
    return {"equity": equity, "loyalty": loyalty}


def loyalty_rest(loyalty: list[dict[str, Any]]) -> str:
    """What the customers outside the two loyalty shares are.

    The two statements are asked separately, so the shares need not add up and a
    customer may agree with both; what each share leaves out is the customers who
    were neutral about that statement or disagreed with it.
    """
    shares = {r["outcome"]: r for r in loyalty if r.get("top_box") is not None}
    choice, hostage = shares.get("stay_by_choice"), shares.get("stay_hostage")
    if choice is None or hostage is None:
        return ""
    rest_choice = 100 - round(choice["top_box"] * 100)
    rest_hostage = 100 - round(hostage["top_box"] * 100)
    return (
        f"The two statements are asked separately, so the shares need not add up: "
        f"{rest_choice}% of customers do not say they stay by choice, and {rest_hostage}% "
        "do not say that leaving is hard keeps them (they were neutral or disagreed). "
        "Those who say neither give no reason to stay: nothing in these answers holds "
        "them when a better offer comes."
    )


def outcomes_section(results: Results, instrument: Instrument) -> OutcomesSection:
    outcomes = outcome_rows(results)
    loyalty = [
        {**row, "colour": colours.LOYALTY_COLOURS[row["outcome"]]} for row in outcomes["loyalty"]
    ]
    customers = results.audiences.get("customer")
    return OutcomesSection(
        loyalty_rest=loyalty_rest(loyalty),
        small_sample=(
            precision.small_sample_note(results.nps.n or customers.responses, "customers")
            if customers is not None and not customers.suppressed else ""
        ),
        nps=results.nps.to_dict(),
        nps_chart=charts.nps_bar(results.nps.to_dict()),
        nps_suppressed=results.nps.suppressed and customers is not None
        and bool(customers.responses),
        customers_asked=Audience.CUSTOMER in instrument.questionnaires,
        equity=outcomes["equity"],
        equity_shown=any(r["top_box"] is not None for r in outcomes["equity"]),
        equity_chart=charts.share_bars(outcomes["equity"]),
        loyalty=loyalty,
        loyalty_shown=any(r["top_box"] is not None for r in loyalty),
        loyalty_chart=charts.share_bars(loyalty),
    )


def _change_cell(change: precision.Change | None, text: str) -> dict[str, Any]:
    """A change as printed, with its 95% interval and whether it exceeds it."""
    if change is None:
        return {"text": fmt.DASH, "interval": "", "is_clear": False}
    interval = ""
    if change.low is not None and change.high is not None:
        interval = f"{fmt.gap(change.low)} to {fmt.gap(change.high)}"
    return {"text": text, "interval": interval, "is_clear": change.clear}


def trend_section(
    results: Results, rows: list[dict[str, Any]], previous: Results,
    engagement: str, fieldwork: str, label: str,
) -> TrendSection:
    """The previous engagement against now: headline measures, then dimension by
    dimension, each change with its 95% interval (docs/report.md, "Trend").

    Beside each change the two values it is the difference of are printed with
    one decimal (shares as whole percentages and the change in points of those),
    so a reader who subtracts gets the printed change (rule 16).
    """
    now, then = results.position, previous.position
    cuts = (results.parameters.quadrant_cut,)
    by_id_now = {d.id: d for d in results.dimensions}
    by_id_then = {d.id: d for d in previous.dimensions}

    def index_parts(source: Results, audience: str, lens: str) -> list[
        tuple[DimensionScore | None, float]
    ]:
        return [(getattr(d, audience), d.weight) for d in source.dimensions if d.lens == lens]

    def measure(name: str, before: str, current: str,
                change: dict[str, Any] | None = None) -> dict[str, Any]:
        """A row of the summary table; ``change`` None: the row has no change column."""
        return {"name": name, "previous": before, "current": current, "change": change}

    def score_row(name: str, before: float | None, current: float | None,
                  change: precision.Change | None) -> dict[str, Any]:
        return measure(
            name, fmt.score1(before, cuts), fmt.score1(current, cuts),
            _change_cell(change, fmt.difference(current, before, cuts)),
        )

    ends_audience = "staff" if now.self_rated else "customer"
    outcomes_now, outcomes_then = results.outcomes, previous.outcomes

    def share_row(name: str, key: str) -> dict[str, Any] | None:
        a, b = outcomes_then.get(key), outcomes_now.get(key)
        if a is None and b is None:
            return None
        before = None if a is None else a.top_box
        current = None if b is None else b.top_box
        change = precision.share_change(
            before, None if a is None else a.n, current, None if b is None else b.n
        )
        cell = _change_cell(change, fmt.points(current, before))
        if change is not None and change.low is not None and change.high is not None:
            cell["interval"] = (
                f"{fmt.gap(change.low * 100)} to {fmt.gap(change.high * 100)}"
            )
        return measure(name, fmt.percent(before), fmt.percent(current), cell)

    summary = [
        score_row("Means (staff)", then.means, now.means, precision.index_change(
            index_parts(previous, "staff", "means"), index_parts(results, "staff", "means"))),
        score_row("Ends" if now.self_rated else "Ends (customers)", then.ends, now.ends,
                  precision.index_change(index_parts(previous, ends_audience, "ends"),
                                         index_parts(results, ends_audience, "ends"))),
        measure("Quadrant", then.quadrant_label or "–", now.quadrant_label or "–"),
        measure("Maturity level", str(then.maturity_level or "–"),
                str(now.maturity_level or "–")),
        score_row("Net Promoter Score", previous.nps.score, results.nps.score,
                  precision.nps_change(previous.nps, results.nps)),
    ]
    summary += [
        row for row in (
            share_row("Stay by choice", "stay_by_choice"),
            share_row("Stay because leaving is hard", "stay_hostage"),
        ) if row is not None
    ]
    trend = results.trend or {}
    dimension_rows = []
    for r in rows:
        if r["id"] not in trend:
            continue
        entry = {"id": r["id"], "title": r["title"], "lens": r["lens"],
                 **trend[r["id"]].to_dict()}
        for audience in ("staff", "customer"):
            a = by_id_then.get(r["id"])
            b = by_id_now.get(r["id"])
            change = precision.score_change(
                None if a is None else getattr(a, audience),
                None if b is None else getattr(b, audience),
            )
            before, current = entry[f"{audience}_previous"], entry[f"{audience}_current"]
            entry[f"{audience}_previous_text"] = fmt.score1(before, cuts)
            entry[f"{audience}_current_text"] = fmt.score1(current, cuts)
            cell = _change_cell(change, fmt.difference(current, before, cuts))
            half = None if change is None else change.half_width
            cell["margin"] = "" if half is None else f"±{half:.1f}"
            entry[f"{audience}_change_cell"] = cell
        dimension_rows.append(entry)
    return TrendSection(
        engagement=engagement,
        fieldwork=fieldwork,
        label=label,
        summary=summary,
        rows=dimension_rows,
    )


def alpha_rows(
    rows: list[dict[str, Any]], instrument: Instrument, states: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Cronbach's alpha per dimension and audience with the number of items behind it."""
    table = []
    for r in rows:
        entry = {"id": r["id"], "title": r["title"], "lens": r["lens"]}
        for audience in ("staff", "customer"):
            part = r.get(audience)
            items = len(instrument.dimension_items(r["id"], Audience(audience)))
            if part is None:
                entry[audience] = None
                continue
            suppressed = part.get("suppressed", False)
            if states is not None and states.get(audience) == "none":
                text = "–"
            elif suppressed:
                text = "suppressed"
            else:
                text = fmt.alpha(part.get("alpha"))
            entry[audience] = {
                "alpha": part.get("alpha"),
                "item_count": items,
                "suppressed": suppressed,
                "text": text,
            }
        table.append(entry)
    return table


def methodology_section(
    rows: list[dict[str, Any]], instrument: Instrument, states: dict[str, str]
) -> Methodology:
    return Methodology(
        alphas=alpha_rows(rows, instrument, states),
        scales_text=", ".join(f"{s.min}–{s.max}" for s in instrument.scales),
    )
