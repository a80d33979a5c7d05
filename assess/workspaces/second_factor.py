"""A workspace's requirement of a second factor: who must set one up.

Here rather than in :mod:`assess.accounts.second_factor` because it depends on a
person's role in a workspace, which accounts (a layer below) do not know.
"""

from __future__ import annotations

from assess.accounts.models import User
from assess.accounts.second_factor import needs_second_factor
from assess.extensions import db
from assess.workspaces.models import MemberRole, Workspace
from assess.workspaces.services import membership_of

#: The roles a workspace's requirement applies to; client readers only read.
REQUIRED_OF = (MemberRole.OWNER, MemberRole.CONSULTANT)


def must_set_up(user: User, workspace: Workspace) -> bool:
    """The workspace requires a second factor and the person, an owner or a
    consultant there, has none yet."""
    if not workspace.require_second_factor or needs_second_factor(user):
        return False
    membership = membership_of(user, workspace)
    return membership is not None and membership.role in REQUIRED_OF


def set_required(workspace: Workspace, required: bool) -> None:
    """The owner's switch. Members without a second factor are sent to set one up
    at their next request (see the second-factor pages' request hook)."""
    workspace.require_second_factor = required
    db.session.flush()
