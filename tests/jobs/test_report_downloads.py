"""A download the cache cannot serve is rendered on a job: the page follows it, then
offers the PDF; the request never waits for WeasyPrint (docs/jobs.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from assess.audit.models import AuditEntry
from assess.extensions import db
from assess.jobs.models import Job, JobState
from assess.reports import prerender
from assess.sharing.links import create_share_link, now
from tests.transfer import helpers


def finish_jobs() -> None:
    """Wait for the jobs, then read what they wrote (the tests' requests share this
    session, whose objects would otherwise keep the revision they were loaded with)."""
    helpers.finish_jobs()
    db.session.expire_all()


@pytest.fixture
def app(make_app: Any) -> Any:
    app = make_app(REPORT_DOWNLOAD_JOBS=True)  # as in production
    with app.app_context():
        yield app


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str, bool]]:
    """A stand-in for WeasyPrint (the layout is the report tests' business): each
    "PDF" names what it was made from."""
    made: list[tuple[int, str, bool]] = []

    def render(engagement: Any, page_size: str = "a4", earlier: Any = None, *,
               with_comments: bool = True) -> bytes:
        made.append((engagement.id, page_size, with_comments))
        return f"%PDF-stub {engagement.id} {page_size} #{len(made)}".encode()

    monkeypatch.setattr(prerender, "build_report_pdf", render)
    return made


@pytest.fixture
def answered(make_engagement: Any, make_response: Any) -> Any:
    engagement = make_engagement(organisation="Acme Ltd")
    for n in range(5):
        make_response(engagement, "customer", {"c_ease_easy": 1 + n % 5})
    db.session.expire_all()  # the revision the responses moved, as a request reads it
    return engagement


@pytest.fixture
def consultant(make_user: Any, auth: Any) -> Any:
    user = make_user("consultant")
    auth.login(user.email)
    return user


def _downloads() -> int:
    return int(db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report_download")
    ) or 0)


def test_a_download_the_cache_cannot_serve_shows_the_job_then_the_pdf(
    client, consultant, answered, renders
):
    asked = client.get(f"/engagements/{answered.id}/report.pdf?page_size=letter")
    assert asked.status_code == 303
    page_url = asked.headers["Location"]
    assert re.fullmatch(rf"/engagements/{answered.id}/report/jobs/\d+", page_url)
    job = db.session.scalar(select(Job))
    assert (job.task, job.engagement_id, job.user_id) == (
        prerender.REPORT_TASK, answered.id, consultant.id)
    assert job.arguments == {"slots": [["letter", False, True]], "download": True}
    db.session.rollback()
    finish_jobs()
    assert renders == [(answered.id, "letter", True)]
    ready = client.get(page_url)
    html = ready.get_data(as_text=True)
    assert ready.status_code == 200
    assert "The PDF report is ready" in html and 'http-equiv="refresh"' not in html
    download = re.search(r'href="([^"]+)" data-testid="download"', html)
    assert download is not None
    assert download.group(1) == f"/engagements/{answered.id}/report.pdf?page_size=letter"
    pdf = client.get(download.group(1))
    assert pdf.status_code == 200
    assert pdf.data == f"%PDF-stub {answered.id} letter #1".encode()
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    assert len(renders) == 1 and _downloads() == 1  # the download, not the job, is recorded


def test_the_page_refreshes_itself_while_the_report_is_prepared(client, consultant, answered,
                                                                 renders):
    page_url = client.get(f"/engagements/{answered.id}/report.pdf").headers["Location"]
    # Not dispatched yet as far as this page knows: queued, with its refresh.
    db.session.execute(Job.__table__.update().values(state=JobState.QUEUED.value))
    db.session.commit()
    html = client.get(page_url).get_data(as_text=True)
    assert 'http-equiv="refresh" content="2"' in html
    assert 'data-testid="report-progress"' in html and "Stop refreshing" in html
    stopped = client.get(page_url + "?refresh=off").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in stopped
    db.session.rollback()
    finish_jobs()


def test_many_asking_at_once_make_one_job(client, consultant, answered, renders,
                                          monkeypatch):
    # Nothing runs yet: both requests find the same job queued.
    from assess.reports import views as report_views

    monkeypatch.setattr(report_views, "dispatch", lambda job_id: None)
    first = client.get(f"/engagements/{answered.id}/report.pdf").headers["Location"]
    second = client.get(f"/engagements/{answered.id}/report.pdf").headers["Location"]
    assert first == second
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_a_failed_render_says_why_and_can_be_tried_again(client, consultant, answered,
                                                        monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(prerender, "build_report_pdf", broken)
    page_url = client.get(f"/engagements/{answered.id}/report.pdf").headers["Location"]
    db.session.rollback()
    finish_jobs()
    failed = client.get(page_url).get_data(as_text=True)
    assert "The report could not be prepared" in failed
    assert "Traceback" not in failed
    # Asking again shows the same failure rather than queueing the same job anew...
    assert client.get(f"/engagements/{answered.id}/report.pdf").headers["Location"] == page_url
    # ... until the person asks to try again.
    retry = re.search(r'href="([^"]+)" data-testid="retry"', failed)
    assert retry is not None
    monkeypatch.setattr(prerender, "build_report_pdf", lambda *a, **k: b"%PDF-stub again")
    again = client.get(retry.group(1).replace("&amp;", "&"))
    assert again.status_code == 303 and again.headers["Location"] != page_url
    db.session.rollback()
    finish_jobs()
    assert client.get(f"/engagements/{answered.id}/report.pdf").data == b"%PDF-stub again"
    assert db.session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_share_link_download_is_prepared_on_a_job_too(client, make_user, answered, renders):
    answered.released_at = now()  # released for its readers
    db.session.commit()
    user = make_user("consultant")
    token = create_share_link(answered, expiry="30", with_comments=False,
                              created_by=user.id).token
    db.session.commit()
    db.session.expire_all()
    asked = client.get(f"/s/{token}/report.pdf")
    assert asked.status_code == 303
    assert re.fullmatch(rf"/s/{token}/report/jobs/\d+", asked.headers["Location"])
    db.session.rollback()
    finish_jobs()
    assert renders == [(answered.id, "a4", False)]  # released waves, without comments
    html = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "The PDF report is ready" in html
    pdf = client.get(f"/s/{token}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-stub")
    # Another engagement's job, or a job that is no download, is no page of this link.
    other = Job(task="import", arguments={}, label="x", engagement_id=answered.id,
                state=JobState.DONE, created_at=db.session.scalar(select(Job.created_at)))
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/s/{token}/report/jobs/{other.id}").status_code == 404
