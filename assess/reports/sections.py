"""The report's sections, each built once from the typed :class:`Results`.

One builder per section of ``templates/report/_body.html``; each returns a
frozen dataclass of finished values (numbers, formatted text, chart geometry),
so the templates compute nothing and re-apply no rule. Pure: the database reads
(comments, settings, the previous engagement) happen in
:mod:`assess.reports.data`, which calls these builders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assess.instruments.schema import Audience, Instrument
from assess.reports import charts, colours, patterns, wording
from assess.reports import format as fmt
from assess.reports.patterns import BLIND_SPOT, LOW, STRENGTH, Thresholds, audience_score
from assess.scoring import DimensionResult, PairResult, Results
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
        rows.append(
            {
                **row,
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
    """Paired items with both wordings, largest absolute gaps first (no-gap pairs last)."""
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
            }
        )
    return sorted(
        rows, key=lambda r: (r["gap"] is None, -abs(r["gap"]) if r["gap"] is not None else 0)
    )


def headline_pair(pairs: list[dict[str, Any]], tolerance: float = 0.10) -> dict[str, Any] | None:
    """The headline pair (:func:`patterns.headline_choice`) with its sentence's words."""
    chosen = patterns.headline_choice(pairs, tolerance)
    return None if chosen is None else wording.headline(chosen)


def select_recommendations(
    rows: list[dict[str, Any]], instrument: Instrument
) -> list[dict[str, Any]]:
    """The instrument's recommendations that the results call for, most pressing first.

    A dimension's blind-spot and low-score advice comes first, ordered by
    :func:`patterns.urgency` (gap size, then distance below the low mark); advice to
    protect strengths follows, highest customer score first. Each recommendation
    carries the evidence that triggered it.
    """
    thresholds = Thresholds.of(instrument)
    act: list[tuple[float, int, dict[str, Any]]] = []
    protect: list[tuple[float, int, dict[str, Any]]] = []
    for order, row in enumerate(rows):
        library = instrument.recommendations.get(row["id"])
        if library is None:
            continue
        seen: set[str] = set()
        staff, customer = audience_score(row, "staff"), audience_score(row, "customer")
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
                    "pattern_label": wording.PATTERN_LABELS[pattern],
                    "title": title,
                    "text": instrument.text(advice.text),
                    "evidence": wording.evidence(row, pattern, thresholds, staff, customer),
                    "pressing": pattern != STRENGTH and patterns.is_pressing(row, thresholds),
                }
                if pattern == STRENGTH:
                    protect.append((-patterns.strength_score(row), order, entry))
                else:
                    act.append((-patterns.urgency(row, thresholds), order, entry))
    chosen = [e for *_, e in sorted(act, key=lambda t: t[:2])]
    chosen += [e for *_, e in sorted(protect, key=lambda t: t[:2])]
    for rank, entry in enumerate(chosen, start=1):
        entry["rank"] = rank
        entry["priority"] = wording.priority(entry["pattern"], entry.pop("pressing"))
    return chosen


def audience_cell(part: dict[str, Any] | None, state: str) -> dict[str, Any]:
    """A score cell of the dimension tables: its text and whether it is a mere note."""
    if part is None:
        return {"text": "not asked", "muted": True}
    if state == "none":
        return {"text": "no responses", "muted": True}
    if part["suppressed"]:
        return {"text": "suppressed", "muted": True}
    if part["score"] is None:
        return {"text": "no answers", "muted": True}
    return {"text": fmt.score(part["score"]), "muted": False}


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
    """1 Executive summary."""

    has_position: bool
    has_results: bool
    maturity_count: int
    maturity_description: str
    near_cut: list[str]
    headline: dict[str, Any] | None
    blind_spots: list[dict[str, Any]]
    hidden_strengths: list[dict[str, Any]]
    customer_results: bool
    nps_note: str
    hostage_share: float | None
    hostage_note: str
    priorities: list[dict[str, Any]]
    significance_footnote: bool


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
    radar: dict[str, Any]
    customers_skip_some: bool


@dataclass(frozen=True)
class PairsSection:
    """4 Paired statements."""

    rows: list[dict[str, Any]]
    has_gaps: bool


@dataclass(frozen=True)
class SegmentsSection:
    """5 Segments."""

    breakdowns: list[dict[str, Any]]
    legend: dict[str, Any]


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


@dataclass(frozen=True)
class TrendSection:
    """9 Trend: the previous engagement, then now, then the change."""

    engagement: str
    fieldwork: str
    label: str
    summary: list[dict[str, str | None]]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Methodology:
    """10 Methodology."""

    alphas: list[dict[str, Any]]
    scales_text: str


