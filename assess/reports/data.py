"""Plain report data: what the report templates (screen and PDF) receive.

Templates never see ORM objects. :func:`report_data` reads what the report needs
from the database (the engagement's settings, comments, the previous
engagement) and hands the scoring results to the pure functions of
:mod:`assess.reports.findings` and :mod:`assess.reports.charts`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from assess.engagements.models import Engagement
from assess.engagements.services import previous_engagement
from assess.extensions import db
from assess.instruments.schema import Audience, Instrument
from assess.reports import charts, findings
from assess.reports import format as fmt
from assess.reports.settings import COLOUR, engagement_logo
from assess.respondents.models import Comment, Response, ResponseStatus
from assess.results.service import engagement_results
from assess.scoring import Results

REPORT_KIND = "Customer-centricity gap report"
DEFAULT_ACCENT = "#1f4e79"


def long_date(value: date | None) -> str:
    return "" if value is None else f"{value.day} {value:%B %Y}"


def fieldwork(engagement: Engagement) -> str:
    if engagement.opened_on is None:
        return "not started"
    if engagement.closed_on is None:
        return f"{long_date(engagement.opened_on)} – ongoing"
    return f"{long_date(engagement.opened_on)} – {long_date(engagement.closed_on)}"


def audience_summary(
    engagement: Engagement, document: dict[str, Any], instrument: Instrument
) -> list[dict[str, Any]]:
    """Responses and response rates per audience the instrument asks."""
    invited = {"staff": engagement.staff_invited, "customer": engagement.customer_invited}
    rows = []
    for audience in instrument.audiences():
        key = str(audience)
        result = document["audiences"].get(key) or {"responses": 0, "suppressed": True}
        expected = invited[key]
        rate = result["responses"] / expected if expected else None
        rows.append(
            {
                "id": key,
                "label": findings.AUDIENCE_LABELS[key],
                "responses": result["responses"],
                "suppressed": result["suppressed"],
                "invited": expected,
                "rate": rate,
            }
        )
    return rows


def visible_comments(
    engagement_id: int, document: dict[str, Any], instrument: Instrument
) -> list[dict[str, Any]]:
    """Open-question answers per audience, shown only for audiences of at least
    twice the anonymity threshold (scoring rule 14). See
    :func:`findings.collapse_comments` for their order."""
    needed = document["parameters"]["comment_threshold"]
    groups = []
    for audience in instrument.audiences():
        key = str(audience)
        questions = instrument.questionnaires[audience].open_questions
        if not questions:
            continue
        result = document["audiences"].get(key) or {"responses": 0, "suppressed": True}
        shown = findings.comments_shown(result, needed)
        by_question: dict[str, list[str]] = {q.id: [] for q in questions}
        if shown:
            rows = db.session.execute(
                select(Comment.question_id, Comment.text)
                .join(Response, Response.id == Comment.response_id)
                .where(
                    Response.engagement_id == engagement_id,
                    Response.status == ResponseStatus.SUBMITTED,
                    Response.audience == audience,
                )
            )
            for question_id, text in rows:
                if question_id in by_question:
                    by_question[question_id].append(text or "")
        groups.append(
            {
                "audience": key,
                "label": findings.AUDIENCE_LABELS[key],
                "shown": shown,
                "responses": result["responses"],
                "needed": needed,
                "questions": [
                    {
                        "id": q.id,
                        "text": instrument.text(q.text),
                        "total": sum(c["count"] for c in comments),
                        "comments": comments,
                    }
                    for q in questions
                    for comments in [findings.collapse_comments(by_question[q.id])]
                ],
            }
        )
    return groups


def report_data(
    engagement: Engagement,
    results: Results,
    *,
    previous: tuple[Engagement, Results] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as plain data.

    ``previous`` is the organisation's previous engagement on the same instrument
    with its results; it is looked up when the results carry a trend and it is
    not given.
    """
    instrument = engagement.instrument()
    document = results.to_dict()
    parameters = dict(document["parameters"])
    thresholds = findings.Thresholds.of(instrument)
    parameters.update(
        blind_spot_gap=thresholds.blind_spot_gap,
        low_score=thresholds.low_score,
        strength_score=thresholds.strength_score,
        significance=findings.SIGNIFICANCE,
        maturity_cuts_text=", ".join(fmt.score(c) for c in parameters["maturity_cuts"]),
    )
    cut = parameters["quadrant_cut"]
    rows = findings.dimension_rows(document, instrument)
    pairs = findings.pair_rows(document, instrument)
    perception = findings.perception_gap(document)

    if previous is None and document.get("trend") is not None:
        earlier = previous_engagement(engagement)
        if earlier is not None:
            previous = (earlier, engagement_results(earlier, with_previous=False))
    trend = None
    previous_position = None
    if previous is not None and document.get("trend") is not None:
        earlier, earlier_results = previous
        earlier_document = earlier_results.to_dict()
        previous_position = earlier_document["position"]
        trend = {
            "engagement": earlier.name,
            "fieldwork": fieldwork(earlier),
            "label": str((earlier.opened_on or earlier.created_on).year),
            "rows": findings.trend_rows(document, rows),
            "position": previous_position,
            "nps": earlier_document["nps"],
            "hostage_share": earlier_document["hostage_share"],
            "audiences": earlier_document["audiences"],
        }

    logo = engagement_logo(engagement.id)
    accent = (engagement.accent_colour or "").lower()
    if not COLOUR.fullmatch(accent):
        accent = DEFAULT_ACCENT
    organisation = engagement.organisation.name
    lenses = [
        {
            "id": lens,
            "title": findings.LENS_TITLES[lens],
            "question": findings.LENS_QUESTIONS[lens],
            "dimensions": [
                {**r, "chart": charts.dumbbell(r, cut)} for r in rows if r["lens"] == lens
            ],
        }
        for lens in ("means", "ends")
    ]
    breakdowns = findings.segment_breakdowns(document, instrument, rows)
    for breakdown in breakdowns:
        breakdown["chart"] = charts.heatmap(breakdown, cut)
    outcomes = findings.outcome_rows(document)
    for row in outcomes["loyalty"]:
        row["colour"] = charts.GREEN if row["outcome"] == "stay_by_choice" else charts.VERMILLION
    audiences = audience_summary(engagement, document, instrument)
    return {
        "kind": REPORT_KIND,
        "language": instrument.default_language,
        "title": f"{REPORT_KIND}: {organisation}",
        "organisation": organisation,
        "engagement": engagement.name,
        "engagement_id": engagement.id,
        "prepared_by": engagement.prepared_by or organisation,
        "accent": {
            "colour": accent,
            "text": charts.readable_on_white(accent),
            "ink": charts.ink_for(accent),
        },
        "logo": None if logo is None else {"path": str(logo.path), "media_type": logo.media_type},
        "generated_on": long_date(today or date.today()),
        "fieldwork": fieldwork(engagement),
        "status": str(engagement.status),
        "instrument": {
            "id": instrument.id,
            "version": instrument.version,
            "title": instrument.text(instrument.title),
            "description": instrument.text(instrument.description),
            "scales": [
                {"id": s.id, "min": s.min, "max": s.max} for s in instrument.scales
            ],
        },
        "parameters": parameters,
        "anonymity_threshold": parameters["anonymity_threshold"],
        "audiences": document["audiences"],
        "audience_rows": audiences,
        "has_results": any(a["responses"] and not a["suppressed"] for a in audiences),
        # Per audience: "results", "suppressed" (too few to show) or "none" (nobody yet).
        "audience_state": {
            key: (
                "none" if not result["responses"]
                else "suppressed" if result["suppressed"] else "results"
            )
            for key, result in document["audiences"].items()
        },
        "position": document["position"],
        "perception": perception,
        "near_cut": findings.near_cut(document["position"], cut),
        "maturity": findings.maturity_levels(document, instrument),
        "quadrants": findings.QUADRANTS,
        "indices": document["indices"],
        "nps": document["nps"],
        "hostage_share": document["hostage_share"],
        "outcomes": outcomes,
        "dimensions": rows,
        "lenses": lenses,
        "blind_spots": findings.blind_spots(rows),
        "hidden_strengths": findings.hidden_strengths(rows),
        "pairs": [{**p, "chart": charts.pair_bars(p)} for p in pairs],
        "headline": findings.headline_pair(pairs),
        "segments": breakdowns,
        "recommendations": findings.select_recommendations(rows, instrument),
        "comments": visible_comments(engagement.id, document, instrument),
        "trend": trend,
        "alphas": findings.alpha_rows(rows, instrument),
        "limitations": findings.limitations(document, instrument),
        "customers_asked": Audience.CUSTOMER in instrument.questionnaires,
        "charts": {
            "map": charts.map_chart(
                document["position"],
                perception,
                cut,
                previous_position,
                trend["label"] if trend else "",
            ),
            "radar": charts.radar_chart(rows, cut),
            "axis": charts.dumbbell_axis(cut),
            "nps": charts.nps_bar(document["nps"]),
            "equity": charts.share_bars(outcomes["equity"]),
            "loyalty": charts.share_bars(outcomes["loyalty"]),
            "heat_legend": charts.heat_legend(cut),
        },
    }
