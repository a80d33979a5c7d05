"""An organisation's client readers: inviting them, giving and removing access,
and the mail that tells them an engagement was released.

A reader is a member of the workspace with the role *reader* and one
:class:`ReaderAccess` row per organisation they were given. They are invited from
the organisation's page with the members' single-use invitation link
(:mod:`assess.accounts.tokens`), whose row carries the role ``reader`` and the
organisations; accepting it makes them a reader of those organisations
(:func:`grant_invited`). What a reader may see is decided by
:mod:`assess.engagements.access`. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from flask import render_template
from sqlalchemy import delete, func, select, update

from assess.accounts import tokens
from assess.accounts.models import AccountToken, TokenPurpose, User
from assess.accounts.services import EMAIL, end_sessions, find_user
from assess.audit.log import record
from assess.engagements.models import Engagement, Organisation
from assess.engagements.services import EngagementError, give_reader_access
from assess.extensions import db
from assess.mailer import SmtpSettings, message
from assess.workspaces.models import MemberRole, Membership, ReaderAccess
from assess.workspaces.services import membership_of


@dataclass(frozen=True)
class Reader:
    """One reader of an organisation, as its page lists them."""

    membership_id: int
    name: str
    email: str


@dataclass(frozen=True)
class Invited:
    """A new invitation: the token (for the link, shown or sent once) and its row."""

    token: str
    row: AccountToken


@dataclass(frozen=True)
class Granted:
    """The person already reads for this workspace: the organisation was added to
    what they read, and no invitation was needed."""

    membership: Membership


def organisation_readers(organisation: Organisation) -> list[Reader]:
    """The workspace's readers given this organisation, by name."""
    rows = db.session.execute(
        select(Membership.id, User.name, User.email)
        .join(ReaderAccess, ReaderAccess.membership_id == Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(
            ReaderAccess.organisation_id == organisation.id,
            Membership.workspace_id == organisation.workspace_id,
            Membership.role == MemberRole.READER,
        )
        .order_by(func.lower(User.name), func.lower(User.email))
    ).all()
    return [Reader(membership_id=i, name=name or "", email=email) for i, name, email in rows]


def _reader_invitations(workspace_id: int) -> list[AccountToken]:
    return [
        row for row in tokens.pending_invitations(workspace_id) if row.role == MemberRole.READER
    ]


def pending_reader_invitations(organisation: Organisation) -> list[AccountToken]:
    """Reader invitations for this organisation not yet accepted, newest first."""
    return [
        row for row in _reader_invitations(organisation.workspace_id)
        if organisation.id in tokens.organisation_ids(row)
    ]


def invite_reader(organisation: Organisation, email: str) -> Invited | Granted:
    """Invite a client reader of the organisation by e-mail address.

    Someone who already reads for this workspace is given the organisation at once
    (:class:`Granted`); an owner or consultant of it already sees everything, and is
    refused. Anyone else gets a single-use invitation (:class:`Invited`); an unused
    earlier reader invitation to the same address is replaced by one for its
    organisations and this one."""
    address = email.strip().lower()
    if not EMAIL.match(address) or len(address) > 254:
        raise EngagementError(f"'{email.strip()}' is not an e-mail address.")
    workspace = organisation.workspace
    person = find_user(address)
    membership = membership_of(person, workspace) if person is not None else None
    if membership is not None:
        if membership.role != MemberRole.READER:
            raise EngagementError(
                f"{address} is {membership.role.label.lower()} of {workspace.name}: "
                "they see every organisation already."
            )
        give_reader_access(membership, organisation)
        record("member_invited", workspace_id=workspace.id, organisation_id=organisation.id,
               detail=f"{address} may now read {organisation.name}")
        return Granted(membership)
    pending = [
        row for row in tokens.pending_invitations(workspace.id)
        if (row.email or "").lower() == address
    ]
    if any(row.role != MemberRole.READER for row in pending):
        raise EngagementError(
            f"{address} is invited to join {workspace.name} as owner or consultant: "
            "withdraw that invitation on the Members page first."
        )
    organisation_ids = sorted(
        {organisation.id, *(i for row in pending for i in tokens.organisation_ids(row))}
    )
    if pending:
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.id.in_([row.id for row in pending]))
            .values(used_at=tokens.now())
            .execution_options(synchronize_session=False)
        )
    record("member_invited", workspace_id=workspace.id, organisation_id=organisation.id,
           detail=f"{address} as reader of {organisation.name}")
    token, row = tokens.issue(
        TokenPurpose.INVITATION,
        workspace_id=workspace.id,
        email=address,
        role=str(MemberRole.READER),
        organisation_ids=organisation_ids,
    )
    return Invited(token, row)


