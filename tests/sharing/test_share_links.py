"""Share links: a read-only link to a released report, for readers without an account.

Through the test client, on both databases, with the share links' clock
(``assess.sharing.links.now``) moved by hand: making links (each expiry choice, a
chosen date, refusals), the shared results page and PDF, comments only when the
link allows them, expiry, revocation, withdrawal of the release, the one 404 for
every wrong token, the headers, the last use, the audit entries, and who may
manage links.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.audit.models import AuditEntry
from assess.extensions import db
from assess.reports.service import cached_reports
from assess.sharing import links, share_views
from assess.sharing.models import ShareLink
from tests.access import give_reader
from tests.reports.conftest import pdf_text

COMMENT = "Answer the phone before the fifth ring"
STUB_PDF = b"%PDF-1.7 shared stand-in"
TOKEN_IN_PAGE = re.compile(r"http://testserver/s/([A-Za-z0-9_-]+)")


class Clock:
    """The share links' clock, moved by the tests."""

    def __init__(self) -> None:
        self.at = datetime(2030, 3, 1, 9, 0)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(links, "now", moved)
    return moved


@pytest.fixture
def stub_pdf(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stand in for the PDF (its rendering is the report tests' business); records
    what it was asked for."""
    calls: list[dict[str, Any]] = []

    def render(engagement: Any, page_size: str = "a4", **options: Any) -> bytes:
        calls.append({"page_size": page_size, **options})
        return STUB_PDF

    monkeypatch.setattr(share_views, "engagement_report_pdf", render)
    return calls


@pytest.fixture
def released(make_engagement: Callable[..., Any], make_response: Callable[..., Any],
             clock: Clock) -> Any:
    """A released engagement with enough customers (6, twice the threshold of 3) for
    their comments to show."""
    engagement = make_engagement(organisation="Acme Ltd", name="Spring survey",
                                 anonymity_threshold=3)
    instrument = engagement.instrument()
    for audience, count in (("staff", 3), ("customer", 6)):
        answers = {
            item.id: instrument.scale(item.scale).max
            for item in instrument.items_for(audience)  # type: ignore[arg-type]
        }
        comments = {"c_open_change": COMMENT} if audience == "customer" else {}
        for _ in range(count):
            make_response(engagement, audience, answers, comments=comments)
    engagement.released_at = clock()
    db.session.commit()
    return engagement


@pytest.fixture
def consultant(make_user: Callable[..., Any], auth: Any) -> Any:
    user = make_user("consultant", email="consultant@example.com")
    auth.login(user.email)
    return user


def make_link(client: FlaskClient, engagement: Any, **form: str) -> str:
    """Make a link through the page; its token, read from the page shown once."""
    answer = client.post(f"/engagements/{engagement.id}/share-links",
                         data={"expiry": "30", **form})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    found = TOKEN_IN_PAGE.search(answer.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def link_of(token: str) -> ShareLink:
    db.session.expire_all()
    link = db.session.scalar(
        select(ShareLink).where(ShareLink.token_hash == hashlib.sha256(token.encode()).hexdigest())
    )
    assert link is not None
    return link


def audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ))


# -- making links -------------------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 30, 90])
def test_a_link_is_made_for_each_expiry_choice_and_shown_once(
    client: FlaskClient, consultant: Any, released: Any, clock: Clock, days: int
) -> None:
    answer = client.post(f"/engagements/{released.id}/share-links",
                         data={"expiry": str(days), "label": "The board"})
    assert answer.status_code == 201
    assert answer.headers["Cache-Control"] == "no-store"
    token = TOKEN_IN_PAGE.search(answer.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert len(token) >= 43  # 32 random bytes: at least as strong as a respondent's 24
    link = link_of(token)
    assert link.expires_at == clock() + timedelta(days=days)
    assert link.label == "The board" and not link.with_comments
    assert link.created_by == consultant.id
    # Only the hash is kept: the token appears in no column.
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([getattr(link, c.key) for c in ShareLink.__table__.columns])
    # The panel lists it, and never shows the token again.
    page = client.get(f"/engagements/{released.id}?tab=report").get_data(as_text=True)
    assert "The board" in page and token not in page and "not used yet" in page
    [entry] = audit("share_link_created")
    assert entry.engagement_id == released.id and entry.actor == consultant.email


def test_a_chosen_date_works_to_its_end_and_must_be_after_today(
    client: FlaskClient, consultant: Any, released: Any, clock: Clock
) -> None:
    last_day = date(2030, 3, 20)
    token = make_link(client, released, expiry="date", expires_on=last_day.isoformat())
    assert link_of(token).expires_at == datetime(2030, 3, 21, 0, 0)
    # A date filled in is the choice, whichever button was ticked.
    token = make_link(client, released, expiry="30", expires_on="2030-04-01")
    assert link_of(token).expires_at == datetime(2030, 4, 2, 0, 0)
    refused = {
        "2030-02-28": "after today",  # in the past
        "2030-03-01": "after today",  # today
        "2031-06-01": "at most a year",
        "": "Choose the date",
        "not a date": "Choose the date",
    }
    for chosen, message in refused.items():
        answer = client.post(f"/engagements/{released.id}/share-links",
                             data={"expiry": "date", "expires_on": chosen},
                             follow_redirects=True)
        assert answer.status_code == 200
        assert message in answer.get_data(as_text=True), chosen
    answer = client.post(f"/engagements/{released.id}/share-links", data={"expiry": "365"},
                         follow_redirects=True)
    assert "7, 30 or 90 days" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 2
    assert len(audit("share_link_created")) == 2


def test_an_unreleased_engagement_cannot_be_shared(
    client: FlaskClient, consultant: Any, released: Any
) -> None:
    released.released_at = None
    db.session.commit()
    answer = client.post(f"/engagements/{released.id}/share-links", data={"expiry": "30"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/engagements/{released.id}?tab=report")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Release the results before sharing them" in page
    assert "Release the results to make a share link." in page  # the panel says so too
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 0


# -- the shared pages -----------------------------------------------------------------------


def test_the_shared_page_is_the_report_read_only_without_comments(
    app: Flask, client: FlaskClient, consultant: Any, released: Any, stub_pdf: list[Any]
) -> None:
    token = make_link(client, released)
    reader = app.test_client()  # no account, no cookies
    page = reader.get(f"/s/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Customer-centricity gap report" in html and "Acme Ltd" in html
    assert "In their own words" in html
    assert COMMENT not in html
    assert "not included in this copy" in html
    # Read-only: no link to a signed-in page, no form; the PDF through the token.
    hrefs = re.findall(r'(?:href|action|src)="([^"]*)"', html)
    assert all(h.startswith(("#", "/static/", f"/s/{token}")) for h in hrefs), hrefs
    assert "<form" not in html
    assert f'href="/s/{token}/report.pdf"' in html
    pdf = reader.get(f"/s/{token}/report.pdf?page_size=letter")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == STUB_PDF
    assert stub_pdf == [{"page_size": "letter", "released_only": True, "with_comments": False}]
    # The accent colour's <style> is allowed by its nonce, not by 'unsafe-inline'.
    [nonce] = re.findall(r'<style nonce="([^"]+)">', html)
    assert "style-src 'self' 'nonce-" + nonce + "';" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert not re.search(r'\sstyle="', html)
    for answer in (page, pdf):
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "noindex" in answer.headers["X-Robots-Tag"]
        assert answer.headers["Cache-Control"] == "no-store"


def test_comments_show_only_when_the_link_allows_them(
    app: Flask, client: FlaskClient, consultant: Any, released: Any, stub_pdf: list[Any]
) -> None:
    with_comments = make_link(client, released, with_comments="1")
    without = make_link(client, released)
    reader = app.test_client()
    assert COMMENT in reader.get(f"/s/{with_comments}").get_data(as_text=True)
    assert COMMENT not in reader.get(f"/s/{without}").get_data(as_text=True)
    reader.get(f"/s/{with_comments}/report.pdf")
    assert stub_pdf[-1]["with_comments"] is True


@pytest.mark.slow
def test_the_shared_pdf_is_the_report_with_or_without_comments(
    app: Flask, client: FlaskClient, consultant: Any, released: Any
) -> None:
    """The real PDF, each kind cached in a file of its own."""
    with_comments = make_link(client, released, with_comments="1")
    without = make_link(client, released)
    reader = app.test_client()
    first = reader.get(f"/s/{without}/report.pdf")
    second = reader.get(f"/s/{with_comments}/report.pdf")
    assert first.mimetype == second.mimetype == "application/pdf"
    assert COMMENT not in pdf_text(first.data)
    assert "not included in this copy" in pdf_text(first.data)
    assert COMMENT in pdf_text(second.data)
    cached = sorted(key.partition("/")[0] for key in cached_reports(released.id))
    assert cached == ["released-a4", "released-a4-nocomments"]
    # Each is served from its own cached copy again, not swapped for the other.
    assert reader.get(f"/s/{without}/report.pdf").data == first.data
    assert reader.get(f"/s/{with_comments}/report.pdf").data == second.data


# -- when a link stops working ------------------------------------------------------------------


def test_a_link_expires(
    app: Flask, client: FlaskClient, consultant: Any, released: Any, clock: Clock
) -> None:
    token = make_link(client, released, expiry="7")
    reader = app.test_client()
    clock.advance(days=7, seconds=-1)
    assert reader.get(f"/s/{token}").status_code == 200
    clock.advance(seconds=1)
    assert reader.get(f"/s/{token}").status_code == 404
    assert reader.get(f"/s/{token}/report.pdf").status_code == 404
    page = client.get(f"/engagements/{released.id}?tab=report").get_data(as_text=True)
    assert "expired" in page and "Revoke" not in page


def test_a_link_is_revoked(
    app: Flask, client: FlaskClient, consultant: Any, released: Any, clock: Clock
) -> None:
    token = make_link(client, released, label="Finance director")
    link_id = link_of(token).id
    reader = app.test_client()
    assert reader.get(f"/s/{token}").status_code == 200
    answer = client.post(f"/engagements/{released.id}/share-links/{link_id}/revoke")
    assert answer.status_code == 302
    assert reader.get(f"/s/{token}").status_code == 404
    assert reader.get(f"/s/{token}/report.pdf").status_code == 404
    assert link_of(token).revoked_at == clock()
    again = client.post(f"/engagements/{released.id}/share-links/{link_id}/revoke",
                        follow_redirects=True)
    assert "revoked already" in again.get_data(as_text=True)
    [entry] = audit("share_link_revoked")
    assert "Finance director" in entry.detail and entry.engagement_id == released.id
    assert "revoked" in client.get(f"/engagements/{released.id}?tab=report").get_data(as_text=True)


def test_withdrawing_the_release_stops_the_link(
    app: Flask, client: FlaskClient, consultant: Any, released: Any, clock: Clock
) -> None:
    token = make_link(client, released)
    reader = app.test_client()
    released.released_at = None
    db.session.commit()
    assert reader.get(f"/s/{token}").status_code == 404
    assert reader.get(f"/s/{token}/report.pdf").status_code == 404
    # Released again, a link neither expired nor revoked works again.
    released.released_at = clock()
    db.session.commit()
    assert reader.get(f"/s/{token}").status_code == 200


def test_every_wrong_token_gets_the_same_404(
    app: Flask, client: FlaskClient, consultant: Any, released: Any, clock: Clock,
    make_engagement: Callable[..., Any],
) -> None:
    expired = make_link(client, released, expiry="7")
    revoked = make_link(client, released)
    client.post(f"/engagements/{released.id}/share-links/{link_of(revoked).id}/revoke")
    other = make_engagement(organisation="Beta plc")
    other.released_at = clock()
    db.session.commit()
    withdrawn = make_link(client, other)
    other.released_at = None
    db.session.commit()
    clock.advance(days=8)
    wrong = [
        expired, revoked, withdrawn,
        "A" * 43,  # well formed, unknown
        "short", "has space", "not!url*safe", "x" * 500, expired[:-1], expired + "A",
    ]
    reader = app.test_client()
    answers = []
    for token in wrong:
        for path in (f"/s/{token}", f"/s/{token}/report.pdf", f"/s/{token}/logo"):
            answers.append(reader.get(path))
    answers += [reader.get("/s/"), reader.get("/s/a/b/c"), reader.post(f"/s/{expired}")]
    first = answers[0]
    assert first.status_code == 404
    assert "This link does not open a report" in first.get_data(as_text=True)
    for answer in answers:
        assert answer.status_code == 404
        assert answer.data == first.data
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Robots-Tag"] == "noindex, nofollow"
    # Nothing was counted for a link that did not open.
    assert all(link.uses == 0 for link in db.session.scalars(select(ShareLink)))
    assert audit("share_link_used") == []


# -- use, last use, the audit log --------------------------------------------------------------


def test_each_use_is_counted_and_a_visit_is_audited_once(
    app: Flask, client: FlaskClient, consultant: Any, released: Any, clock: Clock,
    stub_pdf: list[Any],
) -> None:
    token = make_link(client, released, label="Chair")
    reader = app.test_client()
    reader.get(f"/s/{token}")
    clock.advance(minutes=10)
    reader.get(f"/s/{token}/report.pdf")
    reader.get(f"/s/{token}/report.pdf")
    link = link_of(token)
    assert link.uses == 3 and link.last_used_at == clock()
    [entry] = audit("share_link_used")  # one visit: one entry, not one per reload
    assert entry.engagement_id == released.id and entry.organisation_id == released.organisation_id
    assert entry.actor == f"share link {link.id}" and "results page" in entry.detail
    clock.advance(hours=1)  # an hour without a use: the next is a new visit
    reader.get(f"/s/{token}/report.pdf")
    assert len(audit("share_link_used")) == 2
    assert link_of(token).uses == 4
    page = client.get(f"/engagements/{released.id}?tab=report").get_data(as_text=True)
    assert "last used 1 Mar 2030, 10:10 UTC (4 uses)" in page


# -- who may manage links ---------------------------------------------------------------------


def test_readers_and_other_workspaces_cannot_manage_links(
    app: Flask, client: FlaskClient, consultant: Any, released: Any,
    make_user: Callable[..., Any], auth: Any,
) -> None:
    token = make_link(client, released)
    link_id = link_of(token).id
    reader = make_user("reader", email="reader@acme.example")
    give_reader(reader, released.organisation)
    outsider = make_user("consultant", email="outsider@example.com", workspace="Other firm")
    db.session.commit()
    create = f"/engagements/{released.id}/share-links"
    revoke = f"{create}/{link_id}/revoke"
    for user, status in ((reader, 403), (outsider, 404)):
        auth.logout()
        auth.login(user.email)
        assert client.post(create, data={"expiry": "30"}).status_code == status
        assert client.post(revoke).status_code == status
    auth.logout()
    auth.login(reader.email)
    page = client.get(f"/engagements/{released.id}?tab=report").get_data(as_text=True)
    assert "Share links" not in page
    # Anonymous: to sign in.
    auth.logout()
    assert client.post(create, data={"expiry": "30"}).status_code == 302
    assert client.post(revoke).status_code == 302
    assert link_of(token).revoked_at is None
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 1


def test_a_link_is_revoked_only_through_its_own_engagement(
    client: FlaskClient, consultant: Any, released: Any, make_engagement: Callable[..., Any],
) -> None:
    token = make_link(client, released)
    other = make_engagement(organisation="Beta plc")
    answer = client.post(f"/engagements/{other.id}/share-links/{link_of(token).id}/revoke")
    assert answer.status_code == 404
    assert link_of(token).revoked_at is None
