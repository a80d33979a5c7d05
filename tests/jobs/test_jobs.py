"""Background jobs: imports through the page, reports rendered ahead of time,
jobs that die reported (docs/jobs.md)."""

from __future__ import annotations

import io
import os
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from assess.engagements import files
from assess.engagements.files import FileKind
from assess.engagements.models import Engagement
from assess.extensions import db
from assess.jobs import queue
from assess.jobs.models import Job, JobState
from assess.reports.prerender import REPORT_TASK, schedule_prerenders
from assess.reports.service import cached_reports
from assess.transfer.models import ImportBatch
from tests.conftest import IN_CI
from tests.transfer.helpers import csv_bytes, finish_jobs, response_count

ROWS = [["respondent", "c_ease_easy", "c_recommend"]] + [[f"r{n}", 1 + n % 5, n % 11]
                                                        for n in range(300)]


def post_import(client, engagement, data: bytes, name="answers.csv"):
    return client.post(
        f"/engagements/{engagement.id}/responses/import",
        data={"audience": "customer", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def signed_in(auth, make_user, make_engagement):
    user = make_user("consultant")
    auth.login(user.email)
    return user, make_engagement(created_by=user)


def test_an_import_is_a_job_the_page_does_not_wait_for(app, client, auth, make_user,
                                                       make_engagement):
    user, engagement = signed_in(auth, make_user, make_engagement)
    sent = post_import(client, engagement, csv_bytes(ROWS))
    assert sent.status_code == 302
    assert "/imports/jobs/" in sent.headers["Location"]
    job = db.session.scalar(select(Job))
    assert (job.task, job.user_id, job.engagement_id) == ("import", user.id, engagement.id)
    db.session.rollback()  # (a test's open transaction would hold SQLite's write lock)
    finish_jobs()
    job = db.session.get(Job, job.id)
    assert job.state == JobState.DONE
    assert job.started_at is not None and job.finished_at is not None
    assert job.progress_total and job.progress_done == job.progress_total
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Imported 300 customer responses" in page
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing
    assert response_count(engagement.id) == 300
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.filename, batch.user_id, batch.responses) == ("answers.csv", user.id, 300)
    assert files.keys(engagement.id, FileKind.UPLOAD) == []  # the upload is gone
    data = client.get(f"/engagements/{engagement.id}?tab=data").get_data(as_text=True)
    assert 'data-testid="import-jobs"' not in data  # done: listed as an import instead


def test_a_refused_file_lists_its_cells_and_leaves_nothing(app, client, auth, make_user,
                                                           make_engagement):
    _, engagement = signed_in(auth, make_user, make_engagement)
    sent = post_import(client, engagement, csv_bytes([["c_ease_easy"], [9], ["x"]]))
    finish_jobs()
    page = client.get(sent.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The file was not imported" in html
    assert 'data-testid="import-errors"' in html and "is not on this question" in html
    assert db.session.scalar(select(Job.state)) == JobState.FAILED
    assert response_count(engagement.id) == 0
    assert files.keys(engagement.id, FileKind.UPLOAD) == []
    # The Data section lists it, so the consultant finds it again after leaving.
    data = client.get(f"/engagements/{engagement.id}?tab=data").get_data(as_text=True)
    assert 'data-testid="import-jobs"' in data and sent.headers["Location"] in data
    assert "not imported" in data


def test_a_running_job_page_refreshes_itself(app, client, auth, make_user, make_engagement):
    _, engagement = signed_in(auth, make_user, make_engagement)
    job = Job(task="import", arguments={"filename": "big.csv", "audience": "customer"},
              label="Import of big.csv (customer)", engagement_id=engagement.id,
              state=JobState.RUNNING, created_at=queue.now(), heartbeat_at=queue.now(),
              progress_label="Checking the file", progress_done=40, progress_total=100)
    db.session.add(job)
    db.session.commit()
    html = client.get(f"/engagements/{engagement.id}/imports/jobs/{job.id}").get_data(
        as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "Checking the file: 40%" in html and 'value="40"' in html
    assert 'data-testid="refresh"' in html  # and a link, for a browser that ignores it
    stopped = client.get(f"/engagements/{engagement.id}/imports/jobs/{job.id}?refresh=off")
    assert 'http-equiv="refresh"' not in stopped.get_data(as_text=True)  # WCAG 2.2.1


def test_a_job_whose_worker_died_is_reported_failed(app, client, auth, make_user,
                                                    make_engagement):
    _, engagement = signed_in(auth, make_user, make_engagement)
    long_ago = queue.now() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 1)
    job = Job(task="import", arguments={"filename": "big.csv", "audience": "customer"},
              label="Import of big.csv (customer)", engagement_id=engagement.id,
              state=JobState.RUNNING, created_at=long_ago, started_at=long_ago,
              heartbeat_at=long_ago)
    db.session.add(job)
    db.session.commit()
    html = client.get(f"/engagements/{engagement.id}/imports/jobs/{job.id}").get_data(
        as_text=True)
    assert "stopped without finishing" in html
    assert 'http-equiv="refresh"' not in html
    db.session.rollback()
    assert db.session.get(Job, job.id).state == JobState.FAILED
    # A job the stale worker still holds is not run after being given up.
    queue.run_job(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == JobState.FAILED


def test_a_job_that_raises_fails_with_a_message_not_a_traceback(app, make_engagement):
    engagement = make_engagement()

    def broken(job, progress):
        raise ZeroDivisionError("division by zero")

    queue.register_task("broken", broken)
    job = queue.enqueue("broken", {}, label="Broken", engagement_id=engagement.id)
    db.session.commit()
    queue.run_job(job.id)
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.state == JobState.FAILED
    assert "error on our side" in failed.message and f"job {job.id}" in failed.message
    assert "ZeroDivisionError" not in failed.message


def test_a_report_is_rendered_once_the_engagement_is_quiet(app, make_engagement,
                                                           make_response):
    """The debounce, on an injected clock: nothing while responses arrive, one job
    once quiet for the delay, none twice; the job fills the cache."""
    engagement = make_engagement()
    for n in range(5):
        make_response(engagement, "customer", {"c_ease_easy": 1 + n % 5})
    changed = db.session.scalar(select(Engagement.changed_at).where(
        Engagement.id == engagement.id))
    assert changed is not None  # the revision bump set it, in the same UPDATE
    delay = app.config["REPORT_PRERENDER_DELAY"]
    assert schedule_prerenders(changed + timedelta(seconds=delay - 1)) == []
    [job_id] = schedule_prerenders(changed + timedelta(seconds=delay + 1))
    db.session.commit()
    assert schedule_prerenders(changed + timedelta(seconds=delay + 60)) == []  # once
    queue.run_job(job_id)
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == JobState.DONE
    [key] = cached_reports(engagement.id)
    assert key.startswith("all-a4/")
    # Another response: quiet again later, rendered again (the slot last used).
    make_response(engagement, "customer", {"c_ease_easy": 3})
    later = db.session.scalar(select(Engagement.changed_at).where(
        Engagement.id == engagement.id))
    assert schedule_prerenders(later + timedelta(seconds=delay // 2)) == []
    assert len(schedule_prerenders(later + timedelta(seconds=delay + 1))) == 1
    assert db.session.scalar(select(Job.task).where(Job.id == job_id)) == REPORT_TASK


def test_the_report_download_is_served_from_the_prerendered_cache(app, client, auth,
                                                                  make_user, make_engagement,
                                                                  make_response, monkeypatch):
    user, engagement = signed_in(auth, make_user, make_engagement)
    for n in range(5):
        make_response(engagement, "customer", {"c_ease_easy": 1 + n % 5})
    changed = db.session.scalar(select(Engagement.changed_at).where(
        Engagement.id == engagement.id))
    [job_id] = schedule_prerenders(changed + timedelta(seconds=3600))
    db.session.commit()
    queue.run_job(job_id)
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == JobState.DONE, db.session.get(Job, job_id).message
    from assess.reports import service

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again: the cache was not used")

    monkeypatch.setattr(service, "build_report_pdf", no_rendering)
    pdf = client.get(f"/engagements/{engagement.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_batch_command_writes_every_report(app, runner, make_engagement, make_response,
                                               tmp_path):
    first = make_engagement(organisation="Year-end Ltd")
    second = make_engagement(organisation="Year-end Ltd")
    make_engagement(organisation="Someone else")
    for engagement in (first, second):
        for n in range(5):
            make_response(engagement, "customer", {"c_ease_easy": 1 + n % 5})
    result = runner.invoke(args=["report", "--all", "--organisation", "Year-end Ltd",
                                 "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"gap-report-engagement-{first.id}.pdf",
                       f"gap-report-engagement-{second.id}.pdf"]
    assert "2 reports of Year-end Ltd in" in result.output
    assert runner.invoke(args=["report", "--all", "-o", str(tmp_path)]).exit_code != 0


REDIS_URL = os.environ.get("ASSESS_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_queue_name():
    """A fresh RQ queue on a Redis database of the tests' own; Redis missing fails
    the test in CI (CI=true) and skips it elsewhere, as PostgreSQL does."""
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as error:
        message = f"Redis at {REDIS_URL} is unreachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"assess-test-{secrets.token_hex(4)}"
    yield name
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)


def test_with_redis_an_import_runs_on_an_rq_worker(make_app, make_user, make_engagement,
                                                   redis_queue_name):
    from rq import SimpleWorker

    from tests.conftest import AuthActions

    app = make_app(REDIS_URL=REDIS_URL, JOB_QUEUE=redis_queue_name)
    with app.app_context():
        client = app.test_client()
        user = make_user()
        AuthActions(client).login(user.email)
        engagement = make_engagement(created_by=user)
        sent = post_import(client, engagement, csv_bytes(ROWS))
        assert sent.status_code == 302
        job_queue = queue.rq_queue(app)
        assert job_queue.count == 1  # on Redis, not on a thread
        db.session.rollback()
        assert db.session.scalar(select(Job.state)) == JobState.QUEUED
        SimpleWorker([job_queue], connection=job_queue.connection).work(burst=True)
        db.session.rollback()
        assert db.session.scalar(select(Job.state)) == JobState.DONE
        assert response_count(engagement.id) == 300
        page = client.get(sent.headers["Location"]).get_data(as_text=True)
        assert "Imported 300 customer responses" in page


def test_the_upload_of_a_job_whose_worker_died_is_deleted(app, make_engagement):
    from assess.transfer.jobs import upload_key

    engagement = make_engagement()
    running = Job(task="import", arguments={}, engagement_id=engagement.id,
                  state=JobState.RUNNING, created_at=queue.now(), heartbeat_at=queue.now())
    dead = Job(task="import", arguments={}, engagement_id=engagement.id,
               state=JobState.FAILED, created_at=queue.now())
    db.session.add_all([running, dead])
    db.session.flush()
    for job in (running, dead):
        files.store(engagement.id, FileKind.UPLOAD, upload_key(job.id), b"c_ease_easy\n3\n",
                    "text/csv")
    files.store(engagement.id, FileKind.UPLOAD, upload_key(999), b"x", "text/csv")  # no job
    db.session.commit()
    queue.run_scans(app)
    assert files.keys(engagement.id, FileKind.UPLOAD) == [upload_key(running.id)]
