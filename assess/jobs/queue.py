"""Enqueueing, running and reading background jobs.

A page creates the job's row (:func:`enqueue`), commits, then hands it over
(:func:`dispatch`): to RQ on Redis when ``ASSESS_REDIS_URL`` is set (an
``assess worker`` process runs it), else to a thread of this process, so
``make run`` needs nothing else. Either way the job runs :func:`run_job`:

1. it *claims* the row (``queued`` → ``running``, in one UPDATE: a job that was
   already claimed, or given up as stale, is not run);
2. a heartbeat thread writes ``heartbeat_at`` and the progress every few
   seconds, on its own connection, so the page sees them while the job's own
   transaction is still open;
3. the task runs and returns its outcome; the runner marks the row ``done`` in
   the task's own transaction and commits once, so a job is done exactly when
   its work is committed. A task that refuses (:class:`JobRefused`: an import's
   bad cells) or raises is rolled back and marked ``failed`` with a message a
   person reads (a traceback goes to the log only).

A job whose worker dies (killed, restarted, out of memory) stops beating: the
next read of its page (:func:`job_view`) finds it stale and marks it failed. See
docs/jobs.md.
"""

from __future__ import annotations

import logging
import os
import queue as thread_queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from assess.db import intent
from assess.extensions import db
from assess.jobs.models import Job, JobState

_log = logging.getLogger(__name__)

#: The message of a job whose worker stopped without finishing it.
STOPPED = (
    "This job stopped without finishing (its worker was stopped or restarted). "
    "Nothing it was doing has been kept; start it again."
)
NEVER_STARTED = (
    "No worker took this job in time (is `assess worker` running?). Nothing has been "
    "done; start it again."
)
CRASHED = (
    "This job failed because of an error on our side; nothing it was doing has been kept. "
    "Try again; if it fails again, tell your administrator (job {id})."
)
QUEUE_UNREACHABLE = (
    "The job queue (Redis) could not be reached, so this job was not started; nothing "
    "has been done. Try again in a few minutes."
)


