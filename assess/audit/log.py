"""Writing and reading the audit log. ``record`` adds an entry to the session; the
caller commits with the action it records (a failed sign-in commits it alone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import ColumnElement, delete, func, or_, select, update

from assess.audit.models import AuditEntry
from assess.extensions import db

#: The actions the log knows, with the words a person reads.
ACTIONS: dict[str, str] = {
    "sign_in": "signed in",
    "sign_in_failed": "failed to sign in",
    "member_invited": "invited a member",
    "member_joined": "joined",
    "role_changed": "changed a role",
    "member_removed": "removed a member",
    "release": "released results",
    "release_withdrawn": "withdrew a release",
    "share_link_created": "created a share link",
    "share_link_revoked": "revoked a share link",
    "share_link_used": "opened a share link",
    "export": "exported answers",
    "responses_imported": "imported responses",
    "import_removed": "removed an import",
    "report_download": "downloaded a report",
    "organisation_export": "exported an organisation",
    "organisation_deleted": "deleted an organisation",
    "engagement_settings_changed": "changed an engagement's settings",
    "engagement_deleted": "deleted an engagement",
    "next_wave_created": "created a next wave",
    "open_link_mailing": "entered an open-link mailing count",
    "workspace_deleted": "deleted a workspace",
}


@dataclass(frozen=True)
class About:
    """An organisation and its engagements' ids: what entries may concern
    (``organisation_id`` None: only the engagements, as when one is deleted)."""

    organisation_id: int | None
    engagement_ids: tuple[int, ...] = ()


#: The columns of the log as CSV (the page's download, the zip of an organisation;
#: ``assess audit --format csv`` puts the workspace first).
CSV_HEADER = [
    "time_utc", "actor", "action", "what", "detail", "organisation_id", "engagement_id",
    "address",
]


def csv_row(entry: AuditEntry) -> list[object]:
    """An entry as a CSV row (the caller's writer neutralises formulas)."""
    return [
        entry.created_at.replace(microsecond=0).isoformat(sep=" "),
        entry.actor,
        entry.action,
        ACTIONS.get(entry.action, entry.action),
        entry.detail,
        entry.organisation_id,
        entry.engagement_id,
        entry.address,
    ]


def now() -> datetime:
    """Naive UTC, as the database stores it (the tests move this clock)."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(
    action: str,
    *,
    workspace_id: int | None = None,
    detail: str = "",
    organisation_id: int | None = None,
    engagement_id: int | None = None,
    actor: str | None = None,
    user_id: int | None = None,
) -> AuditEntry:
    """Add an entry: the signed-in person (unless ``actor``/``user_id`` say who) and
    the client address of the current request."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user.email
        user_id = user_id if user_id is not None else current_user.id
    entry = AuditEntry(
        created_at=now(),
        workspace_id=workspace_id,
        user_id=user_id,
        actor=(actor or "")[:254],
        action=action,
        detail=detail[:500],
        organisation_id=organisation_id,
        engagement_id=engagement_id,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def entries(
    workspace_id: int | None,
    *,
    limit: int | None = None,
    offset: int = 0,
    since: datetime | None = None,
    about: About | None = None,
) -> Sequence[AuditEntry]:
    """A workspace's entries, newest first (``None``: every workspace's); from
    ``since`` on; ``about`` one organisation and its engagements."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    query = query.where(*_filters(workspace_id, since, about))
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def count(workspace_id: int | None) -> int:
    """How many entries :func:`entries` has for the workspace (for paging)."""
    query = select(func.count()).select_from(AuditEntry)
    return int(db.session.scalar(query.where(*_filters(workspace_id, None, None))) or 0)


def about_filter(about: About) -> ColumnElement[bool]:
    """Entries that concern the organisation or one of its engagements."""
    about_engagements = AuditEntry.engagement_id.in_(about.engagement_ids)
    if about.organisation_id is None:
        return about_engagements
    return or_(AuditEntry.organisation_id == about.organisation_id, about_engagements)


def _filters(
    workspace_id: int | None, since: datetime | None, about: About | None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if workspace_id is not None:
        found.append(AuditEntry.workspace_id == workspace_id)
    if since is not None:
        found.append(AuditEntry.created_at >= since)
    if about is not None:
        found.append(about_filter(about))
    return found


def prune() -> int:
    """Delete entries (and with them the addresses) older than the retention."""
    days = int(current_app.config["AUDIT_RETENTION_DAYS"])
    result = db.session.execute(
        delete(AuditEntry).where(AuditEntry.created_at < now() - timedelta(days=days))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult


#: What an earlier entry's detail becomes when what it concerned is deleted.
FORGOTTEN = "(about something since deleted)"


def forget(about: About, *, keep: AuditEntry | None = None) -> int:
    """Earlier entries about a deleted organisation keep who did what and when, but
    no longer say what it concerned: their detail and ids are cleared (``keep``,
    the entry recording the deletion, is left as it is). Returns how many."""
    query = update(AuditEntry).where(about_filter(about))
    if keep is not None:
        db.session.flush()
        query = query.where(AuditEntry.id != keep.id)
    result = db.session.execute(
        query.values(detail=FORGOTTEN, organisation_id=None, engagement_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult
