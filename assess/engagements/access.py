"""Who may see and change an engagement: the one place the pages decide access.

Views of every feature call :func:`engagement_for`; it answers 404 for an
engagement the signed-in user may not see, so ids do not confirm existence.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import func, select

from assess.accounts.models import OrganisationGrant, Role, User
from assess.engagements.models import Engagement, Organisation
from assess.extensions import db


def visible_engagements(user: User) -> list[Engagement]:
    query = select(Engagement).join(Engagement.organisation)
    if user.role != Role.ADMIN:
        query = query.join(
            OrganisationGrant, OrganisationGrant.organisation_id == Engagement.organisation_id
        ).where(OrganisationGrant.user_id == user.id)
    query = query.order_by(Organisation.name, Engagement.created_on.desc(), Engagement.id.desc())
    return list(db.session.scalars(query))


def can_view(user: User, engagement: Engagement) -> bool:
    if user.role == Role.ADMIN:
        return True
    granted = db.session.scalar(
        select(func.count())
        .select_from(OrganisationGrant)
        .where(
            OrganisationGrant.user_id == user.id,
            OrganisationGrant.organisation_id == engagement.organisation_id,
        )
    )
    return bool(granted)


def engagement_for(engagement_id: int, *, manage: bool = False) -> Engagement:
    """The engagement if the signed-in user may see it (and manage it, if asked)."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or not can_view(current_user, engagement):
        abort(404, description="There is no such engagement, or it is not shared with you.")
    if manage and not current_user.can_manage:
        abort(403, description="Only consultants and administrators can change engagements.")
    return engagement
