"""The members page (owners): invitations by e-mail and by link, accepting them
(a new person, a person with an account), roles, removal, the last owner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.accounts.services import find_user
from assess.extensions import db
from assess.workspaces.models import MemberRole, Membership, Workspace
from assess.workspaces.services import membership_of
from tests.accounts.inbox import Inbox, free_port, link_in, serve

PASSWORD = "correct-horse"
NEW_PASSWORD = "lighthouse-keeper-tea"
LINK = re.compile(r'readonly>http://testserver(/invitations/[^<]+)</textarea>')


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    controller = serve(box)
    yield box
    controller.stop()


def signed_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def role_of(email: str, workspace: str = "Test firm") -> MemberRole | None:
    db.session.rollback()  # read what the requests committed
    user = find_user(email)
    found = db.session.scalar(select(Workspace).where(Workspace.name == workspace))
    membership = membership_of(user, found) if user and found else None
    return membership.role if membership else None


def membership_id(email: str) -> int:
    db.session.rollback()
    user = find_user(email)
    assert user is not None
    found = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert found is not None
    return found.id


@pytest.fixture
def owner(app: Flask, make_user: Any) -> FlaskClient:
    make_user("owner", email="owner@example.com")
    return signed_in(app, "owner@example.com")


def test_only_owners_see_the_members_page(app: Flask, owner: FlaskClient, make_user: Any):
    make_user("consultant", email="ana@example.com")
    page = owner.get("/members")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ana@example.com" in html and "the only owner" in html
    assert 'href="/members"' in html  # the header links to it, for owners
    consultant = signed_in(app, "ana@example.com")
    assert consultant.get("/members").status_code == 403
    assert 'href="/members"' not in consultant.get("/account").get_data(as_text=True)


def test_without_smtp_an_owner_hands_over_a_single_use_link(
    app: Flask, owner: FlaskClient,
):
    made = owner.post("/members/invite", data={"email": "Ben@Example.com", "role": "owner"})
    assert made.status_code == 200
    [path] = LINK.findall(made.get_data(as_text=True))
    assert "ben@example.com" in owner.get("/members").get_data(as_text=True)  # pending
    assert path not in owner.get("/members").get_data(as_text=True)  # shown once
    newcomer = app.test_client()
    form = newcomer.get(path)
    assert form.status_code == 200 and "Choose your name" in form.get_data(as_text=True)
    weak = newcomer.post(path, data={"name": "Ben", "password": "password1234",
                                     "confirm": "password1234"})
    assert weak.status_code == 400
    joined = newcomer.post(path, data={"name": "Ben Okafor", "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD})
    assert joined.status_code == 302
    assert role_of("ben@example.com") == MemberRole.OWNER
    assert find_user("ben@example.com").name == "Ben Okafor"
    assert newcomer.get("/members").status_code == 200  # signed in, as an owner
    # Single use.
    assert app.test_client().get(path).status_code == 404


def test_an_invitation_by_e_mail_is_accepted_by_a_new_person(
    make_app: Any, app: Flask, make_user: Any, inbox: Inbox,
):
    smtp = make_app(**inbox.config())
    make_user("owner", email="owner@example.com")
    owner = signed_in(smtp, "owner@example.com")
    sent = owner.post("/members/invite", data={"email": "cleo@example.com",
                                               "role": "consultant"})
    assert sent.status_code == 302
    [message] = inbox.to("cleo@example.com")
    assert message["Subject"] == "Join Test firm on assess"
    assert "as consultant" in message.get_content() and "7 days" in message.get_content()
    path = link_in(message)
    newcomer = smtp.test_client()
    assert newcomer.post(path, data={"name": "Cleo", "password": NEW_PASSWORD,
                                     "confirm": NEW_PASSWORD}).status_code == 302
    assert role_of("cleo@example.com") == MemberRole.CONSULTANT
    # The link came to the address: it is confirmed.
    assert find_user("cleo@example.com").email_verified_at is not None


def test_a_person_with_an_account_signs_in_and_joins(
    app: Flask, owner: FlaskClient, make_user: Any,
):
    make_user("consultant", email="dee@example.com", workspace="Other firm")
    made = owner.post("/members/invite", data={"email": "dee@example.com",
                                               "role": "consultant"})
    [path] = LINK.findall(made.get_data(as_text=True))
    visitor = app.test_client()
    page = visitor.get(path).get_data(as_text=True)
    assert "Sign in to join" in page and "Choose your name" not in page
    assert visitor.post(path, data={"name": "X", "password": NEW_PASSWORD,
                                    "confirm": NEW_PASSWORD}).status_code == 200
    assert role_of("dee@example.com") is None  # no account made, nobody joined
    signed = visitor.post(f"/login?next={path}", data={"email": "dee@example.com",
                                                       "password": PASSWORD})
    assert signed.headers["Location"] == path
    assert visitor.post(path).status_code == 302
    assert role_of("dee@example.com") == MemberRole.CONSULTANT
    assert role_of("dee@example.com", "Other firm") == MemberRole.CONSULTANT
    assert visitor.post(path).status_code == 404


def test_an_invitation_is_for_its_address_only(app: Flask, owner: FlaskClient, make_user: Any):
    make_user("consultant", email="eve@example.com", workspace="Other firm")
    made = owner.post("/members/invite", data={"email": "fay@example.com",
                                               "role": "owner"})
    [path] = LINK.findall(made.get_data(as_text=True))
    eve = signed_in(app, "eve@example.com")
    refused = eve.post(path)
    assert refused.status_code == 403 and "fay@example.com" in refused.get_data(as_text=True)
    assert role_of("eve@example.com") is None


def test_inviting_a_member_again_is_refused(app: Flask, owner: FlaskClient, make_user: Any):
    make_user("consultant", email="ana@example.com")
    refused = owner.post("/members/invite", data={"email": "ana@example.com",
                                                  "role": "owner"})
    assert refused.status_code == 400
    assert "already a member" in refused.get_data(as_text=True)


def test_an_invitation_can_be_withdrawn(app: Flask, owner: FlaskClient):
    made = owner.post("/members/invite", data={"email": "gus@example.com",
                                               "role": "consultant"})
    [path] = LINK.findall(made.get_data(as_text=True))
    [token_id] = re.findall(r"/members/invitations/(\d+)/withdraw",
                            owner.get("/members").get_data(as_text=True))
    assert owner.post(f"/members/invitations/{token_id}/withdraw").status_code == 302
    assert app.test_client().get(path).status_code == 404


def test_an_unverified_workspace_invites_nobody_by_e_mail(
    make_app: Any, app: Flask, make_user: Any, make_workspace: Any, inbox: Inbox,
):
    smtp = make_app(**inbox.config())
    workspace = make_workspace()
    workspace.verified_at = None
    db.session.commit()
    make_user("owner", email="owner@example.com")
    owner = signed_in(smtp, "owner@example.com")
    assert "sends no e-mail to others" in owner.get("/members").get_data(as_text=True)
    refused = owner.post("/members/invite", data={"email": "x@example.org",
                                                  "role": "consultant"})
    assert refused.status_code == 403 and inbox.received == []


def test_invitations_by_e_mail_are_limited_per_workspace(
    make_app: Any, app: Flask, make_user: Any, inbox: Inbox,
):
    smtp = make_app(**inbox.config(), MAIL_LIMITS="2/hour")
    make_user("owner", email="owner@example.com")
    make_user("owner", email="otto@example.com")
    first, second = signed_in(smtp, "owner@example.com"), signed_in(smtp, "otto@example.com")
    answers = [
        client.post("/members/invite", data={"email": f"p{n}@example.com", "role": "consultant"},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
        for n, client in enumerate([first, second, second])
    ]
    assert answers == [302, 302, 429]
    assert len(inbox.received) == 2


def test_an_owner_changes_roles_and_the_last_owner_keeps_theirs(
    app: Flask, owner: FlaskClient, make_user: Any,
):
    make_user("consultant", email="ana@example.com")
    mine, anas = membership_id("owner@example.com"), membership_id("ana@example.com")
    demote = owner.post(f"/members/{mine}/role", data={f"m{mine}-role": "consultant"})
    assert demote.status_code == 302
    assert "needs an owner" in owner.get("/members").get_data(as_text=True)
    assert role_of("owner@example.com") == MemberRole.OWNER
    assert owner.post(f"/members/{anas}/role",
                      data={f"m{anas}-role": "owner"}).status_code == 302
    assert role_of("ana@example.com") == MemberRole.OWNER
    # Now there are two owners: one may step down.
    assert owner.post(f"/members/{mine}/role",
                      data={f"m{mine}-role": "consultant"}).status_code == 302
    assert role_of("owner@example.com") == MemberRole.CONSULTANT
    assert owner.get("/members").status_code == 403


def test_removing_a_member_ends_their_sessions(app: Flask, owner: FlaskClient, make_user: Any):
    make_user("consultant", email="ana@example.com")
    ana = signed_in(app, "ana@example.com")
    assert ana.get("/").status_code == 200
    anas = membership_id("ana@example.com")
    unticked = owner.post(f"/members/{anas}/remove", data={})
    assert unticked.status_code == 302 and role_of("ana@example.com") == MemberRole.CONSULTANT
    removed = owner.post(f"/members/{anas}/remove", data={f"m{anas}-confirm": "y"})
    assert removed.status_code == 302
    assert role_of("ana@example.com") is None
    answer = ana.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_last_owner_cannot_be_removed(app: Flask, owner: FlaskClient):
    mine = membership_id("owner@example.com")
    owner.post(f"/members/{mine}/remove", data={f"m{mine}-confirm": "y"})
    assert role_of("owner@example.com") == MemberRole.OWNER
    assert "cannot be removed" in owner.get("/members").get_data(as_text=True)


def test_another_workspace_s_member_is_not_found(
    app: Flask, owner: FlaskClient, make_user: Any,
):
    make_user("consultant", email="zed@example.com", workspace="Other firm")
    theirs = membership_id("zed@example.com")
    assert owner.post(f"/members/{theirs}/remove",
                      data={f"m{theirs}-confirm": "y"}).status_code == 404
    assert owner.post(f"/members/{theirs}/role",
                      data={f"m{theirs}-role": "owner"}).status_code == 404
    assert role_of("zed@example.com", "Other firm") == MemberRole.CONSULTANT
