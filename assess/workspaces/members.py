"""A workspace's members, as its owners manage them: invitations, roles, removal.

The rule that holds it together: **a workspace always keeps an owner**. The last
owner cannot be demoted or removed, and cannot delete their account (see
:func:`sole_owned_workspaces`). Removing someone ends every session of theirs at
once (their session generation is raised), so a removed person's open tabs stop
working at their next click.

Owners and consultants are invited here, by e-mail when SMTP is configured, or by
a single-use link the owner copies and hands over; client readers are invited
from an organisation's page. Services flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from assess.accounts import tokens
from assess.accounts.models import AccountToken, TokenPurpose, User
from assess.accounts.services import EMAIL, end_sessions, find_user
from assess.audit.log import record
from assess.extensions import db
from assess.workspaces.models import MemberRole, Membership, Workspace
from assess.workspaces.services import WorkspaceError, add_member, membership_of

#: The roles the members page gives (readers are given organisations elsewhere).
INVITABLE_ROLES = (MemberRole.OWNER, MemberRole.CONSULTANT)


class MemberError(WorkspaceError):
    """A change to the members that is refused; the message says why."""


def workspace_members(workspace: Workspace) -> list[Membership]:
    """Everyone in the workspace: owners, then consultants, then readers, by name."""
    order = {MemberRole.OWNER: 0, MemberRole.CONSULTANT: 1, MemberRole.READER: 2}
    rows = list(
        db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.workspace_id == workspace.id)
            .order_by(func.lower(User.name), func.lower(User.email))
        )
    )
    return sorted(rows, key=lambda m: order[m.role])


def owner_count(workspace_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Membership).where(
                Membership.workspace_id == workspace_id, Membership.role == MemberRole.OWNER
            )
        )
        or 0
    )


def member_in(workspace: Workspace, membership_id: int) -> Membership | None:
    """The membership if it is of this workspace (another workspace's is None)."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.workspace_id != workspace.id:
        return None
    return membership


def _is_last_owner(membership: Membership) -> bool:
    return membership.role == MemberRole.OWNER and owner_count(membership.workspace_id) <= 1


def change_role(membership: Membership, role: MemberRole) -> None:
    if role not in INVITABLE_ROLES:
        raise MemberError("Choose owner or consultant.")
    if membership.role == MemberRole.READER:
        raise MemberError(
            "A client reader's access is given organisation by organisation, on the "
            "organisation's page."
        )
    if role != MemberRole.OWNER and _is_last_owner(membership):
        raise MemberError(
            "The workspace needs an owner: make someone else an owner first."
        )
    before = membership.role
    membership.role = role
    db.session.flush()
    record("role_changed", workspace_id=membership.workspace_id,
           detail=f"{membership.user.email}: {before.value} → {role.value}")


def remove_member(membership: Membership) -> User:
    """Remove the person from the workspace and end every session of theirs."""
    if _is_last_owner(membership):
        raise MemberError(
            "The last owner cannot be removed: make someone else an owner first."
        )
    user = membership.user
    record("member_removed", workspace_id=membership.workspace_id,
           detail=f"{user.email} ({membership.role.value})")
    db.session.delete(membership)
    db.session.flush()
    end_sessions(user)
    return user


# -- invitations ----------------------------------------------------------------------


def invite(workspace: Workspace, email: str, role: MemberRole) -> tuple[str, AccountToken]:
    """A single-use invitation to join as ``role``; returns the token (for the
    link, shown or sent once) and its row. A newer invitation to the same address
    replaces an unused older one."""
    address = email.strip().lower()
    if not EMAIL.match(address) or len(address) > 254:
        raise MemberError(f"'{email.strip()}' is not an e-mail address.")
    if role not in INVITABLE_ROLES:
        raise MemberError("Choose owner or consultant.")
    existing = find_user(address)
    if existing is not None and membership_of(existing, workspace) is not None:
        raise MemberError(f"{address} is already a member of {workspace.name}.")
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.purpose == TokenPurpose.INVITATION,
            AccountToken.workspace_id == workspace.id,
            func.lower(AccountToken.email) == address,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=tokens.now())
        .execution_options(synchronize_session=False)
    )
    record("member_invited", workspace_id=workspace.id, detail=f"{address} as {role.value}")
    return tokens.issue(
        TokenPurpose.INVITATION, workspace_id=workspace.id, email=address, role=str(role)
    )


def withdraw_invitation(workspace: Workspace, token_id: int) -> bool:
    """Withdraw an unused invitation of this workspace; False when there is none."""
    row = db.session.get(AccountToken, token_id)
    if row is None or row.workspace_id != workspace.id or row.purpose != TokenPurpose.INVITATION:
        return False
    return tokens.withdraw(TokenPurpose.INVITATION, token_id=row.id) == 1


def invitation_workspace(row: AccountToken) -> Workspace | None:
    if row.workspace_id is None:
        return None
    return db.session.get(Workspace, row.workspace_id)


def accept(row: AccountToken, user: User) -> Membership:
    """The person joins the invitation's workspace with its role. Someone who is
    already a member keeps the role they have (an invitation never demotes)."""
    workspace = invitation_workspace(row)
    if workspace is None or workspace.suspended:
        raise MemberError("This workspace is suspended: ask its owner.")
    existing = membership_of(user, workspace)
    if existing is not None:
        return existing
    role = MemberRole(row.role or MemberRole.CONSULTANT)
    record("member_joined", workspace_id=workspace.id, actor=user.email, user_id=user.id,
           detail=f"as {role.value}")
    return add_member(workspace, user, role)


# -- an owner's verified address, and leaving ----------------------------------------


def verify_owned_workspaces(user: User) -> list[Workspace]:
    """An owner's address was verified: their unverified workspaces become
    verified, and may send mail to others (invitations, reminders)."""
    found = list(
        db.session.scalars(
            select(Workspace)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(
                Membership.user_id == user.id,
                Membership.role == MemberRole.OWNER,
                Workspace.verified_at.is_(None),
            )
        )
    )
    for workspace in found:
        workspace.verified_at = tokens.now()
    db.session.flush()
    return found


def sole_owned_workspaces(user: User) -> list[Workspace]:
    """Workspaces of which the person is the only owner: deleting their account
    would leave these without one."""
    owned = db.session.scalars(
        select(Membership).where(
            Membership.user_id == user.id, Membership.role == MemberRole.OWNER
        )
    )
    return [m.workspace for m in owned if owner_count(m.workspace_id) <= 1]


def delete_account(user: User) -> None:
    """Delete the person's account: they leave every workspace (the database
    removes their memberships and links). Refused while it would leave a
    workspace without an owner."""
    alone = sole_owned_workspaces(user)
    if alone:
        names = ", ".join(w.name for w in alone)
        raise MemberError(
            f"You are the only owner of {names}. Make another member an owner first "
            "(Members page), or ask the operator of this site to delete the workspace."
        )
    db.session.execute(delete(User).where(User.id == user.id))
    db.session.expire_all()
