"""Release (docs/sharing.md, "Release"): a consultant releases an engagement to the
organisation's readers and may withdraw it; both are audited; releasing e-mails
the readers a link to the report when SMTP is configured, within the mail limits;
a reader's trend compares released waves only. On both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.audit.models import AuditEntry
from assess.engagements.models import Engagement
from assess.engagements.services import previous_engagement, release, withdraw_release
from assess.extensions import db
from assess.reports import service
from assess.workspaces.models import Workspace
from tests.accounts.inbox import Inbox, free_port, serve

PASSWORD = "correct-horse"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    controller = serve(box)
    yield box
    controller.stop()


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def released_at(engagement_id: int) -> Any:
    db.session.rollback()  # read what the requests committed
    return db.session.get(Engagement, engagement_id).released_at


def audit_actions(engagement_id: int) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.engagement_id == engagement_id)
        .order_by(AuditEntry.id)
    ))


def test_a_consultant_releases_and_withdraws_and_both_are_audited(
    app: Flask, make_user: Any, make_engagement: Any,
) -> None:
    engagement = make_engagement(organisation="Acme Ltd", name="Spring wave")
    make_user("consultant", email="con@example.com")
    consultant = signed_in(app, "con@example.com")
    page = consultant.get(f"/engagements/{engagement.id}?tab=report").get_data(as_text=True)
    assert "Not released" in page and "has no readers yet" in page
    assert f'href="/organisations/{engagement.organisation_id}"' in page

    url = f"/engagements/{engagement.id}/release"
    unticked = consultant.post(url, follow_redirects=True)
    assert "Tick the box" in unticked.get_data(as_text=True)
    assert released_at(engagement.id) is None

    done = consultant.post(url, data={"confirm": "y"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Released" in text and "when they sign in" in text  # no SMTP: nothing sent
    assert released_at(engagement.id) is not None
    assert "Withdraw the release" in text
    again = consultant.post(url, data={"confirm": "y"}, follow_redirects=True)
    assert "already released" in again.get_data(as_text=True)
    assert audit_actions(engagement.id) == ["release"]
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "release"))
    assert entry.actor == "con@example.com"
    assert entry.organisation_id == engagement.organisation_id

    withdraw = f"/engagements/{engagement.id}/release/withdraw"
    assert consultant.post(withdraw).status_code == 302  # unticked: nothing happens
    assert released_at(engagement.id) is not None
    gone = consultant.post(withdraw, data={"confirm": "y"}, follow_redirects=True)
    assert "no longer see this engagement" in gone.get_data(as_text=True)
    assert released_at(engagement.id) is None
    assert audit_actions(engagement.id) == ["release", "release_withdrawn"]


def test_readers_cannot_release_and_others_do_not_find_the_engagement(
    app: Flask, make_user: Any, make_engagement: Any,
) -> None:
    engagement = make_engagement()
    theirs = make_engagement(workspace="Other firm")
    make_user("reader", email="rita@client.example", organisations=[engagement.organisation])
    make_user("consultant", email="con@example.com")
    reader = signed_in(app, "rita@client.example")
    # Unreleased: not there for the reader; released: theirs to read, not to release.
    assert reader.post(f"/engagements/{engagement.id}/release",
                       data={"confirm": "y"}).status_code == 404
    release(engagement)
    db.session.commit()
    assert reader.post(f"/engagements/{engagement.id}/release/withdraw",
                       data={"confirm": "y"}).status_code == 403
    assert released_at(engagement.id) is not None
    consultant = signed_in(app, "con@example.com")
    assert consultant.post(f"/engagements/{theirs.id}/release",
                           data={"confirm": "y"}).status_code == 404
    assert released_at(theirs.id) is None


def test_releasing_mails_the_readers_a_link_to_the_report(
    make_app: Any, app: Flask, make_user: Any, make_engagement: Any, inbox: Inbox,
) -> None:
    smtp = make_app(**inbox.config())
    engagement = make_engagement(organisation="Acme Ltd", name="Spring wave")
    beta = make_engagement(organisation="Beta plc")
    make_user("reader", email="rita@client.example", organisations=[engagement.organisation])
    make_user("reader", email="sam@client.example", organisations=[engagement.organisation])
    make_user("reader", email="bo@beta.example", organisations=[beta.organisation])
    make_user("consultant", email="con@example.com")
    consultant = signed_in(smtp, "con@example.com")
    page = consultant.get(f"/engagements/{engagement.id}?tab=report").get_data(as_text=True)
    assert "2 readers" in page and "We e-mail each reader" in page
    done = consultant.post(f"/engagements/{engagement.id}/release", data={"confirm": "y"},
                           follow_redirects=True)
    assert "2 of 2 readers told by e-mail" in done.get_data(as_text=True)
    assert sorted(m["To"] for _rcpts, m in inbox.received) == [
        "rita@client.example", "sam@client.example"
    ]
    [message] = inbox.to("rita@client.example")
    assert message["Subject"] == "Acme Ltd: Spring wave results are ready to read"
    assert f"http://testserver/engagements/{engagement.id}/results" in message.get_content()
    # Withdrawing mails nobody.
    consultant.post(f"/engagements/{engagement.id}/release/withdraw", data={"confirm": "y"})
    assert len(inbox.received) == 2


def test_release_mail_respects_the_limits_and_an_unverified_workspace(
    make_app: Any, app: Flask, make_user: Any, make_engagement: Any, inbox: Inbox,
) -> None:
    smtp = make_app(**inbox.config(), MAIL_LIMITS="1/hour")
    first = make_engagement(name="First")
    second = make_engagement(name="Second")
    make_user("reader", email="rita@client.example", organisations=[first.organisation])
    make_user("consultant", email="con@example.com")
    consultant = signed_in(smtp, "con@example.com")
    answers = [
        consultant.post(f"/engagements/{e.id}/release", data={"confirm": "y"}).status_code
        for e in (first, second)
    ]
    assert answers == [302, 429]
    assert len(inbox.received) == 1
    assert released_at(second.id) is None

    # An unverified workspace mails nobody else: released, and the page says so.
    unverified = make_engagement(name="Third", workspace="New firm")
    workspace = db.session.get(Workspace, unverified.organisation.workspace_id)
    workspace.verified_at = None
    db.session.commit()
    make_user("reader", email="rita@client.example", workspace="New firm",
              organisations=[unverified.organisation])
    make_user("owner", email="new@example.com", workspace="New firm")
    owner = signed_in(smtp, "new@example.com")
    done = owner.post(f"/engagements/{unverified.id}/release", data={"confirm": "y"},
                      follow_redirects=True, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert "No e-mail was sent" in done.get_data(as_text=True)
    assert released_at(unverified.id) is not None
    assert len(inbox.received) == 1


def test_a_readers_trend_compares_released_waves_only(
    app: Flask, make_engagement: Any,
) -> None:
    first = make_engagement(name="Wave 1")
    second = make_engagement(name="Wave 2")
    third = make_engagement(name="Wave 3")
    assert previous_engagement(third) == second
    assert previous_engagement(third, released_only=True) is None
    release(first)
    assert previous_engagement(third, released_only=True) == first
    release(second)
    assert previous_engagement(third, released_only=True) == second
    withdraw_release(second)
    assert previous_engagement(third, released_only=True) == first


def test_the_cached_pdf_of_a_reader_and_of_a_consultant_are_kept_apart(
    app: Flask, make_engagement: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[Any] = []

    def build(engagement: Any, page_size: str = "a4", earlier: Any = None, **_: Any) -> bytes:
        made.append(earlier.id if earlier is not None else None)
        return f"%PDF-stub against {made[-1]}".encode()

    monkeypatch.setattr(service, "build_report_pdf", build)
    first = make_engagement(name="Wave 1")
    second = make_engagement(name="Wave 2")
    release(second)
    db.session.commit()
    consultants = service.engagement_report_pdf(second)
    readers = service.engagement_report_pdf(second, released_only=True)
    assert consultants == f"%PDF-stub against {first.id}".encode()
    assert readers == b"%PDF-stub against None"  # Wave 1 was never released
    # Both stay cached: asking again renders nothing.
    assert service.engagement_report_pdf(second) == consultants
    assert service.engagement_report_pdf(second, released_only=True) == readers
    assert made == [first.id, None]
    slots = [key.partition("/")[0] for key in service.cached_reports(second.id)]
    assert slots == ["all-a4", "released-a4"]
    # Releasing the first wave changes the reader's trend, hence their PDF.
    release(first)
    db.session.commit()
    assert service.engagement_report_pdf(second, released_only=True) == consultants
    assert made == [first.id, None, first.id]


def test_the_operator_releases_and_withdraws_from_the_command_line(
    app: Flask, runner: Any, make_engagement: Any,
) -> None:
    engagement = make_engagement()
    done = runner.invoke(args=["engagement", "release", str(engagement.id)])
    assert done.exit_code == 0, done.output
    assert f"Engagement {engagement.id} is released." in done.output
    assert released_at(engagement.id) is not None
    again = runner.invoke(args=["engagement", "release", str(engagement.id)])
    assert "(unchanged)" in again.output
    gone = runner.invoke(args=["engagement", "release", "--withdraw", str(engagement.id)])
    assert gone.exit_code == 0 and "is not released" in gone.output
    assert audit_actions(engagement.id) == ["release", "release_withdrawn"]
    actors = set(db.session.scalars(select(AuditEntry.actor)))
    assert actors == {"operator"}
    missing = runner.invoke(args=["engagement", "release", "999"])
    assert missing.exit_code != 0