def now() -> datetime:
    """Naive UTC, as the database stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


class JobRefused(Exception):
    """A task that ends without doing its work, for a reason a person can act on
    (an import's bad cells): the job fails with this message and outcome."""

    def __init__(self, message: str, outcome: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.outcome = outcome


@dataclass
class Outcome:
    """What a task that did its work returns: the message a person reads, details."""

    message: str
    details: dict[str, Any] | None = None


class JobProgress:
    """Where a running task is; kept in memory and written by the heartbeat (the
    task's own transaction may hold SQLite's write lock, so it never writes it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.label = ""
        self.done = 0
        self.total: int | None = None
        self.changed = False

    def start(self, label: str, total: int | None) -> None:
        with self._lock:
            self.label, self.done, self.total, self.changed = label[:200], 0, total, True

    def update(self, done: int) -> None:
        with self._lock:
            self.done, self.changed = done, True

    def finish(self) -> None:
        with self._lock:
            if self.total is not None:
                self.done, self.changed = self.total, True

    def snapshot(self) -> tuple[str, int, int | None]:
        with self._lock:
            self.changed = False
            return self.label, self.done, self.total


#: A task: the job's row and its progress in, its outcome out (or JobRefused).
Task = Callable[[Job, JobProgress], Outcome]
_TASKS: dict[str, Task] = {}
#: Scans run every few seconds by the scheduler: given the time, they enqueue
#: jobs (flushed) and return their ids, which are dispatched once committed.
Scan = Callable[[datetime], list[int]]
_SCANS: dict[str, Scan] = {}


def register_task(name: str, function: Task) -> None:
    """Make ``function`` runnable as jobs of ``task=name`` (features register theirs
    in their ``init_app``, so a worker process knows them once it built the app)."""
    _TASKS[name] = function


def register_scan(name: str, function: Scan) -> None:
    _SCANS[name] = function


# -- enqueueing -------------------------------------------------------------------------


def enqueue(
    task: str, arguments: dict[str, Any], *, label: str, engagement_id: int | None = None,
    user_id: int | None = None, dedupe_key: str | None = None,
) -> Job | None:
    """Add a queued job (flushed; the caller commits, then calls :func:`dispatch`).
    With a ``dedupe_key`` another job already holds: None, and nothing is added."""
    if task not in _TASKS:
        raise ValueError(f"unknown job task {task!r}")
    job = Job(
        task=task, arguments=arguments, label=label[:300], engagement_id=engagement_id,
        user_id=user_id, dedupe_key=dedupe_key, state=JobState.QUEUED, created_at=now(),
    )
    if dedupe_key is None:
        db.session.add(job)
        db.session.flush()
        return job
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        return None
    return job


def dispatch(job_id: int, app: Flask | None = None) -> None:
    """Hand a committed job to a worker: RQ when Redis is configured, else this
    process's job thread. A queue that cannot be reached fails the job at once."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config["REDIS_URL"]
    if not url:
        _thread_runner(app).put(job_id)
        return
    try:
        rq_queue(app).enqueue_call(
            func=run_queued_job, args=(job_id,), job_id=f"assess-job-{job_id}",
            timeout=int(app.config["JOB_TIMEOUT"]), result_ttl=3600, failure_ttl=7 * 86400,
        )
    except Exception as error:  # noqa: BLE001 - redis-py raises several kinds
        _log.warning("Could not enqueue job %s on Redis: %s", job_id, type(error).__name__)
        _finish_elsewhere(job_id, JobState.FAILED, QUEUE_UNREACHABLE, only_if=(JobState.QUEUED,))


def rq_queue(app: Flask) -> Any:
    """The RQ queue jobs go to (``ASSESS_JOB_QUEUE`` on ``ASSESS_REDIS_URL``)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2)
    return Queue(app.config["JOB_QUEUE"], connection=connection)


# -- running ----------------------------------------------------------------------------

#: The app an ``assess worker`` process built, for jobs RQ runs in its work horse.
_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def run_queued_job(job_id: int) -> None:
    """What RQ runs: the job, in the worker's app."""
    if has_app_context():
        run_job(job_id)
        return
    if _worker_app is None:
        raise RuntimeError("run_queued_job runs in `assess worker`, which builds the app first")
    with _worker_app.app_context():
        run_job(job_id)


def run_job(job_id: int, clock: Callable[[], datetime] = now) -> None:
    """Run one job to its end in the current app context (see the module docstring)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not _claim(job_id, clock()):
        return  # already taken by another worker, or given up as stale
    with intent(write=False):
        job = db.session.get(Job, job_id, populate_existing=True)
        assert job is not None  # just claimed
        # End the reading transaction (its attributes stay loaded): the task begins
        # its own, read-only or writing as it needs (on SQLite, holding no write
        # lock while it only reads).
        db.session.commit()
    task = _TASKS.get(job.task)
    progress = JobProgress()
    beat = _Heartbeat(job_id, progress, float(app.config["JOB_HEARTBEAT_SECONDS"]), clock)
    beat.start()
    try:
        if task is None:
            raise RuntimeError(f"no task {job.task!r} is registered in this process")
        outcome = task(job, progress)
    except JobRefused as refused:
        db.session.rollback()
        beat.stop()
        _finish_elsewhere(job_id, JobState.FAILED, refused.message, refused.outcome)
        return
    except Exception:
        _log.exception("Job %s (%s) failed", job_id, job.task)
        db.session.rollback()
        beat.stop()
        _finish_elsewhere(job_id, JobState.FAILED, CRASHED.format(id=job_id))
        return
    beat.stop()
    label, done, total = progress.snapshot()
    with intent(write=True):
        job = db.session.get(Job, job_id)
        assert job is not None
        job.state = JobState.DONE
        job.message = outcome.message
        job.outcome = outcome.details
        job.progress_label, job.progress_done, job.progress_total = label, done, total
        job.finished_at = job.heartbeat_at = clock()
        db.session.commit()


def allow_long_statements() -> None:
    """In the current transaction, let statements run up to ``ASSESS_JOB_TIMEOUT``
    instead of a request's statement timeout (PostgreSQL; SQLite has none)."""
    if db.session.get_bind().dialect.name == "postgresql":
        milliseconds = int(float(current_app.config["JOB_TIMEOUT"]) * 1000)
        db.session.execute(text(f"SET LOCAL statement_timeout = {milliseconds}"))


def _claim(job_id: int, at: datetime) -> bool:
    with intent(write=True):
        claimed = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, started_at=at, heartbeat_at=at)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return bool(getattr(claimed, "rowcount", 0))


def _finish_elsewhere(
    job_id: int, state: JobState, message: str, outcome: dict[str, Any] | None = None,
    only_if: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING),
) -> None:
    """Mark the job finished on a connection of its own (the job's session was
    rolled back, or is a page's read-only one)."""
    assert db.engine is not None
    at = now()
    with intent(write=True), db.engine.begin() as connection:
        connection.execute(
            update(Job)
            .where(Job.id == job_id, Job.state.in_(only_if))
            .values(state=state, message=message, outcome=outcome, finished_at=at)
        )


