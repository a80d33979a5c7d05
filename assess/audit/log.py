"""Writing and reading the audit log. ``record`` adds an entry to the session; the
caller commits with the action it records (a failed sign-in commits it alone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import delete, select

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
    "report_download": "downloaded a report",
    "organisation_export": "exported an organisation",
    "organisation_deleted": "deleted an organisation",
    "workspace_deleted": "deleted a workspace",
}


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


def entries(workspace_id: int | None, *, limit: int | None = None) -> Sequence[AuditEntry]:
    """A workspace's entries, newest first (``None``: every workspace's)."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if workspace_id is not None:
        query = query.where(AuditEntry.workspace_id == workspace_id)
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def prune() -> int:
    """Delete entries (and with them the addresses) older than the retention."""
    days = int(current_app.config["AUDIT_RETENTION_DAYS"])
    result = db.session.execute(
        delete(AuditEntry).where(AuditEntry.created_at < now() - timedelta(days=days))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult
