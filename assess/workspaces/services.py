"""Workspace operations: create, find, suspend, delete; members. Services flush;
the caller (view or CLI command) commits once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from assess.accounts.models import User
from assess.extensions import db
from assess.text import without_bidi_controls
from assess.workspaces.models import MemberRole, Membership, Workspace, WorkspaceKind


class WorkspaceError(ValueError):
    """A request about workspaces that cannot be carried out; the message says why."""


def create_workspace(
    name: str, *, kind: WorkspaceKind = WorkspaceKind.CONSULTANCY, verified: bool = True
) -> Workspace:
    """A new workspace. The operator's (CLI) workspaces are ``verified``; one made
    by a sign-up is not until its owner's address is."""
    name = " ".join(without_bidi_controls(name).split())
    if not name:
        raise WorkspaceError("The workspace needs a name.")
    if len(name) > 200:
        raise WorkspaceError("The workspace's name is longer than 200 characters.")
    if _by_name(name) is not None:
        raise WorkspaceError(f"There is already a workspace named '{name}'.")
    workspace = Workspace(
        name=name, kind=kind,
        verified_at=datetime.now(UTC).replace(tzinfo=None) if verified else None,
    )
    db.session.add(workspace)
    db.session.flush()
    return workspace


def _by_name(name: str) -> Workspace | None:
    return db.session.scalar(
        select(Workspace).where(
            func.lower(Workspace.name) == " ".join(without_bidi_controls(name).split()).lower()
        )
    )


def all_workspaces() -> list[Workspace]:
    return list(db.session.scalars(select(Workspace).order_by(Workspace.name)))


def find_workspace(name: str | None) -> Workspace:
    """The workspace of this name; with no name, the installation's only one."""
    if name is None or not name.strip():
        workspaces = all_workspaces()
        if len(workspaces) == 1:
            return workspaces[0]
        if not workspaces:
            raise WorkspaceError(
                "There is no workspace yet; `assess workspace create NAME` makes one."
            )
        raise WorkspaceError(
            f"There are {len(workspaces)} workspaces: say which with --workspace "
            "(`assess workspace list` shows them)."
        )
    workspace = _by_name(name)
    if workspace is None:
        raise WorkspaceError(
            f"There is no workspace named '{name.strip()}'; `assess workspace list` shows them."
        )
    return workspace


def set_suspended(workspace: Workspace, suspended: bool) -> None:
    workspace.suspended = suspended
    db.session.flush()


def delete_workspace(workspace: Workspace) -> None:
    """Delete the workspace with everything in it: its organisations, their
    engagements, links and responses (the database cascades), its memberships.
    The people stay: they may belong to other workspaces."""
    db.session.execute(delete(Workspace).where(Workspace.id == workspace.id))
    db.session.expire_all()


def add_member(workspace: Workspace, user: User, role: MemberRole) -> Membership:
    """Make ``user`` a member of ``workspace`` with ``role`` (changing the role of
    an existing member)."""
    membership = membership_of(user, workspace)
    if membership is None:
        membership = Membership(workspace_id=workspace.id, user_id=user.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    return membership


def membership_of(user: User, workspace: Workspace | int) -> Membership | None:
    workspace_id = workspace if isinstance(workspace, int) else workspace.id
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.workspace_id == workspace_id
        )
    )


def memberships(user: User, *, include_suspended: bool = False) -> list[Membership]:
    """The user's memberships, by workspace name; suspended workspaces left out."""
    query = (
        select(Membership)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user.id)
        .order_by(Workspace.name)
    )
    if not include_suspended:
        query = query.where(Workspace.suspended.is_(False))
    return list(db.session.scalars(query))
