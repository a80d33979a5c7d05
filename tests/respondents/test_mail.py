"""Invitations and the one reminder, sent through a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from assess.db import Base
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links as respondent_links
from assess.respondents import mail
from assess.respondents.models import Link, LinkKind, Mailing, MailingKind
from tests.respondents.conftest import at_once, count

LINK = re.compile(r"http://testserver/r/[A-Za-z0-9_-]+")
ADDRESSES = ["ana@example.com", "Ben Okafor <ben@example.org>", "chloe@example.net"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    port: int
    refuse: set[str] = field(default_factory=set)
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.inbox.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.inbox.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _serve(inbox: Inbox, **options: Any) -> Controller:
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    return controller


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(_free_port())
    controller = _serve(box)
    yield box
    controller.stop()


@pytest.fixture
def consultant(make_app, make_user, make_engagement, inbox) -> Any:
    """A signed-in consultant's browser on an app that sends through ``inbox``."""
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port,
                   SMTP_SENDER="survey@northwind.example")
    user = make_user("consultant", email="c@example.com")
    client = app.test_client()
    assert client.post("/login", data={"email": "c@example.com",
                                       "password": "correct-horse"}).status_code == 302
    client.engagement = make_engagement(created_by=user, organisation="Contoso Energy")
    return client


def _url(client, audience: str = "staff", what: str = "invitations") -> str:
    return f"/engagements/{client.engagement.id}/respondents/{audience}/{what}"


def _stored_text() -> str:
    return "\n".join(
        str(tuple(row))
        for table in Base.metadata.sorted_tables
        for row in db.session.execute(select(table))
    )


def _body(message: EmailMessage) -> str:
    return message.get_content()


def test_addresses_are_read_from_what_people_paste():
    parsed = mail.parse_addresses(
        "ana@example.com, Ben Okafor <ben@example.org>; chloe@example.net\n"
        "\"Smith, Dee\" <dee@example.com>\n"
        "ANA@example.com\n"
        "\n"
        "not an address\n"
        "eve@localhost  frank@@example.com"
    )
    assert parsed.addresses == [
        "ana@example.com", "ben@example.org", "chloe@example.net", "dee@example.com",
    ]
    assert [(p.position, p.line, p.text) for p in parsed.invalid] == [
        (6, 5, "not an address"), (7, 6, "eve@localhost"), (8, 6, "frank@@example.com"),
    ]


def test_each_address_gets_its_own_working_personal_link(consultant, inbox):
    sent = consultant.post(_url(consultant), data={
        "addresses": "\n".join(ADDRESSES + ["ana@example.com"]),  # a duplicate, sent once
        "note": "Please answer by Friday.",
    })
    assert sent.status_code == 302
    assert len(inbox.received) == 3
    links = []
    for address in ("ana@example.com", "ben@example.org", "chloe@example.net"):
        [message] = inbox.to(address)
        assert message["To"] == address  # nobody sees anyone else's address
        assert message["From"] == "survey@northwind.example"
        assert message["Subject"].startswith("Contoso Energy: How we treat our customers")
        body = _body(message)
        assert "Please answer by Friday." in body
        assert "not kept" in body and "at least 5 people" in body
        [link] = LINK.findall(body)
        links.append(link)
    assert len(set(links)) == 3
    respondent = consultant.application.test_client()
    for link in links:
        assert respondent.get(link.removeprefix("http://testserver")).status_code == 200
    assert count(Link, Link.kind == LinkKind.SINGLE_USE) == 3
    mailing = db.session.scalar(select(Mailing))
    assert (mailing.kind, mailing.recipients) == (MailingKind.INVITATION, 3)
    stats = respondent_links.audience_stats(consultant.engagement.id, Audience.STAFF)
    assert (stats.invitations_sent, stats.personal_issued) == (3, 3)


def test_addresses_are_used_for_sending_only(consultant, inbox):
    consultant.post(_url(consultant), data={"addresses": "\n".join(ADDRESSES)})
    consultant.post(_url(consultant, what="reminder"), data={"addresses": "\n".join(ADDRESSES)})
    assert len(inbox.received) == 6
    stored = _stored_text().lower()
    for fragment in ("ana@", "ben@", "example.org", "okafor", "chloe", "example.net"):
        assert fragment not in stored


def test_a_list_with_anything_that_is_not_an_address_sends_nothing(consultant, inbox):
    refused = consultant.post(_url(consultant), data={
        "addresses": "ana@example.com\nben at example.org\ncarl@example",
    })
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Nothing was sent" in html
    assert "<code>ben at example.org</code>" in html and "<code>carl@example</code>" in html
    assert "ana@example.com" in html  # the pasted list is kept to correct
    assert inbox.received == [] and count(Link, Link.kind == LinkKind.SINGLE_USE) == 0


