from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.db import Base, str_enum
from assess.instruments.schema import Instrument
from assess.instruments.snapshots import instrument_for
from assess.workspaces.models import Workspace

#: The report's accent colour until the consultant chooses one.
DEFAULT_ACCENT = "#1f4e79"


class Status(enum.StrEnum):
    DRAFT = "draft"  # being set up; links do not accept answers yet
    OPEN = "open"  # collecting responses
    CLOSED = "closed"  # finished; links refuse answers, results stay


class Organisation(Base):
    """The client whose customer-centricity is assessed (or the company itself),
    in exactly one workspace; its name is unique only there."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    workspace: Mapped[Workspace] = relationship()
    engagements: Mapped[list[Engagement]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", passive_deletes=True
    )


class InstrumentSnapshot(Base):
    """The exact questionnaire content an engagement uses.

    Stored once per distinct content (by hash) so editing a file under
    ``questionnaires/`` never changes an existing engagement's questions or results.
    The content is read only when asked for: the parsed instrument is kept per
    process by content hash (:mod:`assess.instruments.snapshots`), so a request
    whose process has it never loads the content at all.
    """

    __tablename__ = "instrument_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def instrument(self) -> Instrument:
        return instrument_for(self.content_hash, lambda: self.content)


class Engagement(Base):
    """One assessment of one organisation on one instrument."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("instrument_snapshots.id"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[Status] = mapped_column(
        str_enum(Status), default=Status.DRAFT
    )
    anonymity_threshold: Mapped[int] = mapped_column(default=5)
    prepared_by: Mapped[str] = mapped_column(String(200), default="")
    accent_colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_ACCENT)
    # The open-link mailing counts the consultant enters: how many people were sent
    # each audience's open link (or invited outside this site); None: not known.
    # Personal links are counted apart (assess.results.participation).
    staff_invited: Mapped[int | None] = mapped_column(default=None)
    customer_invited: Mapped[int | None] = mapped_column(default=None)
    created_on: Mapped[date] = mapped_column(default=date.today)
    opened_on: Mapped[date | None] = mapped_column(default=None)
    closed_on: Mapped[date | None] = mapped_column(default=None)
    # Released: its results and report are visible to the organisation's readers.
    released_at: Mapped[datetime | None] = mapped_column(default=None)
    # Bumped whenever responses or report settings change; the report cache keys on it.
    revision: Mapped[int] = mapped_column(default=0)
    # When its row last changed (naive UTC): any UPDATE of it, so every revision bump
    # (a response, an import, a status or settings change) sets it in the same
    # statement, at no extra query. Its report is rendered ahead of time once this is
    # a while ago (assess/reports/prerender.py). None: unchanged since created.
    changed_at: Mapped[datetime | None] = mapped_column(default=None, onupdate=lambda: _utc_now())

    organisation: Mapped[Organisation] = relationship(back_populates="engagements")
    snapshot: Mapped[InstrumentSnapshot] = relationship()

    def instrument(self) -> Instrument:
        return self.snapshot.instrument()

    @property
    def accepts_responses(self) -> bool:
        return self.status == Status.OPEN


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
