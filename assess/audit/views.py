"""The audit log's pages, for the owners of the current workspace: ``/audit`` (newest
first, a page at a time) and ``/audit.csv`` (all of it). The operator reads every
workspace's with ``assess audit``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required

from assess.audit import log
from assess.audit.models import AuditEntry
from assess.engagements.access import Actor, require_actor
from assess.transfer.services import csv_chunks

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50

@dataclass(frozen=True)
class Line:
    """One entry as the page shows it."""

    when: datetime
    actor: str
    action: str  # words, "signed in"
    detail: str
    address: str


def _owner() -> Actor:
    actor = require_actor()
    if not actor.is_owner:
        abort(403, description="Only the workspace's owners read its audit log.")
    return actor


def csv_rows(found: Sequence[AuditEntry]) -> Iterator[list[Any]]:
    yield log.CSV_HEADER
    for entry in found:
        yield log.csv_row(entry)


@bp.get("/audit")
@login_required
def index() -> ResponseReturnValue:
    actor = _owner()
    total = log.count(actor.workspace.id)
    pages = max(1, -(-total // PAGE_SIZE))
    page = request.args.get("page", 1, type=int) or 1
    if page < 1 or page > pages:
        abort(404, description="There is no such page of the audit log.")
    found = log.entries(actor.workspace.id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    lines = [
        Line(
            when=entry.created_at.replace(microsecond=0),
            actor=entry.actor or "—",
            action=log.ACTIONS.get(entry.action, entry.action),
            detail=entry.detail,
            address=entry.address or "",
        )
        for entry in found
    ]
    return render_template(
        "audit/index.html",
        workspace=actor.workspace,
        lines=lines,
        page=page,
        pages=pages,
        total=total,
        retention_days=int(current_app.config["AUDIT_RETENTION_DAYS"]),
    )


@bp.get("/audit.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    actor = _owner()
    found = log.entries(actor.workspace.id)
    return Response(
        stream_with_context(csv_chunks(csv_rows(found))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=audit-workspace-{actor.workspace.id}.csv",
            "Cache-Control": "private, no-store",
        },
    )