def test_mistyped_addresses_beside_good_ones_are_reported_by_position(consultant, inbox):
    """Issue 15: "alice.acme.test, bob@acme.test, carol(at)acme.test" was sent to bob
    alone; every item that is not an address is reported and nothing is sent."""
    typed = "alice.acme.test, bob@acme.test, carol(at)acme.test"
    refused = consultant.post(_url(consultant), data={"addresses": typed,
                                                      "note": "By Friday, please."})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Nothing was sent. 2 of the items pasted are not e-mail addresses" in html
    problems = html.split('data-testid="address-problems"', 1)[1].split("</ul>", 1)[0]
    assert "Item 1, line 1: <code>alice.acme.test</code> has no @" in problems
    assert "Item 3, line 1: <code>carol(at)acme.test</code> has no @" in problems
    assert "bob@acme.test" not in problems
    # The form keeps what was typed, to correct it.
    assert f"\n{typed}</textarea>" in html and "\nBy Friday, please.</textarea>" in html
    assert inbox.received == [] and count(Link, Link.kind == LinkKind.SINGLE_USE) == 0
    assert count(Mailing) == 0

    fixed = consultant.post(_url(consultant), data={
        "addresses": "alice@acme.test, bob@acme.test, carol@acme.test"})
    assert fixed.status_code == 302
    assert sorted(r[0] for r, _m in inbox.received) == [
        "alice@acme.test", "bob@acme.test", "carol@acme.test"]


def test_the_reminder_also_sends_nothing_until_the_list_is_clean(consultant, inbox):
    consultant.post(_url(consultant), data={"addresses": "ana@example.com"})
    typed = "ana@example.com; Ben Okafor ben@example.org"
    refused = consultant.post(_url(consultant, what="reminder"), data={"addresses": typed})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Item 2, line 1: <code>Ben Okafor</code> is not an e-mail address" in html
    assert f"\n{typed}</textarea>" in html
    assert len(inbox.received) == 1  # the invitation only
    assert count(Mailing, Mailing.kind == MailingKind.REMINDER) == 0


def test_the_reminder_goes_once_and_says_why_it_reaches_everyone(consultant, inbox):
    invited = consultant.post(_url(consultant), data={"addresses": "\n".join(ADDRESSES)})
    assert invited.status_code == 302
    invitation = inbox.to("ana@example.com")[0]
    page = consultant.get(_url(consultant, what="reminder")).get_data(as_text=True)
    assert "You can send one reminder" in page

    reminded = consultant.post(_url(consultant, what="reminder"), data={
        "addresses": "\n".join(ADDRESSES), "include_open_link": "y",
    })
    assert reminded.status_code == 302
    assert len(inbox.received) == 6
    [reminder] = inbox.to("ana@example.com")[1:]
    body = _body(reminder)
    assert reminder["Subject"] == "Reminder: " + invitation["Subject"]
    assert "If you have already answered: thank you" in body
    assert invitation["Subject"] in body  # so the invitation can be found
    assert "personal link in that invitation" in body
    _link, open_token = respondent_links.open_link(consultant.engagement, Audience.STAFF)
    assert LINK.findall(body) == [respondent_links.link_url(open_token)]  # the open link, if asked

    again = consultant.post(_url(consultant, what="reminder"), data={
        "addresses": "\n".join(ADDRESSES),
    })
    assert again.status_code == 400  # refused; the page says when it went out
    assert "The reminder was sent on" in again.get_data(as_text=True)
    assert len(inbox.received) == 6
    detail = consultant.get(
        f"/engagements/{consultant.engagement.id}?tab=respondents"
    ).get_data(as_text=True)
    assert "Reminder e-mailed" in detail


def test_the_reminder_without_the_open_link_carries_no_link(consultant, inbox):
    consultant.post(_url(consultant), data={"addresses": "ana@example.com"})
    consultant.post(_url(consultant, what="reminder"), data={"addresses": "ana@example.com"})
    [_invitation, reminder] = inbox.to("ana@example.com")
    assert LINK.findall(_body(reminder)) == []


def test_two_reminders_sent_at_once_go_out_once(consultant, inbox):
    consultant.post(_url(consultant), data={"addresses": "\n".join(ADDRESSES)})
    second = consultant.application.test_client()
    second.post("/login", data={"email": "c@example.com", "password": "correct-horse"})
    results = at_once(*(
        (lambda c=c: c.post(_url(consultant, what="reminder"),
                            data={"addresses": "\n".join(ADDRESSES)}).status_code)
        for c in (consultant, second)
    ))
    assert 302 in results
    assert len(inbox.received) == 6  # three invitations, three reminders
    assert count(Mailing, Mailing.kind == MailingKind.REMINDER) == 1


def test_a_reminder_needs_an_invitation_first(consultant, inbox):
    page = consultant.post(_url(consultant, what="reminder"), data={"addresses": "a@example.com"})
    assert "nothing to remind people of" in page.get_data(as_text=True)
    assert inbox.received == []
    assert count(Mailing) == 0


