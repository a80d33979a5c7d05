"""Engagement operations. Services flush; the caller (view or CLI) commits once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from assess.accounts.models import User
from assess.audit import log as audit
from assess.engagements.models import Engagement, InstrumentSnapshot, Organisation, Status
from assess.extensions import db
from assess.instruments.loader import load_instrument_by_id
from assess.instruments.schema import Instrument
from assess.scoring.validate import MIN_ANONYMITY_THRESHOLD
from assess.text import without_bidi_controls
from assess.workspaces.models import Membership, ReaderAccess, Workspace

DEFAULT_INSTRUMENT = "customer-centricity"


class EngagementError(ValueError):
    """A request about engagements that cannot be carried out; the message says why."""


def find_organisation(workspace: Workspace, name: str) -> Organisation | None:
    """The workspace's organisation of this name: a name never finds another
    workspace's organisation."""
    return db.session.scalar(
        select(Organisation).where(
            Organisation.workspace_id == workspace.id,
            Organisation.name == without_bidi_controls(name).strip(),
        )
    )


def get_or_create_organisation(workspace: Workspace, name: str) -> Organisation:
    """The workspace's organisation of this name, created if it has none."""
    name = without_bidi_controls(name).strip()
    if not name:
        raise EngagementError("The organisation needs a name.")
    if len(name) > 200:
        raise EngagementError("The organisation's name is longer than 200 characters.")
    organisation = find_organisation(workspace, name)
    if organisation is None:
        organisation = Organisation(workspace_id=workspace.id, name=name)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def give_reader_access(membership: Membership, organisation: Organisation) -> None:
    """Let a client reader read an organisation of their own workspace."""
    if membership.workspace_id != organisation.workspace_id:
        raise EngagementError(
            f"'{organisation.name}' belongs to another workspace than the reader's."
        )
    exists = db.session.scalar(
        select(ReaderAccess).where(
            ReaderAccess.membership_id == membership.id,
            ReaderAccess.organisation_id == organisation.id,
        )
    )
    if exists is None:
        db.session.add(ReaderAccess(membership_id=membership.id, organisation_id=organisation.id))
        db.session.flush()


def snapshot_of(instrument: Instrument) -> InstrumentSnapshot:
    """The stored snapshot of exactly this instrument content (one row per content)."""
    content_hash = instrument.content_hash()
    snapshot = db.session.scalar(
        select(InstrumentSnapshot).where(InstrumentSnapshot.content_hash == content_hash)
    )
    if snapshot is None:
        snapshot = InstrumentSnapshot(
            instrument_id=instrument.id,
            version=instrument.version,
            content_hash=content_hash,
            content=instrument.snapshot(),
        )
        db.session.add(snapshot)
        db.session.flush()
    return snapshot


def create_engagement(
    *,
    workspace: Workspace,
    organisation: str,
    name: str,
    instrument_id: str = DEFAULT_INSTRUMENT,
    created_by: User | None = None,
    anonymity_threshold: int | None = None,
    prepared_by: str = "",
) -> Engagement:
    name = without_bidi_controls(name).strip()
    prepared_by = without_bidi_controls(prepared_by).strip()
    if not name:
        raise EngagementError("The engagement needs a name.")
    if len(name) > 200:
        raise EngagementError("The engagement's name is longer than 200 characters.")
    instrument = load_instrument_by_id(instrument_id)
    threshold = anonymity_threshold or instrument.scoring.anonymity_threshold
    if threshold < MIN_ANONYMITY_THRESHOLD:
        raise EngagementError(
            f"The anonymity threshold cannot be below {MIN_ANONYMITY_THRESHOLD}."
        )
    org = get_or_create_organisation(workspace, organisation)
    engagement = Engagement(
        organisation=org,
        snapshot=snapshot_of(instrument),
        name=name,
        anonymity_threshold=threshold,
        prepared_by=prepared_by or (created_by.name or created_by.email if created_by else ""),
    )
    db.session.add(engagement)
    db.session.flush()
    return engagement


def set_status(engagement: Engagement, status: Status) -> None:
    if engagement.status == status:
        return
    if status == Status.DRAFT:
        raise EngagementError("An engagement that has been opened cannot go back to draft.")
    engagement.status = status
    if status == Status.OPEN:
        engagement.opened_on = engagement.opened_on or date.today()
        engagement.closed_on = None
    else:
        engagement.closed_on = date.today()
    engagement.revision += 1
    db.session.flush()


def find_engagement(reference: str | int) -> Engagement:
    """An engagement by the id shown in the UI and by ``assess engagement list``."""
    try:
        engagement_id = int(reference)
    except (TypeError, ValueError):
        raise EngagementError(
            f"'{reference}' is not an engagement id; `assess engagement list` shows them."
        ) from None
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None:
        raise EngagementError(
            f"There is no engagement {engagement_id}; `assess engagement list` shows them."
        )
    return engagement


def previous_engagement(
    engagement: Engagement, *, released_only: bool = False
) -> Engagement | None:
    """The organisation's latest earlier engagement on the same instrument id.

    ``released_only``: the latest earlier *released* one. A client reader's trend
    compares released waves only: a wave the consultant has not released (or has
    withdrawn) is not theirs to see, not even as the other end of a trend line."""
    query = (
        select(Engagement)
        .join(Engagement.snapshot)
        .where(
            Engagement.organisation_id == engagement.organisation_id,
            Engagement.id != engagement.id,
            InstrumentSnapshot.instrument_id == engagement.snapshot.instrument_id,
            (Engagement.created_on < engagement.created_on)
            | ((Engagement.created_on == engagement.created_on) & (Engagement.id < engagement.id)),
        )
        .order_by(Engagement.created_on.desc(), Engagement.id.desc())
        .limit(1)
    )
    if released_only:
        query = query.where(Engagement.released_at.is_not(None))
    return db.session.scalar(query)


# -- release: what the client's readers may see --------------------------------------


def release(engagement: Engagement, *, actor: str | None = None) -> bool:
    """Make the engagement's results and report visible to its organisation's
    readers, and record it in the audit log. False (and nothing recorded) when it
    was already released. Release decides only who can see: a report released
    during fieldwork reaches readers as it stands (marked interim by the report)."""
    if engagement.released_at is not None:
        return False
    engagement.released_at = datetime.now(UTC).replace(tzinfo=None)
    _record_release("release", engagement, actor)
    db.session.flush()
    return True


def withdraw_release(engagement: Engagement, *, actor: str | None = None) -> bool:
    """Hide the engagement from its organisation's readers again (audited). False
    when it was not released."""
    if engagement.released_at is None:
        return False
    engagement.released_at = None
    _record_release("release_withdrawn", engagement, actor)
    db.session.flush()
    return True


def _record_release(action: str, engagement: Engagement, actor: str | None) -> None:
    """``actor``: who, when not the signed-in person (the operator's command line)."""
    organisation = engagement.organisation
    audit.record(
        action,
        workspace_id=organisation.workspace_id,
        organisation_id=organisation.id,
        engagement_id=engagement.id,
        detail=f"{organisation.name}: {engagement.name}",
        actor=actor,
    )


def organisation_engagements(organisation: Organisation) -> list[Engagement]:
    """The organisation's engagements, newest first."""
    return list(
        db.session.scalars(
            select(Engagement)
            .where(Engagement.organisation_id == organisation.id)
            .order_by(Engagement.created_on.desc(), Engagement.id.desc())
        )
    )
