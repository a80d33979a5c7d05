"""Reports rendered before they are asked for (docs/jobs.md).

Every change to an engagement (a response, an import, a status or settings
change) sets ``engagements.changed_at`` in the UPDATE that bumps its revision, so
a respondent's page pays nothing more for it. A scan (every
``ASSESS_JOB_SCAN_SECONDS``) finds the engagements that changed and have then
been quiet for ``ASSESS_REPORT_PRERENDER_DELAY`` seconds, and queues one
``report`` job per change (its dedupe key names the engagement and the moment
it changed, so several hosts scanning at once queue one). The job renders the
PDFs the cache held for the engagement, one per slot (the page size and variant
last used for each: consultant, client reader, share link), or the consultant's
A4 report when none was ever cached, into the cache (:mod:`assess.reports.service`):
the first download after the responses stop arriving is served from it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, select

from assess.db import intent
from assess.engagements import files
from assess.engagements.files import FileKind
from assess.engagements.models import Engagement
from assess.engagements.services import previous_engagement
from assess.extensions import db
from assess.jobs.models import Job, JobState
from assess.jobs.queue import JobProgress, JobRefused, Outcome, enqueue
from assess.reports.service import (
    PAGE_SIZE_NAMES,
    build_report_pdf,
    cache_key,
    store_cached_report,
)

REPORT_TASK = "report"

#: The slot rendered when none was ever cached: the consultant's full report in A4.
DEFAULT_SLOT = "all-a4"


def due_engagements(at: datetime, delay_seconds: float) -> list[tuple[int, datetime]]:
    """``(engagement id, changed_at)`` of the engagements that changed, then stayed
    quiet ``delay_seconds`` up to ``at``, and have no report job for that change yet."""
    quiet_since = at - timedelta(seconds=delay_seconds)
    already = exists().where(and_(
        Job.task == REPORT_TASK, Job.engagement_id == Engagement.id,
        Job.created_at >= Engagement.changed_at,
    ))
    rows = db.session.execute(
        select(Engagement.id, Engagement.changed_at)
        .where(Engagement.changed_at.is_not(None), Engagement.changed_at <= quiet_since,
               ~already)
        .order_by(Engagement.changed_at)
    )
    return [(engagement_id, changed_at) for engagement_id, changed_at in rows
            if changed_at is not None]


def schedule_prerenders(at: datetime) -> list[int]:
    """A scan: queue a render for each due engagement (flushed; the scheduler
    commits and dispatches). Returns the new jobs' ids."""
    delay = float(current_app.config["REPORT_PRERENDER_DELAY"])
    if delay <= 0:
        return []
    queued = []
    for engagement_id, changed_at in due_engagements(at, delay):
        job = enqueue(
            REPORT_TASK, {}, label="Report rendered ahead of time",
            engagement_id=engagement_id,
            dedupe_key=f"report:{engagement_id}:{changed_at.isoformat()}",
        )
        if job is not None:
            queued.append(job.id)
    return queued


def slots_to_render(engagement_id: int) -> list[tuple[str, bool, bool]]:
    """``(page size, released only, with comments)`` of each slot the cache holds."""
    found = set()
    for key in files.keys(engagement_id, FileKind.REPORT) or [f"{DEFAULT_SLOT}/"]:
        slot = key.partition("/")[0]
        waves, _, variant = slot.partition("-")
        page_size, _, comments = variant.partition("-")
        if page_size in PAGE_SIZE_NAMES and waves in ("all", "released"):
            found.add((page_size, waves == "released", comments != "nocomments"))
    return sorted(found)


#: The label of a download's render, as its page shows it.
DOWNLOAD_LABEL = "Preparing the PDF report"


def queue_download(
    engagement_id: int, key: str, page_size: str, *, released_only: bool,
    with_comments: bool, user_id: int | None, retry: bool = False,
) -> tuple[Job, bool]:
    """The job that renders the PDF a download asked for and the cache did not
    hold (``key``): the one already queued or running for it, or a new one
    (flushed; the caller commits, then dispatches a new one). ``(job, new)``.

    One job per PDF however many people ask for it at once (its dedupe key names
    the engagement and the key). A finished one is shown as it ended (a failure
    with its reason) unless ``retry``; one that finished but whose PDF has gone
    from the cache since (data changed meanwhile) is replaced."""
    dedupe = f"report-download:{engagement_id}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"
    for _attempt in range(2):  # a second request may add the same job in between
        existing = db.session.scalar(select(Job).where(Job.dedupe_key == dedupe))
        if existing is not None:
            if not existing.state.finished:
                return existing, False
            if existing.state == JobState.FAILED and not retry:
                return existing, False
            existing.dedupe_key = None  # kept in the history, no longer the one
            db.session.flush()
        job = enqueue(
            REPORT_TASK,
            {"slots": [[page_size, released_only, with_comments]], "download": True},
            label=DOWNLOAD_LABEL, engagement_id=engagement_id, user_id=user_id,
            dedupe_key=dedupe,
        )
        if job is not None:
            return job, True
    raise RuntimeError("could not queue the report's render")


def is_download(job_task: str, arguments: dict[str, object]) -> bool:
    """Whether a job is a download's render (its page may be shown to whoever may
    download the engagement's report)."""
    return job_task == REPORT_TASK and bool(arguments.get("download"))


def render_ahead(job: Job, progress: JobProgress) -> Outcome:
    """The ``report`` task: render the engagement's slots into the cache (the one
    a download asked for, when the job names it). Each PDF
    is rendered in a read-only transaction (on SQLite, without the write lock:
    respondents keep answering) and stored in a short one of its own; a PDF made
    from data that changed meanwhile is stored under its own key, and the change
    schedules another render."""
    engagement_id = job.engagement_id
    if engagement_id is None:
        raise JobRefused("A report job names no engagement.")
    named = job.arguments.get("slots")
    with intent(write=False):
        slots = ([(str(p), bool(r), bool(c)) for p, r, c in named] if named
                 else slots_to_render(engagement_id))
    db.session.commit()
    progress.start("Rendering the report", len(slots))
    rendered = 0
    for done, (page_size, released_only, with_comments) in enumerate(slots, start=1):
        with intent(write=False):
            engagement = db.session.get(Engagement, engagement_id, populate_existing=True)
            if engagement is None:
                raise JobRefused("The engagement was deleted.")
            earlier = previous_engagement(engagement, released_only=released_only)
            key = cache_key(engagement, page_size, earlier, released_only, with_comments)
            pdf = None
            if files.describe(engagement.id, FileKind.REPORT, key) is None:
                pdf = build_report_pdf(engagement, page_size, earlier,
                                       with_comments=with_comments)
        db.session.rollback()
        if pdf is not None:
            with intent(write=True):
                store_cached_report(engagement_id, key, pdf)
                db.session.commit()
            rendered += 1
        progress.update(done)
    if job.arguments.get("download"):
        return Outcome(
            "Laid out from the answers received so far; it stays ready until the answers "
            "or the report's settings change.", {"slots": len(slots), "rendered": rendered})
    names = ", ".join(f"{'released-' if r else ''}{p}{'' if c else ' without comments'}"
                      for p, r, c in slots)
    return Outcome(f"Rendered the report ahead of time ({names}; {rendered} new).",
                   {"slots": len(slots), "rendered": rendered})
