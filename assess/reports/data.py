"""The report's data: what the report templates (screen and PDF) receive.

Templates never see ORM objects. :func:`report_data` reads what the report needs
from the database (the engagement's settings, its comments) and has each section
built from the typed results by :mod:`assess.reports.sections`. The previous
engagement and its results are handed in by the caller, who looked them up and
scored them once (:func:`assess.results.service.scored_engagement`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.schema import Instrument
from assess.reports import colours, patterns, sections, wording
from assess.reports import format as fmt
from assess.reports.settings import COLOUR, engagement_logo
from assess.reports.story import Story, compose_story
from assess.respondents.models import Comment, Response, counted_response
from assess.results.participation import invited_counts, response_rate
from assess.scoring import Results
from assess.scoring.model import AUDIENCE_LABELS

REPORT_KIND = "Customer-centricity gap report"
DEFAULT_ACCENT = colours.DEFAULT_ACCENT


@dataclass(frozen=True)
class Report:
    """Everything the report shows, section by section, as finished values."""

    kind: str
    language: str
    title: str
    organisation: str
    engagement: str
    engagement_id: int
    prepared_by: str
    accent: dict[str, str]
    #: The logo's ``media_type`` and ``sha256`` (its bytes stay in the database
    #: until the PDF's fetcher reads them), or None.
    logo: dict[str, str] | None
    generated_on: str
    fieldwork: str
    status: str
    instrument: dict[str, Any]
    #: The scoring parameters and the report thresholds, some as text.
    parameters: dict[str, Any]
    anonymity_threshold: int
    position: dict[str, Any]
    perception: dict[str, Any] | None
    audience_rows: list[dict[str, Any]]
    #: The staff and customer colours of the charts.
    palette: dict[str, str]
    limitations: list[dict[str, str]]
    dimensions: list[dict[str, Any]]
    summary: sections.Summary
    map: sections.MapSection
    dimension_section: sections.DimensionsSection
    pairs: sections.PairsSection
    segments: sections.SegmentsSection
    outcomes: sections.OutcomesSection
    recommendations: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    trend: sections.TrendSection | None
    methodology: sections.Methodology
    #: True when the comments were left out (a share link made without them).
    comments_withheld: bool = False
    #: While fieldwork is open: the interim mark on every page, with the date of
    #: the latest response counted (None once the engagement is closed).
    interim: dict[str, str] | None = None
    #: The executive summary's story: verdict, findings and board actions
    #: (:mod:`assess.reports.story`).
    story: Story | None = None


def long_date(value: date | None) -> str:
    return "" if value is None else f"{value.day} {value:%B %Y}"


def fieldwork(engagement: Engagement) -> str:
    if engagement.opened_on is None:
        return "not started"
    if engagement.closed_on is None:
        return f"{long_date(engagement.opened_on)} – ongoing"
    return f"{long_date(engagement.opened_on)} – {long_date(engagement.closed_on)}"


def interim_mark(engagement: Engagement) -> dict[str, str] | None:
    """The interim mark of a report made while the engagement is open: the date of
    the latest submitted response it counts, so a PDF kept from fieldwork says
    how far it goes. None for a draft or closed engagement."""
    if engagement.status != Status.OPEN:
        return None
    latest = db.session.scalar(
        select(func.max(Response.submitted_on)).where(
            Response.engagement_id == engagement.id, counted_response()
        )
    )
    counted = (
        f"responses received up to {long_date(latest)}" if latest else "no responses yet"
    )
    return {
        "text": f"Interim report: fieldwork is still open; {counted}.",
        "short": f"Interim report · {counted}",
        "latest": long_date(latest) if latest else "",
    }


def audience_summary(
    engagement: Engagement, results: Results, instrument: Instrument
) -> list[dict[str, Any]]:
    """Responses and response rates per audience the instrument asks (the number
    invited: :mod:`assess.results.participation`)."""
    invited = invited_counts([engagement])[engagement.id]
    rows = []
    for audience in instrument.audiences():
        key = str(audience)
        result = results.audiences.get(key)
        responses = 0 if result is None else result.responses
        expected = invited[key]
        rate = response_rate(responses, expected)
        rows.append(
            {
                "id": key,
                "label": AUDIENCE_LABELS[key],
                "responses": responses,
                "suppressed": True if result is None else result.suppressed,
                "invited": expected,
                "rate": rate,
            }
        )
    return rows


def visible_comments(
    engagement_id: int, results: Results, instrument: Instrument
) -> list[dict[str, Any]]:
    """Open-question answers per audience, shown only for audiences of at least
    twice the anonymity threshold (scoring rule 14). See
    :func:`patterns.collapse_comments` for their order."""
    needed = results.parameters.comment_threshold
    groups = []
    for audience in instrument.audiences():
        key = str(audience)
        questions = instrument.questionnaires[audience].open_questions
        if not questions:
            continue
        result = results.audiences.get(key)
        shown = patterns.comments_shown(result, needed)
        by_question: dict[str, list[str]] = {q.id: [] for q in questions}
        if shown:
            rows = db.session.execute(
                select(Comment.question_id, Comment.text)
                .join(Response, Response.id == Comment.response_id)
                .where(
                    Response.engagement_id == engagement_id,
                    counted_response(),  # rule 1, amended
                    Response.audience == audience,
                )
            )
            for question_id, text in rows:
                if question_id in by_question:
                    by_question[question_id].append(text or "")
        questions_shown = []
        for q in questions:
            comments = patterns.collapse_comments(by_question[q.id])
            total = sum(c["count"] for c in comments)
            questions_shown.append(
                {
                    "id": q.id,
                    "text": instrument.text(q.text),
                    "total": total,
                    "total_text": wording.plural(total, "comment"),
                    "comments": comments,
                }
            )
        groups.append(
            {
                "audience": key,
                "label": AUDIENCE_LABELS[key],
                "shown": shown,
                "responses": 0 if result is None else result.responses,
                "needed": needed,
                "questions": questions_shown,
            }
        )
    return groups


def report_data(
    engagement: Engagement,
    results: Results,
    *,
    previous: tuple[Engagement, Results] | None = None,
    today: date | None = None,
    with_comments: bool = True,
) -> Report:
    """Everything the report shows, built once from the typed results.

    ``previous`` is the organisation's previous engagement on the same instrument
    with its results (those ``results`` were scored against); without it, or
    when the results carry no trend, the report has no trend section.
    ``with_comments=False`` leaves the open answers out (a share link made without
    them): the comments section then says only that they are not included.
    """
    instrument = engagement.instrument()
    thresholds = patterns.Thresholds.of(instrument)
    parameters = results.parameters.to_dict()
    parameters.update(
        blind_spot_gap=thresholds.blind_spot_gap,
        low_score=thresholds.low_score,
        strength_score=thresholds.strength_score,
        significance=patterns.SIGNIFICANCE,
        maturity_cuts_text=", ".join(fmt.score(c) for c in parameters["maturity_cuts"]),
        # Every cut a position is judged against: a coordinate just below one
        # keeps a decimal where it is printed (rule 16).
        cuts=(results.parameters.quadrant_cut, *results.parameters.maturity_cuts),
    )
    rows = sections.dimension_rows(results.dimensions, instrument)
    pairs = sections.pair_rows(results.pairs, instrument)
    perception = patterns.perception_gap(results)
    states = sections.audience_states(results)
    audiences = audience_summary(engagement, results, instrument)
    has_results = any(a["responses"] and not a["suppressed"] for a in audiences)
    maturity = sections.maturity_levels(results, instrument)

    trend = None
    earlier_results = None
    if previous is not None and results.trend is not None:
        earlier, earlier_results = previous
        trend = sections.trend_section(
            results,
            rows,
            earlier_results,
            engagement=earlier.name,
            fieldwork=fieldwork(earlier),
            label=str((earlier.opened_on or earlier.created_on).year),
        )

    comments = visible_comments(engagement.id, results, instrument) if with_comments else []
    story = compose_story(
        results, instrument, previous=earlier_results,
        previous_label=trend.label if trend else "",
        # Only comments shown in the report may be quoted as evidence.
        comments={
            q["id"]: q["comments"]
            for group in comments if group["shown"]
            for q in group["questions"]
        },
    )
    # Section 7 opens with the summary's board actions, then the rest of the library.
    recommendations = sections.select_recommendations(
        rows, instrument, board=story.actions
    )
    logo = engagement_logo(engagement.id)
    accent = (engagement.accent_colour or "").lower()
    if not COLOUR.fullmatch(accent):
        accent = DEFAULT_ACCENT
    organisation = engagement.organisation.name
    return Report(
        kind=REPORT_KIND,
        language=instrument.default_language,
        title=f"{REPORT_KIND}: {organisation}",
        organisation=organisation,
        engagement=engagement.name,
        engagement_id=engagement.id,
        prepared_by=engagement.prepared_by or organisation,
        accent=colours.accent_shades(accent).as_dict(),
        logo=None if logo is None else {"media_type": logo.media_type, "sha256": logo.sha256},
        generated_on=long_date(today or date.today()),
        fieldwork=fieldwork(engagement),
        status=str(engagement.status),
        instrument={
            "id": instrument.id,
            "version": instrument.version,
            "title": instrument.text(instrument.title),
            "description": instrument.text(instrument.description),
        },
        parameters=parameters,
        anonymity_threshold=results.parameters.anonymity_threshold,
        position=results.position.to_dict(),
        perception=perception,
        audience_rows=audiences,
        palette={"staff": colours.STAFF_COLOUR, "customer": colours.CUSTOMER_COLOUR,
                 "previous": colours.PREVIOUS_COLOUR,
                 "staff_text": colours.readable_on_white(colours.STAFF_COLOUR)},
        limitations=wording.limitations(results, instrument),
        dimensions=rows,
        summary=sections.summary_section(results, instrument, has_results),
        map=sections.map_section(results, perception, maturity, trend, earlier_results),
        dimension_section=sections.dimensions_section(
            results, rows, states, thresholds.blind_spot_gap
        ),
        pairs=sections.pairs_section(pairs, results),
        segments=sections.segments_section(results, instrument, rows),
        outcomes=sections.outcomes_section(results, instrument),
        recommendations=recommendations,
        comments=comments,
        trend=trend,
        methodology=sections.methodology_section(rows, instrument, states),
        comments_withheld=not with_comments,
        interim=interim_mark(engagement),
        story=story,
    )