def summary_section(
    results: Results, instrument: Instrument, rows: list[dict[str, Any]],
    pairs: list[dict[str, Any]], recommendations: list[dict[str, Any]],
    has_results: bool, maturity: list[dict[str, Any]],
) -> Summary:
    position = results.position
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

    blind_spots = patterns.blind_spots(rows)
    hidden_strengths = patterns.hidden_strengths(rows)
    return Summary(
        has_position=position.means is not None and position.ends is not None,
        has_results=has_results,
        maturity_count=len(maturity),
        maturity_description=next(
            (level["description"] for level in maturity if level["current"]), ""
        ),
        near_cut=wording.near_cut(position, cut),
        headline=headline_pair(pairs),
        blind_spots=blind_spots,
        hidden_strengths=hidden_strengths,
        customer_results=patterns.has_results(customers),
        nps_note=customer_note(results.nps.suppressed),
        hostage_share=results.hostage_share,
        hostage_note=customer_note(False),
        priorities=[r for r in recommendations if r["pattern"] != STRENGTH][:3],
        significance_footnote=bool(blind_spots or hidden_strengths),
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


def dimensions_section(
    results: Results, rows: list[dict[str, Any]], states: dict[str, str]
) -> DimensionsSection:
    cut = results.parameters.quadrant_cut
    lenses = [
        {
            "id": lens,
            "title": wording.LENS_TITLES[lens],
            "question": wording.LENS_QUESTIONS[lens],
            "dimensions": [
                {
                    **r,
                    "chart": charts.dumbbell(r, cut),
                    "staff_cell": audience_cell(r["staff"], states.get("staff", "none")),
                    "customer_cell": audience_cell(
                        r["customer"], states.get("customer", "none")
                    ),
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
        radar=charts.radar_chart(rows, cut),
        customers_skip_some=any(r["customer"] is None for r in rows),
    )


def pairs_section(pairs: list[dict[str, Any]]) -> PairsSection:
    return PairsSection(
        rows=[{**p, "chart": charts.pair_bars(p)} for p in pairs],
        has_gaps=any(p["gap"] is not None for p in pairs),
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
                    "scores": [audience_score(r, key) for r in dimensions],
                },
                "groups": groups,
                "suppressed_groups": suppressed_groups,
                "all_suppressed": suppressed,
                "title": (
                    f"Heatmap of {label.lower()} dimension scores by group, for "
                    f"{len(groups)} segment question{'s' if len(groups) != 1 else ''}"
                    + (
                        f"; {suppressed_groups} group"
                        f"{'s are' if suppressed_groups != 1 else ' is'} suppressed for anonymity"
                        if suppressed_groups
                        else ""
                    )
                    + "."
                ),
            }
        )
    return breakdowns


def segments_section(
    results: Results, instrument: Instrument, rows: list[dict[str, Any]]
) -> SegmentsSection:
    cut = results.parameters.quadrant_cut
    breakdowns = segment_breakdowns(results, instrument, rows)
    return SegmentsSection(
        breakdowns=[{**b, "chart": charts.heatmap(b, cut)} for b in breakdowns],
        legend=charts.heat_legend(cut),
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


def outcomes_section(results: Results, instrument: Instrument) -> OutcomesSection:
    outcomes = outcome_rows(results)
    loyalty = [
        {**row, "colour": colours.LOYALTY_COLOURS[row["outcome"]]} for row in outcomes["loyalty"]
    ]
    customers = results.audiences.get("customer")
    return OutcomesSection(
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


def trend_section(
    results: Results, rows: list[dict[str, Any]], previous: Results,
    engagement: str, fieldwork: str, label: str,
) -> TrendSection:
    """The previous engagement against now: measures, then dimension by dimension."""
    now, then = results.position, previous.position

    def measure(name: str, before: str, current: str, difference: float | None = None,
                with_change: bool = True) -> dict[str, str | None]:
        """A row of the summary table; ``change`` None: the row has no change column."""
        text = None if not with_change else "–" if difference is None else fmt.change(difference)
        return {"name": name, "previous": before, "current": current, "change": text}

    summary = [
        measure("Means (staff)", fmt.score(then.means), fmt.score(now.means),
                patterns.change(now.means, then.means)),
        measure("Ends" if now.self_rated else "Ends (customers)", fmt.score(then.ends),
                fmt.score(now.ends), patterns.change(now.ends, then.ends)),
        measure("Quadrant", then.quadrant_label or "–", now.quadrant_label or "–",
                with_change=False),
        measure("Maturity level", str(then.maturity_level or "–"),
                str(now.maturity_level or "–"), with_change=False),
        measure("Net Promoter Score", fmt.score(previous.nps.score), fmt.score(results.nps.score),
                patterns.change(results.nps.score, previous.nps.score)),
        measure("Stay because leaving is hard", fmt.percent(previous.hostage_share),
                fmt.percent(results.hostage_share), with_change=False),
    ]
    trend = results.trend or {}
    return TrendSection(
        engagement=engagement,
        fieldwork=fieldwork,
        label=label,
        summary=summary,
        rows=[
            {"id": r["id"], "title": r["title"], "lens": r["lens"], **trend[r["id"]].to_dict()}
            for r in rows
            if r["id"] in trend
        ],
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
