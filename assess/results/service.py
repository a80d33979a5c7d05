"""From stored responses to the scoring core's plain inputs, and back to results."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from assess.engagements.models import Engagement
from assess.engagements.services import previous_engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.instruments.spec import spec_for
from assess.respondents.models import Response, counted_or_in_progress
from assess.results import statistics
from assess.results.participation import invited_counts, response_rate
from assess.scoring import InstrumentSpec, Results, Statistics, score

__all__ = [
    "engagement_results",
    "engagement_statistics",
    "response_counts",
    "results_document",
    "scored_engagement",
]


def engagement_statistics(engagement: Engagement, spec: InstrumentSpec | None = None) -> Statistics:
    """Stage 1 from the answer codes (see :mod:`assess.results.statistics`).

    Equal to the test oracle's ``summarise()`` of the same responses, read one by
    one from their answers (checked on both databases in the tests).
    """
    if spec is None:
        spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    return statistics.engagement_statistics(db.session.connection(), spec, engagement.id)


def engagement_results(
    engagement: Engagement, *, with_previous: bool = True, released_only: bool = False
) -> Results:
    """Every result of the engagement; with the trend against the organisation's
    previous engagement on the same instrument id, if there is one (its previous
    *released* one with ``released_only``, as a client reader sees it)."""
    earlier = (
        previous_engagement(engagement, released_only=released_only) if with_previous else None
    )
    return scored_engagement(engagement, earlier)[0]


def scored_engagement(
    engagement: Engagement, earlier: Engagement | None
) -> tuple[Results, Results | None]:
    """The engagement's results with the trend against ``earlier`` (its previous
    engagement, looked up by the caller), and ``earlier``'s own results: each
    engagement scored once, so a report needs no second look-up or scoring."""
    spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    previous = None
    if earlier is not None:
        previous = scored_engagement(earlier, None)[0]
    return score(spec, engagement_statistics(engagement, spec), previous), previous


def response_counts(engagement_id: int) -> dict[str, dict[str, int]]:
    """Submitted and in-progress responses per audience, for the engagement page."""
    counts: dict[str, dict[str, int]] = {
        str(a): {"submitted": 0, "in_progress": 0} for a in Audience
    }
    rows = db.session.execute(
        select(Response.audience, Response.status, func.count())
        # Rule 1, amended: a submitted response with no rated answer is none.
        .where(Response.engagement_id == engagement_id, counted_or_in_progress())
        .group_by(Response.audience, Response.status)
    )
    for audience, status, count in rows:
        counts[str(audience)][str(status)] = count
    return counts


def results_document(engagement: Engagement, results: Results) -> dict[str, Any]:
    """The JSON document of ``assess results``: the engagement, then its results,
    each audience with the number invited and the response rate
    (:mod:`assess.results.participation`; None when unknown)."""
    instrument = engagement.instrument()
    document = results.to_dict()
    invited = invited_counts([engagement])[engagement.id]
    for key, audience in document["audiences"].items():
        audience["invited"] = invited.get(key)
        audience["response_rate"] = response_rate(audience["responses"], invited.get(key))
    return {
        "engagement": {
            "id": engagement.id,
            "name": engagement.name,
            "organisation": engagement.organisation.name,
            "status": str(engagement.status),
            "instrument": {"id": instrument.id, "version": instrument.version},
            "anonymity_threshold": engagement.anonymity_threshold,
        },
        **document,
    }