def test_a_refused_address_is_reported_and_its_link_removed(consultant, inbox):
    inbox.refuse.add("ben@example.org")
    sent = consultant.post(_url(consultant), data={"addresses": "\n".join(ADDRESSES)},
                           follow_redirects=True)
    html = sent.get_data(as_text=True)
    assert "Sent 2 staff invitations." in html
    assert "1 could not be sent: ben@example.org: refused by the mail server (550" in html
    assert len(inbox.received) == 2
    assert count(Link, Link.kind == LinkKind.SINGLE_USE) == 2
    assert db.session.scalar(select(Mailing.recipients)) == 2


def test_an_unreachable_mail_server_sends_nothing_and_keeps_nothing(
    make_app, make_user, make_engagement
):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port())  # nobody listens
    user = make_user("consultant", email="c@example.com")
    engagement = make_engagement(created_by=user)
    client = app.test_client()
    client.post("/login", data={"email": "c@example.com", "password": "correct-horse"})
    base = f"/engagements/{engagement.id}/respondents/staff"
    sent = client.post(f"{base}/invitations", data={"addresses": "\n".join(ADDRESSES)},
                       follow_redirects=True)
    assert "3 could not be sent" in sent.get_data(as_text=True)
    assert "the mail server could not be used" in sent.get_data(as_text=True)
    assert count(Link, Link.kind == LinkKind.SINGLE_USE) == 0 and count(Mailing) == 0


def test_the_reminder_slot_is_kept_only_when_something_went_out(consultant, inbox):
    consultant.post(_url(consultant), data={"addresses": "ana@example.com"})
    inbox.refuse.add("ana@example.com")
    consultant.post(_url(consultant, what="reminder"), data={"addresses": "ana@example.com"})
    assert count(Mailing, Mailing.kind == MailingKind.REMINDER) == 0  # may be tried again
    inbox.refuse.clear()
    consultant.post(_url(consultant, what="reminder"), data={"addresses": "ana@example.com"})
    assert count(Mailing, Mailing.kind == MailingKind.REMINDER) == 1
    assert len(inbox.to("ana@example.com")) == 2


def test_invitations_wait_until_the_engagement_is_open(make_app, make_user, make_engagement,
                                                       inbox):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port)
    user = make_user("consultant", email="c@example.com")
    draft = make_engagement(created_by=user, status="draft")
    client = app.test_client()
    client.post("/login", data={"email": "c@example.com", "password": "correct-horse"})
    refused = client.post(f"/engagements/{draft.id}/respondents/staff/invitations",
                          data={"addresses": "ana@example.com"})
    assert refused.status_code == 400
    assert "only while the engagement is open" in refused.get_data(as_text=True)
    assert inbox.received == [] and count(Link) == 0


def test_without_smtp_the_consultant_is_told_to_ask_the_administrator(
        client, auth, make_user, make_engagement, caplog):
    """Which setting is missing is the operator's business (the log, the docs): the
    consultant is told that e-mail is not set up and what to do meanwhile."""
    user = make_user("consultant", email="c@example.com")
    engagement = make_engagement(created_by=user)
    auth.login("c@example.com")
    base = f"/engagements/{engagement.id}/respondents/staff"
    detail = client.get(f"/engagements/{engagement.id}?tab=respondents").get_data(as_text=True)
    assert "E-mail is not set up on this server" in detail
    assert "Invite staff by e-mail" not in detail
    pages = [detail, client.get(f"{base}/invitations").get_data(as_text=True),
             client.get(f"{base}/reminder").get_data(as_text=True)]
    posted = client.post(f"{base}/invitations", data={"addresses": "ana@example.com"})
    pages.append(posted.get_data(as_text=True))
    for page in pages:
        assert "ASSESS_" not in page and "SMTP" not in page
    assert "ask your administrator" in pages[-1]
    assert count(Link, Link.kind == LinkKind.SINGLE_USE) == 0
    assert any("ASSESS_SMTP_HOST" in record.getMessage() for record in caplog.records)


# -- an authenticated, encrypted server -------------------------------------------------


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def test_starttls_and_login_are_used_when_configured(tmp_path, app, make_engagement):
    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    box = Inbox(_free_port())

    def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        good = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        if good:
            box.logins.append(auth_data.login.decode())
        return AuthResult(success=good)

    controller = _serve(box, tls_context=server_tls, require_starttls=True,
                        authenticator=authenticate, auth_require_tls=True)
    try:
        settings = mail.smtp_settings({
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": box.port, "SMTP_STARTTLS": "true",
            "SMTP_USERNAME": "assess", "SMTP_PASSWORD": "s3cret", "SMTP_CAFILE": str(cert),
            "SMTP_SENDER": "survey@northwind.example",
        })
        assert settings is not None and settings.starttls
        message = mail.message(settings, "ana@example.com", "Hello", "Body")
        assert mail.send_all(settings, [message]) == {}
        assert box.logins == ["assess"] and len(box.received) == 1
        untrusted = mail.smtp_settings({
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": box.port, "SMTP_STARTTLS": True,
        })
        # Without the CA the server's certificate is not trusted: nothing is sent.
        assert "could not be used" in mail.send_all(untrusted, [message])[0]
        assert len(box.received) == 1
    finally:
        controller.stop()
