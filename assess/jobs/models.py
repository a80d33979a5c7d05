"""A background job, as the database keeps it (any web host reads it).

The row is written by the job's runner as the job moves on: ``queued`` when a
page asks for it, ``running`` when a worker takes it (``started_at``), its
``heartbeat_at`` every few seconds while it runs, then ``done`` or ``failed``
with a message a person reads. A job whose worker died (killed, restarted)
stops beating: :func:`assess.jobs.queue.job_state` reports it failed when its
page is read, rather than running for ever.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assess.db import Base, str_enum


class JobState(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # refused (an import's bad cells), raised, or its worker died

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The registered task that runs it (assess.jobs.queue.task): "import", "report".
    task: Mapped[str] = mapped_column(String(40))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    label: Mapped[str] = mapped_column(String(300), default="")  # "Import of answers.csv"
    # Tables of higher layers are named, not imported. A job belongs to an
    # engagement and goes with it.
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True, default=None
    )
    # Who asked for it (None: the system, e.g. a report rendered ahead of time).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # At most one job per key: two web hosts scheduling the same report render
    # ahead of time make one job, not two.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    state: Mapped[JobState] = mapped_column(str_enum(JobState), default=JobState.QUEUED)
    progress_label: Mapped[str] = mapped_column(String(200), default="")
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None] = mapped_column(default=None)
    message: Mapped[str] = mapped_column(Text, default="")  # the outcome, in words
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # details
    # Naive UTC, as the audit log's times.
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def percent(self) -> int | None:
        """How far it is, 0-100; None when the total is not known."""
        if not self.progress_total:
            return None
        return max(0, min(100, round(100 * self.progress_done / self.progress_total)))
