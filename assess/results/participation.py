"""Who was asked and who answered: response rates, responses per day, the
dashboard's figures and an organisation's waves (docs/results.md, "Response rates").

The number invited to answer for one audience is

    personal links issued and not withdrawn  +  the open-link mailing count

Invitations e-mailed from this site each create a personal link, so a person
invited that way is counted once. The open-link mailing count is what the
consultant enters on the engagement page (``Engagement.staff_invited`` /
``customer_invited``): how many people they sent the open link themselves, or
invited outside this site. With neither, the number invited is unknown (None).

The response rate is submitted responses / invited. It is unknown (None) when
the number invited is unknown or zero, and also when more responses arrived
than were invited: then people answered through a link the count leaves out
(the open link without a mailing count), and any rate would be wrong.

Every figure here is read for many engagements at once, in a fixed number of
queries, so the dashboard does not ask once per engagement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from assess.engagements.models import Engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents.models import (
    Link,
    LinkKind,
    Response,
    ResponseStatus,
    counted_or_in_progress,
    counted_response,
)

__all__ = [
    "AudienceParticipation",
    "DailyResponses",
    "DayCount",
    "EngagementParticipation",
    "engagement_participation",
    "invited_counts",
    "mailing_count",
    "participation",
    "response_rate",
    "responses_per_day",
    "set_mailing_count",
]

#: The most days the engagement page lists; earlier days are summed in one line.
DAYS_SHOWN = 31


def response_rate(responses: int, invited: int | None) -> float | None:
    """Submitted / invited, or None when that is no rate (see the module)."""
    if invited is None or invited <= 0 or responses > invited:
        return None
    return responses / invited


def mailing_count(engagement: Engagement, audience: str) -> int | None:
    """The open-link mailing count the consultant entered (None: not entered)."""
    if audience == Audience.STAFF:
        return engagement.staff_invited
    return engagement.customer_invited


def set_mailing_count(engagement: Engagement, audience: str, count: int | None) -> None:
    """Store the open-link mailing count of one audience (None clears it)."""
    if audience == Audience.STAFF:
        engagement.staff_invited = count
    else:
        engagement.customer_invited = count


def _personal_links(engagement_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """Personal links issued and not withdrawn, per engagement and audience."""
    if not engagement_ids:
        return {}
    rows = db.session.execute(
        select(Link.engagement_id, Link.audience, func.count())
        .where(
            Link.engagement_id.in_(engagement_ids),
            Link.kind == LinkKind.SINGLE_USE,
            Link.revoked.is_(False),
        )
        .group_by(Link.engagement_id, Link.audience)
    )
    return {(engagement_id, str(audience)): n for engagement_id, audience, n in rows}


def _invited(personal: int | None, mailed: int | None) -> int | None:
    """Personal links + the mailing count; None when there is neither."""
    if personal is None and mailed is None:
        return None
    return (personal or 0) + (mailed or 0)


def invited_counts(engagements: Sequence[Engagement]) -> dict[int, dict[str, int | None]]:
    """The number invited per engagement id and audience (None: unknown), in one query."""
    links = _personal_links([e.id for e in engagements])
    counts: dict[int, dict[str, int | None]] = {}
    for engagement in engagements:
        per_audience: dict[str, int | None] = {}
        for audience in Audience:
            key = str(audience)
            per_audience[key] = _invited(
                links.get((engagement.id, key)), mailing_count(engagement, key)
            )
        counts[engagement.id] = per_audience
    return counts


@dataclass(frozen=True)
class AudienceParticipation:
    audience: str
    responses: int  # submitted
    in_progress: int
    personal_links: int  # issued and not withdrawn
    mailed: int | None  # the open-link mailing count, None when not entered
    invited: int | None
    rate: float | None

    @property
    def exceeds_invited(self) -> bool:
        """More responses than invited: the open-link mailing count is missing or low."""
        return self.invited is not None and self.responses > self.invited


@dataclass(frozen=True)
class EngagementParticipation:
    engagement_id: int
    audiences: dict[str, AudienceParticipation]
    last_response: date | None


def participation(engagements: Sequence[Engagement]) -> dict[int, EngagementParticipation]:
    """Responses, the number invited, the rate and the last response date of
    each engagement, per audience: two queries however many engagements."""
    ids = [e.id for e in engagements]
    links = _personal_links(ids)
    counted: dict[tuple[int, str, str], int] = {}
    last: dict[int, date] = {}
    if ids:
        rows = db.session.execute(
            select(
                Response.engagement_id, Response.audience, Response.status,
                func.count(), func.max(Response.submitted_on),
            )
            # A submitted response with no rated answer is no response (rule 1).
            .where(Response.engagement_id.in_(ids), counted_or_in_progress())
            .group_by(Response.engagement_id, Response.audience, Response.status)
        )
        for engagement_id, audience, status, n, latest in rows:
            counted[(engagement_id, str(audience), str(status))] = n
            if latest is not None and (engagement_id not in last or latest > last[engagement_id]):
                last[engagement_id] = latest
    found = {}
    for engagement in engagements:
        audiences = {}
        for audience in Audience:
            key = str(audience)
            submitted = counted.get((engagement.id, key, ResponseStatus.SUBMITTED), 0)
            personal = links.get((engagement.id, key))
            mailed = mailing_count(engagement, key)
            invited = _invited(personal, mailed)
            audiences[key] = AudienceParticipation(
                audience=key,
                responses=submitted,
                in_progress=counted.get((engagement.id, key, ResponseStatus.IN_PROGRESS), 0),
                personal_links=personal or 0,
                mailed=mailed,
                invited=invited,
                rate=response_rate(submitted, invited),
            )
        found[engagement.id] = EngagementParticipation(
            engagement_id=engagement.id, audiences=audiences, last_response=last.get(engagement.id)
        )
    return found


def engagement_participation(engagement: Engagement) -> EngagementParticipation:
    return participation([engagement])[engagement.id]


@dataclass(frozen=True)
class DayCount:
    day: date
    counts: dict[str, int]  # submitted responses per audience that day

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class DailyResponses:
    """Submitted responses per day of fieldwork, newest day first."""

    days: list[DayCount]  # every day, also those without a response
    earlier: int  # responses before the days listed (a long fieldwork)
    earlier_until: date | None  # the last day summed in ``earlier``
    most: int  # the largest day's total, for the bars


def responses_per_day(engagement: Engagement, today: date | None = None) -> DailyResponses | None:
    """Each day from opening to closing (or today), with the responses submitted
    that day per audience; None for an engagement never opened."""
    if engagement.opened_on is None:
        return None
    end = engagement.closed_on or today or date.today()
    rows = db.session.execute(
        select(Response.submitted_on, Response.audience, func.count())
        .where(
            Response.engagement_id == engagement.id,
            counted_response(),
            Response.submitted_on.is_not(None),
        )
        .group_by(Response.submitted_on, Response.audience)
    )
    by_day: dict[date, dict[str, int]] = {}
    for day, audience, n in rows:
        if day is not None:  # filtered out above; for the type checker
            by_day.setdefault(day, {})[str(audience)] = n
    # Imported or demo responses may carry dates outside the fieldwork: widen to them.
    start = min([engagement.opened_on, *by_day])
    end = max([end, *by_day])
    days = []
    day = end
    while day >= start:
        counts = by_day.get(day, {})
        days.append(DayCount(day, {str(a): counts.get(str(a), 0) for a in Audience}))
        day -= timedelta(days=1)
    shown, rest = days[:DAYS_SHOWN], days[DAYS_SHOWN:]
    return DailyResponses(
        days=shown,
        earlier=sum(d.total for d in rest),
        earlier_until=rest[0].day if rest else None,
        most=max((d.total for d in shown), default=0),
    )
