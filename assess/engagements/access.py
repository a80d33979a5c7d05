"""Who may see and change what: the one place that decides access.

A signed-in person acts in one workspace at a time (their *current* workspace,
kept in the session). Every view, every download and every command that acts
for a user asks this module. The rules:

- only the current workspace exists: another workspace's organisation or
  engagement answers 404 (never 403, so ids do not confirm existence);
- owners and consultants see and manage all of the workspace's organisations;
- a client reader sees only the organisations they were given, and of their
  engagements only the **released** ones (an unreleased engagement answers 404,
  as if it were not there); they change nothing and never reach raw data: 403 on
  a change, an export, the links or the settings of an engagement they can see;
- a suspended workspace is no one's current workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import Select, select

from assess.accounts.models import User
from assess.accounts.session import SESSION_KEY
from assess.engagements.models import Engagement, Organisation
from assess.extensions import db
from assess.scoring import STAFF
from assess.workspaces.models import MemberRole, Membership, ReaderAccess, Workspace, WorkspaceKind
from assess.workspaces.services import memberships


@dataclass(frozen=True)
class Actor:
    """A person acting in one workspace: what the policy decides on."""

    user: User
    workspace: Workspace
    role: MemberRole
    readable: frozenset[int]  # organisation ids a reader was given

    @property
    def can_manage(self) -> bool:
        """Owners and consultants run engagements; readers only read."""
        return self.role in (MemberRole.OWNER, MemberRole.CONSULTANT)

    @property
    def is_owner(self) -> bool:
        return self.role == MemberRole.OWNER


def actor_in(user: User, workspace_id: int | None) -> Actor | None:
    """The user acting in this workspace, or None when they are no member of it or
    it is suspended."""
    if workspace_id is None:
        return None
    row = db.session.execute(
        select(Membership, Workspace)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(
            Membership.user_id == user.id,
            Membership.workspace_id == workspace_id,
            Workspace.suspended.is_(False),
        )
    ).first()
    if row is None:
        return None
    membership, workspace = row
    readable: frozenset[int] = frozenset()
    if membership.role == MemberRole.READER:
        readable = frozenset(
            db.session.scalars(
                select(ReaderAccess.organisation_id).where(
                    ReaderAccess.membership_id == membership.id
                )
            )
        )
    return Actor(user=user, workspace=workspace, role=membership.role, readable=readable)


def first_workspace(user: User) -> int | None:
    """Where a person starts after signing in: their first workspace by name that
    is not suspended; None when there is none."""
    found = memberships(user)
    return found[0].workspace_id if found else None


def current_actor() -> Actor | None:
    """The signed-in user in their current workspace (once per request)."""
    if "actor" in g:
        cached: Actor | None = g.actor
        return cached
    actor = None
    if current_user.is_authenticated:
        actor = actor_in(current_user, session.get(SESSION_KEY))
        if actor is None:
            # The workspace was suspended, or the membership ended: fall back to
            # another of the person's workspaces, if any.
            fallback = first_workspace(current_user)
            actor = actor_in(current_user, fallback)
            if actor is not None:
                session[SESSION_KEY] = actor.workspace.id
            else:
                session.pop(SESSION_KEY, None)
    g.actor = actor
    return actor


def require_actor() -> Actor:
    """The current actor; 403 for a signed-in person with no workspace to act in."""
    actor = current_actor()
    if actor is None:
        abort(
            403,
            description="Your account has no workspace you can use: it was suspended, or "
            "you are no longer a member. Ask the workspace's owner.",
        )
    return actor


# -- the rules ------------------------------------------------------------------------


def can_see(actor: Actor, organisation: Organisation) -> bool:
    if organisation.workspace_id != actor.workspace.id:
        return False
    return actor.can_manage or organisation.id in actor.readable


def can_manage(actor: Actor, organisation: Organisation) -> bool:
    return can_see(actor, organisation) and actor.can_manage


def can_read(actor: Actor, engagement: Engagement) -> bool:
    """Whether the engagement exists for the actor: all of their workspace's for
    owners and consultants; for a reader, the released engagements of the
    organisations they were given."""
    if not can_see(actor, engagement.organisation):
        return False
    return actor.can_manage or engagement.released_at is not None


def released_waves_only(actor: Actor) -> bool:
    """Whether the actor's trend compares released waves only: a reader's does,
    since an unreleased wave is not theirs to see."""
    return not actor.can_manage


def visible_organisations_query(actor: Actor) -> Select[Any]:
    query = select(Organisation).where(Organisation.workspace_id == actor.workspace.id)
    if not actor.can_manage:
        query = query.where(Organisation.id.in_(actor.readable))
    return query


def visible_engagements(actor: Actor) -> list[Engagement]:
    organisations = visible_organisations_query(actor).subquery()
    query = (
        select(Engagement)
        .join(organisations, organisations.c.id == Engagement.organisation_id)
        .order_by(organisations.c.name, Engagement.created_on.desc(), Engagement.id.desc())
    )
    if not actor.can_manage:
        query = query.where(Engagement.released_at.is_not(None))
    return list(db.session.scalars(query))


def may_export_answers(engagement: Engagement, audience: str) -> bool:
    """Whether one respondent's answers of this audience may leave the system.

    In a company's own survey the employer runs it, and its staff were told the
    company sees their answers only as results of groups large enough to hide
    anyone: so staff answers are never exported there, by anyone."""
    return not (
        engagement.organisation.workspace.kind == WorkspaceKind.COMPANY
        and audience == STAFF
    )


def exportable_audiences(engagement: Engagement) -> list[str]:
    return [
        str(a) for a in engagement.instrument().audiences() if may_export_answers(engagement, a)
    ]


def engagement_for(engagement_id: int, *, manage: bool = False) -> Engagement:
    """The engagement if the signed-in user may see it (and manage it, if asked):
    404 when it is not theirs to see, 403 when they may only read it."""
    actor = require_actor()
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or not can_read(actor, engagement):
        abort(404, description="There is no such engagement, or it is not shared with you.")
    if manage and not actor.can_manage:
        abort(403, description="Only the workspace's consultants can change engagements.")
    return engagement


def organisation_for(organisation_id: int, *, owner: bool = False) -> Organisation:
    """The organisation, for its workspace's owners and consultants (only owners,
    if asked): 404 when it is not the actor's to see, 403 for a reader of it or,
    with ``owner``, for a consultant."""
    actor = require_actor()
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not can_see(actor, organisation):
        abort(404, description="There is no such organisation, or it is not shared with you.")
    if not actor.can_manage:
        abort(403, description="Only the workspace's consultants manage an organisation.")
    if owner and not actor.is_owner:
        abort(403, description="Only the workspace's owners do that.")
    return organisation