def invitation_organisations(row: AccountToken) -> list[Organisation]:
    """The organisations a reader's invitation gives, of its own workspace, by name."""
    ids = tokens.organisation_ids(row)
    if not ids or row.workspace_id is None:
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(ids), Organisation.workspace_id == row.workspace_id)
            .order_by(Organisation.name)
        )
    )


def grant_invited(membership: Membership, row: AccountToken) -> list[Organisation]:
    """The person accepted a reader's invitation: as a reader, they now read its
    organisations (an owner or consultant sees them all already). Organisations
    deleted since the invitation are skipped."""
    if membership.role != MemberRole.READER:
        return []
    found = invitation_organisations(row)
    for organisation in found:
        give_reader_access(membership, organisation)
    return found


def withdraw_reader_invitation(organisation: Organisation, token_id: int) -> bool:
    """Withdraw the organisation from an unused reader invitation (the whole link
    when it was its only organisation). False when there is no such invitation."""
    row = db.session.get(AccountToken, token_id)
    if row is None or row not in pending_reader_invitations(organisation):
        return False
    remaining = [i for i in tokens.organisation_ids(row) if i != organisation.id]
    if remaining:
        row.organisation_ids = ",".join(str(i) for i in remaining)
        db.session.flush()
        return True
    return tokens.withdraw(TokenPurpose.INVITATION, token_id=row.id) == 1


def remove_reader(organisation: Organisation, membership_id: int) -> Reader | None:
    """Take the organisation from a reader (None when they do not read it). A
    reader left with no organisation of the workspace leaves it, and every session
    of theirs ends; otherwise their next request already sees less."""
    membership = db.session.get(Membership, membership_id)
    if (
        membership is None
        or membership.workspace_id != organisation.workspace_id
        or membership.role != MemberRole.READER
    ):
        return None
    removed = db.session.execute(
        delete(ReaderAccess).where(
            ReaderAccess.membership_id == membership.id,
            ReaderAccess.organisation_id == organisation.id,
        )
    )
    if not getattr(removed, "rowcount", 0):
        return None
    user = membership.user
    reader = Reader(membership_id=membership.id, name=user.name or "", email=user.email)
    record("member_removed", workspace_id=organisation.workspace_id,
           organisation_id=organisation.id,
           detail=f"{user.email} no longer reads {organisation.name}")
    left = db.session.scalar(
        select(func.count()).select_from(ReaderAccess).where(
            ReaderAccess.membership_id == membership.id
        )
    )
    db.session.expire(membership)
    if not left:
        db.session.delete(membership)
        db.session.flush()
        end_sessions(user)
    db.session.flush()
    return reader


# -- release ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleasePanel:
    """The release panel of the engagement page: what the template shows."""

    released_at: datetime | None
    readers: int  # the organisation's readers, who see it once released
    invitations: int  # reader invitations not yet accepted
    mails: bool  # releasing mails the readers (SMTP configured, workspace verified)


def release_panel(engagement: Engagement, *, mails: bool) -> ReleasePanel:
    organisation = engagement.organisation
    return ReleasePanel(
        released_at=engagement.released_at,
        readers=len(organisation_readers(organisation)),
        invitations=len(pending_reader_invitations(organisation)),
        mails=mails,
    )


def release_messages(
    engagement: Engagement, settings: SmtpSettings, *, url: str, sender_name: str
) -> list[EmailMessage]:
    """One message per reader of the engagement's organisation, with a link to the
    report (the results page: they sign in to read it)."""
    organisation = engagement.organisation
    subject = f"{organisation.name}: {engagement.name} results are ready to read"
    return [
        message(
            settings,
            reader.email,
            subject,
            render_template(
                "engagements/email/released.txt",
                name=reader.name,
                sender=sender_name,
                organisation=organisation.name,
                engagement=engagement.name,
                workspace=organisation.workspace.name,
                url=url,
            ),
        )
        for reader in organisation_readers(organisation)
    ]