class _Heartbeat:
    """Writes the job's ``heartbeat_at`` and progress every few seconds on a
    connection of its own, until stopped. A write that waits for a lock (SQLite
    while the job's transaction writes) only delays the next beat."""

    def __init__(self, job_id: int, progress: JobProgress, every: float,
                 clock: Callable[[], datetime]) -> None:
        self.job_id, self.progress, self.every, self.clock = job_id, progress, every, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()

    def beat(self) -> None:
        write_progress(self.job_id, self.progress, self.clock())


def write_progress(job_id: int, progress: JobProgress, at: datetime | None = None) -> None:
    """Write the job's heartbeat and progress now, on a connection of its own (the
    heartbeat does every few seconds; a task, before it takes SQLite's write lock)."""
    label, done, total = progress.snapshot()
    engine = db.engine
    if engine is None:
        return
    try:
        with intent(write=True), engine.begin() as connection:
            connection.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.RUNNING)
                .values(heartbeat_at=at or now(), progress_label=label,
                        progress_done=done, progress_total=total)
            )
    except Exception as error:  # noqa: BLE001 - a missed beat is not the job's failure
        _log.info("Job %s: heartbeat not written (%s)", job_id, type(error).__name__)


class _ThreadRunner:
    """This process's job thread (no Redis): runs jobs one at a time, in order."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: thread_queue.Queue[int] = thread_queue.Queue()
        self.thread = threading.Thread(target=self._run, name="assess-jobs", daemon=True)
        self.thread.start()

    def put(self, job_id: int) -> None:
        self.jobs.put(job_id)

    def _run(self) -> None:
        while True:
            job_id = self.jobs.get()
            try:
                with self.app.app_context():
                    run_job(job_id)
            except Exception:  # noqa: BLE001 - the thread must outlive one job
                _log.exception("Job %s could not be run", job_id)
            finally:
                self.jobs.task_done()


_runners: dict[tuple[int, int], _ThreadRunner] = {}
_runners_lock = threading.Lock()


def _thread_runner(app: Flask) -> _ThreadRunner:
    # Per process (a gunicorn worker forked after the app was built starts its own)
    # and per app (tests build one app per test).
    key = (os.getpid(), id(app))
    with _runners_lock:
        runner = _runners.get(key)
        if runner is None or not runner.thread.is_alive():
            runner = _runners[key] = _ThreadRunner(app)
        return runner


def wait_for_jobs(app: Flask, timeout: float = 60.0) -> None:
    """Wait until this process's job thread has run every job handed to it (tests,
    and the command line when it runs jobs without Redis)."""
    runner = _runners.get((os.getpid(), id(app)))
    if runner is None:
        return
    deadline = time.monotonic() + timeout
    while runner.jobs.unfinished_tasks:
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs still running after {timeout} s")
        time.sleep(0.01)


# -- scheduling -------------------------------------------------------------------------


def run_scans(app: Flask, at: datetime | None = None) -> list[int]:
    """Run every registered scan once, commit, dispatch the jobs they enqueued."""
    enqueued: list[int] = []
    with app.app_context():
        with intent(write=True):
            for name, scan in _SCANS.items():
                try:
                    enqueued += scan(at or now())
                    db.session.commit()
                except Exception:  # noqa: BLE001 - one scan failing must not stop the rest
                    _log.exception("Job scan %s failed", name)
                    db.session.rollback()
        db.session.remove()
        for job_id in enqueued:
            dispatch(job_id, app)
    return enqueued


_scheduler_started: set[tuple[int, int]] = set()


def start_scheduler(app: Flask) -> bool:
    """Run the scans every ``ASSESS_JOB_SCAN_SECONDS`` on a thread of this process
    (once per process and app); False when it was already running."""
    key = (os.getpid(), id(app))
    with _runners_lock:
        if key in _scheduler_started:
            return False
        _scheduler_started.add(key)
    every = float(app.config["JOB_SCAN_SECONDS"])

    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                run_scans(app)
            except Exception:  # noqa: BLE001 - keep scanning after a database hiccup
                _log.exception("Job scans failed")

    threading.Thread(target=loop, name="assess-job-scans", daemon=True).start()
    return True


# -- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class JobView:
    """A job as its page shows it (plain data: the template computes nothing)."""

    id: int
    task: str
    label: str
    arguments: dict[str, Any]
    engagement_id: int | None
    user_id: int | None
    state: JobState
    progress_label: str
    progress_done: int
    progress_total: int | None
    percent: int | None
    message: str
    outcome: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state.finished


def job_view(job_id: int, *, engagement_id: int | None = None,
             at: datetime | None = None) -> JobView | None:
    """The job (of that engagement, when given), or None. A job found stale (its
    worker stopped beating, or none took it in time) is marked failed first, on a
    connection of its own, so the page never shows a dead job as running."""
    query = select(Job).where(Job.id == job_id)
    if engagement_id is not None:
        query = query.where(Job.engagement_id == engagement_id)
    job = db.session.scalar(query)
    if job is None:
        return None
    view = _view(job)
    if not view.finished:
        config = current_app.config
        moment = at or now()
        stale = _stale_condition(moment, config)
        if db.session.scalar(select(Job.id).where(Job.id == job.id, stale)) is not None:
            message = NEVER_STARTED if job.state == JobState.QUEUED else STOPPED
            _finish_elsewhere(job.id, JobState.FAILED, message, only_if=(job.state,))
            view = _replace(view, state=JobState.FAILED, message=message, finished_at=moment)
    return view


def fail_stale_jobs(at: datetime | None = None) -> int:
    """Mark every stale job failed (a scan: also jobs whose page nobody reads)."""
    config = current_app.config
    moment = at or now()
    stale = db.session.execute(
        update(Job)
        .where(Job.state.in_((JobState.QUEUED, JobState.RUNNING)), _stale_condition(moment, config))
        .values(state=JobState.FAILED, finished_at=moment, message=STOPPED)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(stale, "rowcount", 0) or 0)


def _stale_condition(moment: datetime, config: Any) -> Any:
    beat_limit = moment - timedelta(seconds=float(config["JOB_STALE_SECONDS"]))
    queued_limit = moment - timedelta(seconds=float(config["JOB_QUEUED_TIMEOUT_SECONDS"]))
    return or_(
        and_(Job.state == JobState.RUNNING, Job.heartbeat_at < beat_limit),
        and_(Job.state == JobState.QUEUED, Job.created_at < queued_limit),
    )


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id, task=job.task, label=job.label, arguments=dict(job.arguments or {}),
        engagement_id=job.engagement_id,
        user_id=job.user_id, state=JobState(job.state), progress_label=job.progress_label,
        progress_done=job.progress_done, progress_total=job.progress_total,
        percent=job.percent, message=job.message, outcome=dict(job.outcome or {}),
        created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
    )


def _replace(view: JobView, **changes: Any) -> JobView:
    from dataclasses import replace

    return replace(view, **changes)
