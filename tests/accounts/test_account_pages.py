"""Verification, password reset and the account page, through the test client, with
a real SMTP server on loopback and a fake clock for expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.accounts import tokens
from assess.accounts.emails import send_verification
from assess.accounts.models import User
from assess.accounts.services import create_user, find_user
from assess.extensions import db
from assess.respondents.models import Mailing
from assess.workspaces.models import MemberRole, Membership, Workspace, WorkspaceKind
from assess.workspaces.services import add_member, create_workspace
from tests.accounts.inbox import Inbox, free_port, link_in, serve
from tests.respondents.conftest import open_token

PASSWORD = "correct-horse"
NEW_PASSWORD = "lighthouse-keeper-tea"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    controller = serve(box)
    yield box
    controller.stop()


@pytest.fixture
def smtp_app(make_app: Any, app: Flask, inbox: Inbox) -> Flask:
    """An app that sends mail through ``inbox`` (the ``app`` fixture's context stays
    open for the factories)."""
    return make_app(**inbox.config())


class FakeNow:
    def __init__(self) -> None:
        self.at = datetime(2026, 3, 2, 9, 0)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> FakeNow:
    """The clock account tokens read (``tokens.now``), to move past an expiry."""
    fake = FakeNow()
    monkeypatch.setattr(tokens, "now", fake)
    return fake


def signed_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def fresh(row: Any) -> Any:
    """The row as the requests left it (each request of another app than the
    ``app`` fixture's ends the shared session, leaving earlier objects detached)."""
    db.session.rollback()
    return db.session.get(type(row), row.id)


def forgot(client: FlaskClient, address: str, **kwargs: Any) -> tuple[int, str]:
    """Ask for a reset link. The page answers first and the mail goes once the
    response is closed, as a WSGI server closes it (the test client does not)."""
    with client.post("/forgot", data={"email": address}, **kwargs) as answer:
        return answer.status_code, answer.get_data(as_text=True)


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


# -- a forgotten password -----------------------------------------------------------


def test_forgot_answers_the_same_for_known_and_unknown_addresses(
    smtp_app: Flask, make_user: Any, inbox: Inbox,
):
    make_user(email="ana@example.com")
    client = smtp_app.test_client()
    assert client.get("/forgot").status_code == 200
    known_status, known = forgot(client, "ana@example.com")
    unknown_status, unknown = forgot(client, "nobody@example.com")
    assert known_status == unknown_status == 200
    assert known.replace("ana@example.com", "X") == unknown.replace("nobody@example.com", "X")
    inbox.wait_for(1)
    assert [rcpts for rcpts, _m in inbox.received] == [["ana@example.com"]]
    [message] = inbox.to("ana@example.com")
    assert message["Subject"] == "Reset your password"
    assert link_in(message).startswith("/reset/")
    assert "1 hour" in message.get_content()


def test_without_smtp_forgot_says_to_ask_the_operator(client: FlaskClient):
    page = client.get("/forgot").get_data(as_text=True)
    assert "Ask your administrator" in page and "<form" not in page
    assert "assess user" not in page  # the operator's command is in docs/accounts.md
    assert client.post("/forgot", data={"email": "a@example.com"}).status_code == 200


def test_forgot_is_limited_per_address_and_counts_unknown_ones_alike(
    make_app: Any, app: Flask, inbox: Inbox, make_user: Any,
):
    limited = make_app(**inbox.config(), MAIL_LIMITS="2/hour")
    make_user(email="ana@example.com")
    for address in ("ana@example.com", "nobody@example.com"):
        client = limited.test_client()
        answers = [forgot(client, address, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})[0]
                   for n in range(3)]
        assert answers == [200, 200, 429], address  # three client addresses, one typed
    # A form with mistakes costs nothing.
    assert limited.test_client().post("/forgot", data={"email": "x"},
                                      environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code == 400


def test_forgot_is_limited_per_client_address(make_app: Any, app: Flask, inbox: Inbox):
    limited = make_app(**inbox.config(), MAIL_LIMITS="3/hour")
    client = limited.test_client()
    answers = [forgot(client, f"p{n}@example.com")[0] for n in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.post("/forgot", data={"email": "q@example.com"})
    assert "Too many e-mails" in refused.get_data(as_text=True)
    assert refused.headers.get("Retry-After")


# -- resetting it ---------------------------------------------------------------------


def _reset_link(client: FlaskClient, inbox: Inbox, address: str) -> str:
    forgot(client, address)
    inbox.wait_for(len(inbox.received) + 1)
    return link_in(inbox.to(address)[-1])


def test_a_reset_sets_the_password_and_ends_every_other_session(
    smtp_app: Flask, make_user: Any, inbox: Inbox,
):
    make_user(email="ana@example.com")
    elsewhere = signed_in(smtp_app, "ana@example.com")
    client = smtp_app.test_client()
    link = _reset_link(client, inbox, "ana@example.com")
    page = client.get(link)
    assert page.status_code == 200 and "ana@example.com" in page.get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert not is_signed_in(elsewhere)
    assert client.post("/login", data={"email": "ana@example.com",
                                       "password": PASSWORD}).status_code != 302
    signed_in(smtp_app, "ana@example.com", NEW_PASSWORD)
    # The link worked once.
    assert client.get(link).status_code == 404
    again = client.post(link, data={"password": "another-long-one", "confirm":
                                    "another-long-one"})
    assert again.status_code == 404 and "no longer works" in again.get_data(as_text=True)
    # The reset link came to the address: it counts as confirmed.
    assert find_user("ana@example.com").email_verified_at is not None


def test_a_reset_link_expires_after_an_hour(
    smtp_app: Flask, make_user: Any, inbox: Inbox, later: FakeNow,
):
    make_user(email="ana@example.com")
    client = smtp_app.test_client()
    link = _reset_link(client, inbox, "ana@example.com")
    later.at += timedelta(minutes=59)
    assert client.get(link).status_code == 200
    later.at += timedelta(minutes=2)
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 404
    signed_in(smtp_app, "ana@example.com")  # the old password still works


def test_a_weak_new_password_is_refused_and_the_link_still_works(
    smtp_app: Flask, make_user: Any, inbox: Inbox,
):
    make_user(email="ana@example.com")
    client = smtp_app.test_client()
    link = _reset_link(client, inbox, "ana@example.com")
    weak = client.post(link, data={"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    assert weak.status_code == 400 and "one character" in weak.get_data(as_text=True)
    assert client.post(link, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 302


# -- verifying an address -----------------------------------------------------------


def _unverified_owner(email: str = "owner@example.com") -> tuple[User, Workspace]:
    """As sign-up leaves them with SMTP on: an unconfirmed owner of an unverified workspace."""
    workspace = create_workspace("Contoso", kind=WorkspaceKind.COMPANY, verified=False)
    user = create_user(email, PASSWORD, name="Olu")
    add_member(workspace, user, MemberRole.OWNER)
    db.session.commit()
    return user, workspace


def test_verifying_an_owner_s_address_verifies_their_workspace(
    smtp_app: Flask, inbox: Inbox, later: FakeNow,
):
    user, workspace = _unverified_owner()
    with smtp_app.test_request_context():
        assert send_verification(user) is True
    [message] = inbox.to("owner@example.com")
    assert message["Subject"] == "Confirm your e-mail address"
    assert "48 hours" in message.get_content()
    link = link_in(message)
    assert link.startswith("/verify/")
    client = signed_in(smtp_app, "owner@example.com")
    assert "Not confirmed yet" in client.get("/account").get_data(as_text=True)
    done = client.get(link)
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "is confirmed" in page and "can now send invitations" in page
    user, workspace = fresh(user), fresh(workspace)
    assert user.email_verified_at == later.at
    assert workspace.verified_at == later.at
    assert client.get(link).status_code == 404  # once only


def test_a_verification_link_expires_after_48_hours(
    smtp_app: Flask, inbox: Inbox, later: FakeNow,
):
    user, workspace = _unverified_owner()
    with smtp_app.test_request_context():
        send_verification(user)
    link = link_in(inbox.to("owner@example.com")[0])
    later.at += timedelta(hours=48, seconds=1)
    answer = smtp_app.test_client().get(link)
    assert answer.status_code == 404 and "Account" in answer.get_data(as_text=True)
    user, workspace = fresh(user), fresh(workspace)
    assert user.email_verified_at is None and workspace.verified_at is None


def test_without_smtp_nothing_is_sent_and_every_account_counts_as_verified(
    app: Flask, client: FlaskClient,
):
    user, _workspace = _unverified_owner()
    with app.test_request_context():
        assert send_verification(user) is False
    page = signed_in(app, "owner@example.com").get("/account").get_data(as_text=True)
    assert "Not confirmed" not in page


def test_the_link_can_be_sent_again_and_only_the_newest_works(
    smtp_app: Flask, inbox: Inbox,
):
    user, _workspace = _unverified_owner()
    with smtp_app.test_request_context():
        send_verification(user)
    client = signed_in(smtp_app, "owner@example.com")
    assert client.post("/account/verification").status_code == 302
    first, second = (link_in(m) for m in inbox.to("owner@example.com"))
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 302


def test_an_unverified_workspace_sends_no_invitations(
    smtp_app: Flask, inbox: Inbox, make_engagement: Any,
):
    _user, workspace = _unverified_owner()
    engagement = make_engagement(workspace=workspace)
    client = signed_in(smtp_app, "owner@example.com")
    url = f"/engagements/{engagement.id}/respondents/staff/invitations"
    page = client.get(url).get_data(as_text=True)
    assert "sends no e-mail to others until" in page and "<textarea" not in page
    sent = client.post(url, data={"addresses": "stranger@example.org", "note": ""})
    assert sent.status_code == 200
    reminder = client.post(f"/engagements/{engagement.id}/respondents/staff/reminder",
                           data={"addresses": "stranger@example.org"})
    assert reminder.status_code == 200
    assert inbox.received == [] and db.session.scalar(select(Mailing)) is None
    # Its own survey links still work.
    token = open_token(engagement)
    assert smtp_app.test_client().get(f"/r/{token}").status_code == 200


# -- the account page ---------------------------------------------------------------


def test_the_account_page_changes_the_name(client: FlaskClient, make_user: Any, auth: Any):
    make_user(email="ana@example.com")
    auth.login("ana@example.com")
    assert client.post("/account/name", data={"name": ""}).status_code == 400
    assert client.post("/account/name", data={"name": "  Ana   Lopes "}).status_code == 302
    assert find_user("ana@example.com").name == "Ana Lopes"
    assert "Ana Lopes" in client.get("/account").get_data(as_text=True)


def test_a_new_address_is_used_only_once_it_is_confirmed(
    smtp_app: Flask, make_user: Any, inbox: Inbox,
):
    user = make_user(email="ana@example.com")
    make_user(email="ben@example.com")
    client = signed_in(smtp_app, "ana@example.com")
    wrong = client.post("/account/email", data={"email": "ana@new.example",
                                                "current_password": "not-it"})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(
        as_text=True)
    taken = client.post("/account/email", data={"email": "ben@example.com",
                                                "current_password": PASSWORD})
    assert taken.status_code == 400
    asked = client.post("/account/email", data={"email": "Ana@New.example",
                                                "current_password": PASSWORD})
    assert asked.status_code == 302
    assert fresh(user).email == "ana@example.com"  # not yet
    [message] = inbox.to("ana@new.example")
    assert "from ana@example.com to ana@new.example" in message.get_content()
    assert client.get(link_in(message)).status_code == 302
    user = fresh(user)
    assert user.email == "ana@new.example" and user.email_verified_at is not None
    signed_in(smtp_app, "ana@new.example")


def test_without_smtp_a_new_address_is_used_at_once(
    client: FlaskClient, make_user: Any, auth: Any,
):
    user = make_user(email="ana@example.com")
    auth.login("ana@example.com")
    assert client.post("/account/email", data={"email": "ana@new.example",
                                               "current_password": PASSWORD}).status_code == 302
    assert fresh(user).email == "ana@new.example"


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    app: Flask, make_user: Any,
):
    make_user(email="ana@example.com")
    here, elsewhere = signed_in(app, "ana@example.com"), signed_in(app, "ana@example.com")
    wrong = here.post("/account/password", data={
        "current_password": "not-it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400
    weak = here.post("/account/password", data={
        "current_password": PASSWORD, "password": "12345678", "confirm": "12345678"})
    assert weak.status_code == 400 and "at least 10" in weak.get_data(as_text=True)
    assert is_signed_in(elsewhere)
    changed = here.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert is_signed_in(here) and not is_signed_in(elsewhere)
    signed_in(app, "ana@example.com", NEW_PASSWORD)


def test_signing_out_everywhere_ends_every_other_session(app: Flask, make_user: Any):
    make_user(email="ana@example.com")
    here, elsewhere = signed_in(app, "ana@example.com"), signed_in(app, "ana@example.com")
    assert here.post("/account/sign-out-everywhere").status_code == 302
    assert is_signed_in(here) and not is_signed_in(elsewhere)


def test_the_last_owner_cannot_delete_their_account(
    client: FlaskClient, make_user: Any, auth: Any,
):
    make_user("owner", email="owner@example.com")
    auth.login("owner@example.com")
    page = client.get("/account").get_data(as_text=True)
    assert "only owner of <strong>Test firm</strong>" in page
    refused = client.post("/account/delete", data={"current_password": PASSWORD,
                                                   "confirm": "y"})
    assert refused.status_code == 400
    assert "only owner of Test firm" in refused.get_data(as_text=True)
    assert find_user("owner@example.com") is not None


def test_a_member_deletes_their_account(app: Flask, make_user: Any):
    make_user("owner", email="owner@example.com")
    make_user("consultant", email="ana@example.com")
    client = signed_in(app, "ana@example.com")
    unticked = client.post("/account/delete", data={"current_password": PASSWORD})
    assert unticked.status_code == 400
    deleted = client.post("/account/delete", data={"current_password": PASSWORD,
                                                   "confirm": "y"})
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/login"
    assert find_user("ana@example.com") is None
    assert len(db.session.scalars(select(Membership)).all()) == 1  # the owner's
    assert not is_signed_in(client)
