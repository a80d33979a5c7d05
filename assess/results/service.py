"""From stored responses to the scoring core's plain inputs, and back to results."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from assess.engagements.models import Engagement
from assess.engagements.services import previous_engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents.models import Answer, Response, ResponseStatus, SegmentAnswer
from assess.results import statistics_sql
from assess.results.spec import spec_for
from assess.scoring import InstrumentSpec, Respondent, Results, Statistics, score

__all__ = [
    "engagement_results",
    "engagement_statistics",
    "response_counts",
    "results_document",
    "spec_for",
    "submitted_respondents",
]


def submitted_respondents(engagement_id: int) -> list[Respondent]:
    """Every submitted response of the engagement as a plain Respondent.

    The results use :func:`engagement_statistics` instead (the same numbers,
    computed in the database); this one-by-one form serves the cross-checks.
    """
    submitted = (
        select(Response.id, Response.audience)
        .where(
            Response.engagement_id == engagement_id,
            Response.status == ResponseStatus.SUBMITTED,
        )
    )
    audience_of = {rid: str(aud) for rid, aud in db.session.execute(submitted)}
    answers: dict[int, dict[str, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(Answer.response_id, Answer.item_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.engagement_id == engagement_id,
            Response.status == ResponseStatus.SUBMITTED,
            Answer.value.is_not(None),
        )
    )
    for response_id, item_id, value in rows:
        answers[response_id][item_id] = value
    segments: dict[int, dict[str, str]] = defaultdict(dict)
    rows = db.session.execute(
        select(SegmentAnswer.response_id, SegmentAnswer.question_id, SegmentAnswer.option_id)
        .join(Response, Response.id == SegmentAnswer.response_id)
        .where(
            Response.engagement_id == engagement_id,
            Response.status == ResponseStatus.SUBMITTED,
        )
    )
    for response_id, question_id, option_id in rows:
        segments[response_id][question_id] = option_id
    return [
        Respondent(audience=audience, answers=answers[rid], segments=segments[rid])
        for rid, audience in sorted(audience_of.items())
    ]


def engagement_statistics(engagement: Engagement, spec: InstrumentSpec | None = None) -> Statistics:
    """Stage 1 in the database (see :mod:`assess.results.statistics_sql`).

    Equal to ``summarise(spec, submitted_respondents(engagement.id))``, without
    loading the answers into Python.
    """
    if spec is None:
        spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    return statistics_sql.engagement_statistics(db.session.connection(), spec, engagement.id)


def engagement_results(engagement: Engagement, *, with_previous: bool = True) -> Results:
    """Every result of the engagement; with the trend against the organisation's
    previous engagement on the same instrument id, if there is one."""
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    previous = None
    if with_previous:
        earlier = previous_engagement(engagement)
        if earlier is not None:
            previous = engagement_results(earlier, with_previous=False)
    return score(spec, engagement_statistics(engagement, spec), previous)


def response_counts(engagement_id: int) -> dict[str, dict[str, int]]:
    """Submitted and in-progress responses per audience, for the engagement page."""
    counts: dict[str, dict[str, int]] = {
        str(a): {"submitted": 0, "in_progress": 0} for a in Audience
    }
    rows = db.session.execute(
        select(Response.audience, Response.status, func.count())
        .where(Response.engagement_id == engagement_id)
        .group_by(Response.audience, Response.status)
    )
    for audience, status, count in rows:
        counts[str(audience)][str(status)] = count
    return counts


def results_document(engagement: Engagement, results: Results) -> dict[str, Any]:
    """The JSON document of ``assess results``: the engagement, then its results."""
    instrument = engagement.instrument()
    return {
        "engagement": {
            "id": engagement.id,
            "name": engagement.name,
            "organisation": engagement.organisation.name,
            "status": str(engagement.status),
            "instrument": {"id": instrument.id, "version": instrument.version},
            "anonymity_threshold": engagement.anonymity_threshold,
        },
        **results.to_dict(),
    }
