"""Imports through the engagement page, run as background jobs (docs/jobs.md).

The page stores the uploaded file as an engagement file of kind ``upload`` (in
the database, so a worker on any host reads it), queues an ``import`` job and
answers at once with the job's page. The job reads and checks the whole file in
a read-only transaction (on SQLite it holds no write lock while it parses, so
respondents keep answering), then writes the new rows as one batch in one short
transaction, which also marks the job done and deletes the upload. A refused
file fails the job with the same whole-file list of bad cells as before; the
upload is deleted whatever the end (:func:`forget_finished_uploads` removes the
upload of a job whose worker died).
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from assess.accounts.models import User
from assess.db import intent
from assess.engagements import files
from assess.engagements.files import EngagementFile, FileKind
from assess.engagements.models import Engagement
from assess.extensions import db
from assess.jobs.models import Job, JobState
from assess.jobs.queue import (
    JobProgress,
    JobRefused,
    Outcome,
    allow_long_statements,
    enqueue,
    write_progress,
)

from .models import ImportSource
from .services import (
    FileProblem,
    ImportRejected,
    Progress,
    TransferError,
    check_audience,
    check_import,
    shown_name,
    store_import,
)

IMPORT_TASK = "import"

#: Bad cells kept with a refused job (and shown on its page); the command line lists all.
SHOWN_ERRORS = 1_000

_MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def upload_key(job_id: int) -> str:
    return f"job-{job_id}"


def start_import(
    engagement: Engagement, audience: str, data: bytes, filename: str, *, user_id: int
) -> Job:
    """Queue the import of ``data`` (flushed; the caller commits, then dispatches).
    A wrong audience raises :class:`TransferError` at once, before anything is stored."""
    chosen = check_audience(engagement, audience)
    shown = shown_name(filename)
    job = enqueue(
        IMPORT_TASK, {"audience": str(chosen), "filename": filename},
        label=f"Import of {shown} ({chosen})", engagement_id=engagement.id, user_id=user_id,
    )
    assert job is not None  # no dedupe key: always queued
    suffix = filename.rsplit(".", 1)[-1].lower()
    files.store(engagement.id, FileKind.UPLOAD, upload_key(job.id), data,
                _MEDIA_TYPES.get(suffix, "application/octet-stream"))
    return job


def run_import(job: Job, progress: JobProgress) -> Outcome:
    """The ``import`` task: check the stored upload whole, then store its new rows."""
    job_id, engagement_id = job.id, job.engagement_id
    audience, filename = job.arguments["audience"], job.arguments["filename"]
    try:
        # Done: the upload's deletion is in the job's own transaction.
        return _import(job_id, engagement_id, audience, filename, job.user_id, progress)
    except BaseException:
        # Refused or failed: the job's transaction is rolled back, and the upload
        # goes in one of its own.
        db.session.rollback()
        with intent(write=True):
            if engagement_id is not None:
                files.remove(engagement_id, FileKind.UPLOAD, key=upload_key(job_id))
            db.session.commit()
        raise


def _import(job_id: int, engagement_id: int | None, audience: str, filename: str,
            user_id: int | None, progress: JobProgress) -> Outcome:
    with intent(write=False):
        engagement = db.session.get(Engagement, engagement_id, populate_existing=True) \
            if engagement_id else None
        stored = files.read(engagement_id, FileKind.UPLOAD, upload_key(job_id)) \
            if engagement_id else None
        if engagement is None or stored is None:
            raise JobRefused("The uploaded file is no longer there; nothing was imported. "
                             "Import it again.")
        description, data = stored
        try:
            checked = check_import(engagement, audience, io.BytesIO(data), filename,
                                   size=description.size, progress=_Reported(progress))
        except ImportRejected as refused:
            raise JobRefused(str(refused), {
                "errors": [asdict(e) for e in refused.errors[:SHOWN_ERRORS]],
                "total": refused.total,
            }) from None
        except (FileProblem, TransferError) as problem:
            raise JobRefused(str(problem), {"errors": [], "total": 0}) from None
        del data
    # The reading transaction ends here: the write below starts its own (on
    # SQLite an IMMEDIATE one), short, after the slow part.
    db.session.rollback()
    progress.start(f"Writing {checked.parsed.rows:,} rows", None)
    write_progress(job_id, progress)
    with intent(write=True):
        # A request's statement timeout (ASSESS_DATABASE_STATEMENT_TIMEOUT_MS) is not
        # a job's: writing 100,000 rows takes longer than one page may.
        allow_long_statements()
        engagement = db.session.get(Engagement, engagement_id)
        if engagement is None:
            raise JobRefused("The engagement was deleted; nothing was imported.")
        actor = db.session.scalar(select(User.email).where(User.id == user_id)) \
            if user_id is not None else None
        try:
            report = store_import(engagement, checked, filename, progress=_Reported(progress),
                                  source=ImportSource.PAGE, user_id=user_id,
                                  actor=actor or "a deleted account")
        except TransferError as problem:
            raise JobRefused(str(problem), {"errors": [], "total": 0}) from None
        files.remove(engagement.id, FileKind.UPLOAD, key=upload_key(job_id))
    return Outcome(report.summary(), {"batch_id": report.batch_id,
                                      "imported": report.imported})


class _Reported(Progress):
    """The import's progress, reported to the job (its page shows it)."""

    def __init__(self, job: JobProgress) -> None:
        self.job = job

    def start(self, label: str, total: int | None) -> None:
        self.job.start(label, total)

    def update(self, done: int) -> None:
        self.job.update(done)

    def finish(self) -> None:
        self.job.finish()


_UPLOAD_KEY = re.compile(r"job-(\d+)\Z")


def forget_finished_uploads(_at: datetime) -> list[int]:
    """A scan: delete the uploads of jobs that ended without deleting them (their
    worker died) or are gone. Flushed; the scheduler commits."""
    uploads = db.session.execute(
        select(EngagementFile.engagement_id, EngagementFile.key)
        .where(EngagementFile.kind == FileKind.UPLOAD)
    ).all()
    for engagement_id, key in uploads:
        match = _UPLOAD_KEY.match(key)
        state = db.session.scalar(select(Job.state).where(Job.id == int(match.group(1)))) \
            if match else None
        if state is None or JobState(state).finished:
            files.remove(engagement_id, FileKind.UPLOAD, key=key)
    return []


@dataclass(frozen=True)
class ImportJob:
    """An import through the page that is under way or ended badly, for the Data panel."""

    id: int
    label: str
    state: str  # queued, running, failed
    message: str


#: The imports the Data panel lists besides the recorded batches (a done import is
#: one of those; its job is not listed again).
RECENT_IMPORT_JOBS = 5


def recent_import_jobs(engagement_id: int) -> list[ImportJob]:
    """The engagement's latest imports that are queued, running or failed, newest first."""
    rows = db.session.execute(
        select(Job.id, Job.label, Job.state, Job.message)
        .where(Job.engagement_id == engagement_id, Job.task == IMPORT_TASK,
               Job.state != JobState.DONE)
        .order_by(Job.id.desc()).limit(RECENT_IMPORT_JOBS)
    ).all()
    return [ImportJob(job_id, label, str(state), message)
            for job_id, label, state, message in rows]
