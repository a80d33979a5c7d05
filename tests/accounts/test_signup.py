"""Signing up (``ASSESS_ALLOW_SIGNUP``): a company or a consulting firm makes its own
account and workspace, is signed in at once, and a company reaches an open
engagement with both links from its first-run page."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.accounts.models import User
from assess.accounts.services import find_user
from assess.engagements.models import Engagement, Organisation, Status
from assess.extensions import db
from assess.respondents.models import Link, LinkKind
from assess.workspaces.models import MemberRole, Membership, Workspace, WorkspaceKind

PASSWORD = "plum orchard lantern"


def form(**changes: str) -> dict[str, str]:
    data = {
        "name": "Ana Lima",
        "email": "ana@contoso.example",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "workspace": "Contoso Energy",
        "kind": "company",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def sign_up(client: FlaskClient, address: str = "127.0.0.1", **changes: str) -> Any:
    return client.post("/signup", data=form(**changes), environ_overrides={"REMOTE_ADDR": address})


def stored() -> tuple[int, int, int, int, int]:
    """Users, workspaces, memberships, organisations, engagements: what a refused
    sign-up must leave as it found it."""
    return tuple(  # type: ignore[return-value]
        db.session.scalar(select(func.count()).select_from(table))
        for table in (User, Workspace, Membership, Organisation, Engagement)
    )


def errors(html: str) -> dict[str, str]:
    """Each field's error message: ``<p class="error" id="FIELD-error">``."""
    found = re.findall(r'<p class="error" id="([a-z]+)-error">([^<]*)</p>', html)
    return {field: unescape(message) for field, message in found}


def open_links(html: str) -> dict[str, str]:
    """The open links a page shows to copy: audience → path."""
    shown = re.findall(
        r'value="http://testserver(/r/[^"]+)" class="copy" data-testid="open-link-(\w+)"', html
    )
    return {audience: path for path, audience in shown}


@pytest.fixture
def app(make_app: Any) -> Any:
    app = make_app(ALLOW_SIGNUP=True)
    with app.app_context():
        yield app


# -- off by default ----------------------------------------------------------------


def test_without_signup_allowed_there_is_no_such_page(make_app: Any) -> None:
    app = make_app()
    assert app.config["ALLOW_SIGNUP"] is False
    client = app.test_client()
    with app.app_context():
        assert client.get("/signup").status_code == 404
        assert sign_up(client).status_code == 404
        assert stored() == (0, 0, 0, 0, 0)
        login = client.get("/login").get_data(as_text=True)
    assert "/signup" not in login
    assert 'href="/forgot"' in login  # password reset is offered either way


def test_the_sign_in_page_says_what_the_product_is_and_links_to_signing_up(
    client: FlaskClient,
) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "measures how customer-centric a company is" in page
    assert 'href="/signup"' in page and 'href="/forgot"' in page


# -- signing up ---------------------------------------------------------------------


def test_a_company_signs_up_and_is_signed_in_at_once(client: FlaskClient) -> None:
    page = client.get("/signup").get_data(as_text=True)
    assert "Our own company" in page and "A consultancy" in page

    signed = sign_up(client)
    assert signed.status_code == 302 and signed.headers["Location"] == "/welcome"

    user = find_user("ana@contoso.example")
    assert user is not None and user.name == "Ana Lima"
    assert user.email_verified_at is None  # proven later, by a link
    workspace = db.session.scalar(select(Workspace))
    assert workspace is not None
    assert (workspace.name, workspace.kind) == ("Contoso Energy", WorkspaceKind.COMPANY)
    assert workspace.verified_at is None  # no mail to others until verified
    membership = db.session.scalar(select(Membership))
    assert membership is not None
    assert (membership.user_id, membership.workspace_id, membership.role) == (
        user.id, workspace.id, MemberRole.OWNER
    )
    # A company's one organisation: itself, named after the workspace.
    organisations = db.session.scalars(select(Organisation)).all()
    assert [(o.name, o.workspace_id) for o in organisations] == [
        ("Contoso Energy", workspace.id)
    ]

    # Signed in, acting in the new workspace.
    welcome = client.get("/welcome")
    assert welcome.status_code == 200
    assert 'data-testid="current-workspace">Contoso Energy<' in welcome.get_data(as_text=True)


