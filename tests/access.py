"""Giving a test's client reader an organisation to read."""

from __future__ import annotations

from typing import Any

from assess.engagements.services import give_reader_access
from assess.workspaces.models import MemberRole
from assess.workspaces.services import add_member, membership_of


def give_reader(user: Any, organisation: Any) -> None:
    """Let ``user`` read ``organisation``, as a reader of its workspace (made a
    reader there if they were not a member). The caller commits."""
    membership = membership_of(user, organisation.workspace_id)
    if membership is None:
        from assess.extensions import db
        from assess.workspaces.models import Workspace

        workspace = db.session.get(Workspace, organisation.workspace_id)
        membership = add_member(workspace, user, MemberRole.READER)
    give_reader_access(membership, organisation)


def workspace_named(name: str = "Test firm") -> Any:
    """The workspace of this name, created if there is none (the caller commits)."""
    from sqlalchemy import select

    from assess.extensions import db
    from assess.workspaces.models import Workspace
    from assess.workspaces.services import create_workspace

    found = db.session.scalar(select(Workspace).where(Workspace.name == name))
    return found if found is not None else create_workspace(name)
