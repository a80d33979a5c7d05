"""The dashboard of a workspace's owners and consultants: every engagement with its
status, responses and response rate per audience and last response, sorted and
filtered by query parameters (so it works without JavaScript and links can be kept).

A fixed number of queries however many engagements: the engagements with their
organisations and snapshots, the responses, the personal links, the organisations
for the filter (counted in ``tests/results/test_dashboard.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from assess.engagements.models import Engagement, Organisation, Status
from assess.extensions import db
from assess.results.participation import EngagementParticipation, participation

#: The sort orders the dashboard offers, with their words.
SORTS: dict[str, str] = {
    "organisation": "Organisation",
    "name": "Engagement",
    "status": "Status",
    "last_response": "Last response",
}
DEFAULT_SORT = "organisation"
#: Status in the order of an engagement's life, for sorting by status.
_STATUS_ORDER = {Status.DRAFT: 0, Status.OPEN: 1, Status.CLOSED: 2}


@dataclass(frozen=True)
class DashboardRow:
    engagement: Engagement
    organisation: Organisation
    audiences: list[str]  # the audiences its instrument asks
    participation: EngagementParticipation


@dataclass(frozen=True)
class Dashboard:
    rows: list[DashboardRow]
    organisations: list[Organisation]  # every organisation of the workspace, for the filter
    sort: str
    descending: bool
    status: str  # "" for every status
    organisation_id: int | None
    total: int  # engagements in the workspace, before filtering


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def dashboard(workspace_id: int, query: Mapping[str, str]) -> Dashboard:
    """The workspace's engagements as ``query`` (``sort``, ``order``, ``status``,
    ``organisation``) asks; unknown values fall back to the defaults."""
    sort = query.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        sort = DEFAULT_SORT
    # Last response: newest first unless asked otherwise; the rest A to Z.
    descending = query.get("order", "desc" if sort == "last_response" else "asc") == "desc"
    status = query.get("status", "")
    if status not in {str(s) for s in Status}:
        status = ""
    organisation_id = _int_or_none(query.get("organisation"))

    organisations = list(db.session.scalars(
        select(Organisation).where(Organisation.workspace_id == workspace_id)
        .order_by(Organisation.name)
    ))
    if organisation_id not in {o.id for o in organisations}:
        organisation_id = None
    statement = (
        select(Engagement)
        .join(Engagement.organisation)
        .where(Organisation.workspace_id == workspace_id)
        .options(contains_eager(Engagement.organisation), selectinload(Engagement.snapshot))
    )
    total = db.session.scalar(
        select(func.count()).select_from(Engagement).join(Engagement.organisation)
        .where(Organisation.workspace_id == workspace_id)
    ) or 0
    if status:
        statement = statement.where(Engagement.status == Status(status))
    if organisation_id is not None:
        statement = statement.where(Engagement.organisation_id == organisation_id)
    engagements = list(db.session.scalars(statement))
    figures = participation(engagements)
    rows = [
        DashboardRow(
            engagement=e,
            organisation=e.organisation,
            audiences=[str(a) for a in e.instrument().audiences()],
            participation=figures[e.id],
        )
        for e in engagements
    ]
    rows.sort(key=lambda row: _sort_key(row, sort), reverse=descending)
    return Dashboard(rows=rows, organisations=organisations, sort=sort, descending=descending,
                     status=status, organisation_id=organisation_id, total=total)


def _sort_key(row: DashboardRow, sort: str) -> tuple[object, ...]:
    """The row's place; ties broken by organisation, then newest engagement first
    in the same direction, so the order is stable between requests."""
    e = row.engagement
    tie = (row.organisation.name.casefold(), e.name.casefold(), e.id)
    if sort == "name":
        return (e.name.casefold(), *tie)
    if sort == "status":
        return (_STATUS_ORDER[e.status], *tie)
    if sort == "last_response":
        # Never answered sorts as the oldest.
        return (row.participation.last_response or date.min, *tie)
    return tie