def test_a_consultancy_signs_up_and_is_told_what_to_do_next(client: FlaskClient) -> None:
    signed = sign_up(client, workspace="Northwind Consulting", kind="consultancy")
    assert signed.status_code == 302 and signed.headers["Location"] == "/"
    workspace = db.session.scalar(select(Workspace))
    assert workspace is not None and workspace.kind == WorkspaceKind.CONSULTANCY
    # A consultancy's organisations are its clients, made with each engagement.
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    index = client.get("/").get_data(as_text=True)
    assert "Northwind Consulting is ready" in index and "New engagement" in index
    # The first-run page is a company's: a consultancy is sent to its engagements.
    assert client.get("/welcome").headers["Location"] == "/"


def test_signing_up_starts_a_new_session(client: FlaskClient, make_user: Any) -> None:
    make_user(email="ben@example.com", role="owner", workspace="Fabrikam")
    client.post("/login", data={"email": "ben@example.com", "password": "correct-horse"})
    assert "Fabrikam" in client.get("/").get_data(as_text=True)
    assert sign_up(client).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "ana@contoso.example" in page and "ben@example.com" not in page
    assert 'data-testid="current-workspace">Contoso Energy<' in page


# -- refused, with nothing stored -----------------------------------------------------


def test_every_error_is_shown_at_its_field_and_nothing_is_stored(client: FlaskClient) -> None:
    answer = client.post("/signup", data={"email": "not an address", "password": "short",
                                          "confirm": "other"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert errors(html) == {
        "kind": "Choose one.",
        "workspace": "Give the name of your company or firm.",
        "name": "Give your name.",
        "email": "That is not an e-mail address.",
        "password": "The password needs at least 10 characters.",
        "confirm": "The two passwords are not the same.",
    }
    assert "Nothing was saved yet." in html
    assert 'value="not an address"' in html  # what was typed is kept ...
    assert "short" not in html  # ... but never a password
    assert stored() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "1234567890"])
def test_a_weak_password_is_refused(client: FlaskClient, password: str) -> None:
    html = sign_up(client, password=password, confirm=password).get_data(as_text=True)
    assert "password" in errors(html)
    assert stored() == (0, 0, 0, 0, 0)


def test_an_address_with_an_account_is_refused_and_nothing_is_stored(
    client: FlaskClient, make_user: Any
) -> None:
    make_user(email="ana@contoso.example", workspace="Fabrikam")
    before = stored()
    answer = sign_up(client, email="ANA@contoso.example ")
    assert answer.status_code == 200
    assert errors(answer.get_data(as_text=True)) == {
        "email": "There is already an account for this address: sign in, or reset the "
                 "password if it is forgotten."
    }
    assert stored() == before


def test_a_workspace_name_in_use_is_refused_and_nothing_is_stored(
    client: FlaskClient, make_workspace: Any
) -> None:
    make_workspace("Contoso Energy")
    before = stored()
    answer = sign_up(client, workspace="contoso  energy")
    assert answer.status_code == 200
    found = errors(answer.get_data(as_text=True))
    assert list(found) == ["workspace"]
    assert found["workspace"].startswith("There is already a workspace of this name.")
    assert stored() == before
    assert find_user("ana@contoso.example") is None


