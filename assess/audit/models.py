"""One row per audited action. Kept for ``ASSESS_AUDIT_RETENTION_DAYS`` (with the
client address), then pruned; deleting a workspace deletes its log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from assess.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    # The workspace the action happened in; None for actions outside one (a
    # failed sign-in by an unknown address, the operator's CLI). Tables of higher
    # layers are named, not imported.
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), default=None
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Who, as they were named then (an address, "operator", "share link ..."):
    # kept when the account is deleted.
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))  # e.g. "sign_in", "release"
    detail: Mapped[str] = mapped_column(String(500), default="")
    # What it concerned; plain ids, no foreign keys: the entry recording a
    # deletion outlives what was deleted.
    organisation_id: Mapped[int | None] = mapped_column(default=None)
    engagement_id: Mapped[int | None] = mapped_column(default=None)
    address: Mapped[str | None] = mapped_column(String(64), default=None)