def test_a_clash_found_only_when_storing_stores_nothing(
    client: FlaskClient, make_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request took the name between the form's check and the insert: the
    user made first is not left behind."""
    from assess.accounts import forms

    make_workspace("Contoso Energy")
    before = stored()
    monkeypatch.setattr(forms.SignupForm, "validate_workspace", lambda self, field: None)
    found = errors(sign_up(client).get_data(as_text=True))
    assert found == {"workspace": "There is already a workspace named 'Contoso Energy'."}
    assert stored() == before
    assert find_user("ana@contoso.example") is None


def test_sign_ups_are_limited_per_client_address(
    make_app: Any, clock: Any
) -> None:
    app: Flask = make_app(ALLOW_SIGNUP=True, SIGNUP_LIMITS="2/hour")
    client = app.test_client()
    with app.app_context():
        for n in range(2):
            answer = sign_up(client, email=f"p{n}@example.com", workspace=f"Company {n}")
            assert answer.status_code == 302
        limited = sign_up(client, email="p2@example.com", workspace="Company 2")
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert "Too many sign-ups from your network" in limited.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Workspace)) == 2
        # The form itself is still shown, and another address may sign up.
        assert client.get("/signup").status_code == 200
        other = sign_up(client, address="192.0.2.9", email="p3@example.com",
                        workspace="Company 3")
        assert other.status_code == 302
        clock.advance(hours=1, seconds=1)
        again = sign_up(client, email="p4@example.com", workspace="Company 4")
        assert again.status_code == 302


# -- the first run ----------------------------------------------------------------------


def test_the_first_run_page_opens_an_engagement_with_both_links(client: FlaskClient) -> None:
    sign_up(client)
    page = client.get("/welcome").get_data(as_text=True)
    assert "Find out how customer-centric <bdi>Contoso Energy</bdi> is" in page
    # What each audience is asked, in the instrument's own words and minutes ...
    assert "What staff are asked" in page and "“How we treat our customers”" in page
    assert "about 15 minutes, 60 statements" in page
    assert "What customers are asked" in page and "about 6 minutes, 25 statements" in page
    # ... and what the company gets back.
    assert "The gap report" in page
    assert "Open the survey and get the two links" in page
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0

    opened = client.post("/welcome")
    assert opened.status_code == 302 and opened.headers["Location"] == "/welcome"
    engagement = db.session.scalar(select(Engagement))
    assert engagement is not None and engagement.status == Status.OPEN
    assert engagement.name.startswith("Customer-centricity assessment 20")
    assert engagement.organisation.name == "Contoso Energy"
    links = db.session.scalars(select(Link).where(Link.kind == LinkKind.OPEN)).all()
    assert sorted(str(link.audience) for link in links) == ["customer", "staff"]

    page = client.get("/welcome").get_data(as_text=True)
    assert "Your survey is open" in page and "What to do next" in page
    links_shown = open_links(page)
    assert set(links_shown) == {"staff", "customer"}
    for path in links_shown.values():
        assert client.get(path).status_code == 200
    assert page.count('class="button secondary js-copy"') == 2

    # Pressing again (a reload, a double click) makes no second engagement.
    client.post("/welcome")
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 1


def test_only_a_company_s_managers_may_use_the_first_run_page(
    client: FlaskClient, make_user: Any, make_workspace: Any
) -> None:
    sign_up(client)
    workspace = db.session.scalar(select(Workspace).where(Workspace.name == "Contoso Energy"))
    make_user(role="reader", email="board@contoso.example", workspace=workspace)
    reader = client.application.test_client()
    reader.post("/login", data={"email": "board@contoso.example", "password": "correct-horse"})
    assert reader.get("/welcome").status_code == 403
    assert reader.post("/welcome").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0
    anonymous = client.application.test_client()
    assert anonymous.get("/welcome").headers["Location"].startswith("/login?next=")


# -- what the company's staff are told -----------------------------------------------------


def test_a_company_s_staff_are_told_that_their_employer_runs_the_survey(
    client: FlaskClient,
) -> None:
    sign_up(client)
    client.post("/welcome")
    page = client.get("/welcome").get_data(as_text=True)
    found = open_links(page)
    staff = client.get(found["staff"]).get_data(as_text=True)
    assert "<bdi>Contoso Energy</bdi>, your employer, runs this questionnaire itself." in staff
    assert ("<bdi>Contoso Energy</bdi> sees the results only for groups of at least 5 people, "
            "so it cannot see how you or a small team answered.") in staff
    customer = client.get(found["customer"]).get_data(as_text=True)
    assert "This questionnaire is run by <bdi>Contoso Energy</bdi>." in customer
    assert "your employer" not in customer


def test_a_consultancy_s_respondents_are_not_told_about_an_employer(
    client: FlaskClient, make_engagement: Any
) -> None:
    from tests.respondents.conftest import open_token

    engagement = make_engagement(prepared_by="Dana Smith")
    staff = client.get(f"/r/{open_token(engagement, 'staff')}").get_data(as_text=True)
    assert "This questionnaire is run by <bdi>Dana Smith</bdi> for <bdi>Acme Ltd</bdi>." in staff
    assert "your employer" not in staff
    assert "Results are only ever shown for groups of at least" in staff


# -- with a mail server: the address is proven by a link --------------------------------


def test_with_smtp_a_sign_up_sends_the_link_that_verifies_the_address(
    make_app: Any, app: Flask
) -> None:
    from tests.accounts.inbox import Inbox, free_port, link_in, serve

    inbox = Inbox(free_port())
    controller = serve(inbox)
    try:
        mailing = make_app(ALLOW_SIGNUP=True, **inbox.config())
        client = mailing.test_client()
        signed = sign_up(client)
        assert signed.status_code == 302
        inbox.wait_for(1)
        [message] = inbox.to("ana@contoso.example")
        assert link_in(message).startswith("/")
        page = client.get("/welcome").get_data(as_text=True)
        assert "We sent a link to ana@contoso.example to confirm the address." in page
        user = find_user("ana@contoso.example")
        assert user is not None and user.email_verified_at is None
    finally:
        controller.stop()
