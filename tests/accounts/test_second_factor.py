"""The second factor: TOTP codes and recovery codes (the service), the challenge
that completes a sign-in, setting it up and switching it off, and a workspace's
requirement of it (docs/accounts.md, "Second factor")."""

from __future__ import annotations

import hashlib
import re
import time

import pyotp
import pytest
from flask import Flask, session
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.accounts import second_factor
from assess.accounts.models import RecoveryCode, User
from assess.accounts.second_factor_views import (
    NEW_SECRET,
    PENDING_NEXT,
    PENDING_UNTIL,
    PENDING_USER,
    begin_challenge,
)
from assess.extensions import db
from assess.workspaces.second_factor import must_set_up

#: The start of a 30-second step, and a moment inside it.
STEP_START = 1_700_000_010 // 30 * 30
T = STEP_START + 7


def code_at(secret: str, at: float) -> str:
    return pyotp.TOTP(secret).at(at)


def code_now(secret: str) -> str:
    return code_at(secret, time.time())


def with_second_factor(user: User) -> list[str]:
    """Set the person's second factor up directly; their recovery codes."""
    codes = second_factor.enable(user, second_factor.new_secret())
    db.session.commit()
    return codes


def pend(client: FlaskClient, user: User, *, seconds: int = 300, next: str | None = None) -> None:
    """What the login view leaves once the password was right (``begin_challenge``)."""
    with client.session_transaction() as s:
        s[PENDING_USER] = user.id
        s[PENDING_UNTIL] = int(time.time()) + seconds
        if next:
            s[PENDING_NEXT] = next


def signed_in(client: FlaskClient) -> bool:
    """The home page opens (not sent to sign in)."""
    return client.get("/").status_code == 200


# -- the service ----------------------------------------------------------------------


def test_a_code_is_accepted_within_one_step_either_side_and_not_further(app: Flask) -> None:
    secret = second_factor.new_secret()
    code = code_at(secret, T)
    for at in (T, STEP_START, STEP_START + 29, T - 30, T + 30):
        assert second_factor.matching_step(secret, code, at) == T // 30, at
    for at in (T - 60, T + 60, T + 3600):
        assert second_factor.matching_step(secret, code, at) is None, at
    assert second_factor.matching_step(secret, f" {code[:3]} {code[3:]} ", T) == T // 30


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5"])
def test_what_is_not_six_digits_is_no_code(app: Flask, code: str) -> None:
    assert second_factor.matching_step(second_factor.new_secret(), code, T) is None


def test_a_code_is_accepted_once(app: Flask, make_user) -> None:
    user = make_user("consultant")
    secret = second_factor.new_secret()
    code = code_at(secret, T)
    assert second_factor.check_code(user.id, secret, code, T)
    assert not second_factor.check_code(user.id, secret, code, T)  # replayed
    assert not second_factor.check_code(user.id, secret, code, T + 30)  # still in the window
    assert second_factor.check_code(user.id, secret, code_at(secret, T + 30), T + 30)
    # Another person's use of the same step is theirs.
    other = make_user("consultant")
    assert second_factor.check_code(other.id, secret, code, T)


def test_the_uri_names_the_issuer_the_account_and_the_secret(app: Flask) -> None:
    secret = second_factor.new_secret()
    uri = second_factor.provisioning_uri(secret, "ann@example.com")
    assert uri.startswith("otpauth://totp/assess:ann%40example.com?")
    assert f"secret={secret}" in uri and "issuer=assess" in uri
    assert len(secret) == 32 and secret != second_factor.new_secret()


def test_recovery_codes_are_stored_hashed_and_each_works_once(app: Flask, make_user) -> None:
    user = make_user("owner")
    codes = with_second_factor(user)
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert sorted(stored) == sorted(
        hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes
    )
    assert second_factor.use_recovery_code(user, codes[0])
    assert not second_factor.use_recovery_code(user, codes[0])
    # Typed in capitals, with spaces instead of the hyphen: the same code.
    assert second_factor.use_recovery_code(user, codes[1].upper().replace("-", " "))
    assert not second_factor.use_recovery_code(user, "aaaaa-aaaaa")
    assert second_factor.recovery_codes_left(user) == 8
    # Another person cannot use them.
    assert not second_factor.use_recovery_code(make_user("owner"), codes[2])
    # New codes replace the old ones.
    fresh = second_factor.new_recovery_codes(user)
    assert not second_factor.use_recovery_code(user, codes[2])
    assert second_factor.use_recovery_code(user, fresh[0])


def test_switching_it_off_forgets_the_secret_and_the_codes(app: Flask, make_user) -> None:
    user = make_user("owner")
    codes = with_second_factor(user)
    assert second_factor.needs_second_factor(user)
    second_factor.disable(user)
    db.session.commit()
    assert not second_factor.needs_second_factor(user)
    assert not second_factor.use_recovery_code(user, codes[0])
    assert db.session.scalars(select(RecoveryCode)).all() == []


def test_who_must_set_it_up(app: Flask, make_user, make_workspace) -> None:
    workspace = make_workspace()
    owner, consultant, reader = (make_user(role) for role in ("owner", "consultant", "reader"))
    assert not any(must_set_up(u, workspace) for u in (owner, consultant, reader))
    workspace.require_second_factor = True
    assert must_set_up(owner, workspace) and must_set_up(consultant, workspace)
    assert not must_set_up(reader, workspace)  # client readers only read
    with_second_factor(consultant)
    assert not must_set_up(consultant, workspace)
    # Not a member: nothing to require.
    assert not must_set_up(make_user("owner", workspace="Elsewhere"), workspace)


def test_begin_challenge_leaves_only_a_pending_sign_in(app: Flask, make_user) -> None:
    plain, guarded = make_user("consultant"), make_user("consultant")
    with_second_factor(guarded)
    with app.test_request_context("/login?next=/engagements/new"):
        session["workspace_id"] = 1
        assert begin_challenge(plain) is False
        assert dict(session) == {"workspace_id": 1}
        assert begin_challenge(guarded) is True
        assert session[PENDING_USER] == guarded.id
        assert session[PENDING_NEXT] == "/engagements/new"
        assert "workspace_id" not in session
    with app.test_request_context("/login?next=//evil.example/"):
        assert begin_challenge(guarded) is True
        assert PENDING_NEXT not in session  # never an open redirect


# -- setting it up --------------------------------------------------------------------


def test_setting_it_up_with_a_first_code_shows_the_recovery_codes_once(
    client: FlaskClient, auth, make_user
) -> None:
    user = make_user("consultant", email="ann@example.com")
    auth.login("ann@example.com")
    page = client.get("/account/second-factor")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as s:
        secret = s[NEW_SECRET]
    html = page.get_data(as_text=True)
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in html
    assert "otpauth://totp/assess:ann%40example.com?secret=" in html
    assert "<svg" in html  # the QR code

    wrong = client.post("/account/second-factor", data={"code": "000000"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.get_data(as_text=True)
    assert user.totp_secret is None

    shown = client.post("/account/second-factor", data={"code": code_now(secret)})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    db.session.refresh(user)
    assert user.totp_secret == secret
    text = shown.get_data(as_text=True)
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", text)
    assert len(codes) == 10 and second_factor.recovery_codes_left(user) == 10
    # Once: the page shows the second factor is on, never the codes again.
    again = client.get("/account/second-factor").get_data(as_text=True)
    assert "Your second factor is on" in again and "10 unused recovery codes" in again
    assert not any(code in again for code in codes) and secret not in again
    with client.session_transaction() as s:
        assert NEW_SECRET not in s


# -- signing in with it ---------------------------------------------------------------


def test_the_challenge_accepts_a_code_and_completes_the_sign_in(
    client: FlaskClient, make_user
) -> None:
    user = make_user("consultant")
    with_second_factor(user)
    pend(client, user, next="/engagements/new")
    assert not signed_in(client)  # the pending state is no sign-in
    pend(client, user, next="/engagements/new")
    page = client.get("/login/second-factor")
    assert page.status_code == 200 and "Enter your code" in page.get_data(as_text=True)
    assert client.post("/login/second-factor", data={"code": "000000"}).status_code == 401
    done = client.post("/login/second-factor", data={"code": code_now(user.totp_secret)})
    assert done.status_code == 302 and done.headers["Location"] == "/engagements/new"
    assert signed_in(client)
    with client.session_transaction() as s:
        assert PENDING_USER not in s and s["workspace_id"]


def test_the_challenge_accepts_a_recovery_code_once(client: FlaskClient, make_user) -> None:
    user = make_user("owner")
    codes = with_second_factor(user)
    pend(client, user)
    done = client.post("/login/second-factor", data={"code": codes[3]})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert signed_in(client)
    other = client.application.test_client()
    pend(other, user)
    assert other.post("/login/second-factor", data={"code": codes[3]}).status_code == 401
    assert not signed_in(other)


def test_a_code_used_to_sign_in_cannot_be_used_again(client: FlaskClient, make_user) -> None:
    user = make_user("consultant")
    with_second_factor(user)
    code = code_now(user.totp_secret)
    pend(client, user)
    assert client.post("/login/second-factor", data={"code": code}).status_code == 302
    thief = client.application.test_client()
    pend(thief, user)
    assert thief.post("/login/second-factor", data={"code": code}).status_code == 401
    assert not signed_in(thief)


def test_the_pending_state_reaches_no_page(client: FlaskClient, make_user) -> None:
    user = make_user("owner")
    with_second_factor(user)
    pend(client, user)
    for url in ("/", "/engagements/new", "/account/second-factor"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login?next=" in answer.headers["Location"], url
    assert client.post("/workspace/second-factor", data={"required": "0"}).status_code == 302


def test_a_pending_sign_in_expires(client: FlaskClient, make_user) -> None:
    user = make_user("consultant")
    with_second_factor(user)
    pend(client, user, seconds=-1)
    answer = client.post("/login/second-factor", data={"code": code_now(user.totp_secret)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert not signed_in(client)
    # Without any pending sign-in: the same.
    fresh = client.application.test_client()
    assert fresh.get("/login/second-factor").headers["Location"] == "/login"


def test_wrong_codes_are_limited_per_person(client: FlaskClient, make_user) -> None:
    user = make_user("consultant")
    with_second_factor(user)
    pend(client, user)
    for _ in range(5):
        assert client.post("/login/second-factor", data={"code": "000000"}).status_code == 401
    limited = client.post("/login/second-factor", data={"code": code_now(user.totp_secret)})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    # From another browser too: the limit is the person's.
    other = client.application.test_client()
    pend(other, user)
    assert other.post("/login/second-factor", data={"code": "000000"}).status_code == 429


def test_signing_in_asks_for_the_code(client: FlaskClient, make_user) -> None:
    """The whole sign-in: password, then code, then the page asked for."""
    user = make_user("consultant", email="ann@example.com")
    with_second_factor(user)
    answer = client.post("/login?next=/engagements/new",
                         data={"email": "ann@example.com", "password": "correct-horse"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login/second-factor"
    assert not signed_in(client)
    done = client.post("/login/second-factor", data={"code": code_now(user.totp_secret)})
    assert done.headers["Location"] == "/engagements/new"
    assert signed_in(client)


# -- switching it off -----------------------------------------------------------------


def test_switching_it_off_needs_a_current_code(client: FlaskClient, auth, make_user) -> None:
    user = make_user("consultant", email="ann@example.com")
    with_second_factor(user)
    pend(client, user)
    client.post("/login/second-factor", data={"code": code_at(user.totp_secret,
                                                              time.time() - 30)})
    assert signed_in(client)
    refused = client.post("/account/second-factor/disable", data={"code": "000000"})
    assert refused.status_code == 200 and "not right" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret is not None
    done = client.post("/account/second-factor/disable",
                       data={"code": code_now(user.totp_secret)})
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None
    assert "Set up a second factor" in client.get("/account/second-factor").get_data(as_text=True)


# -- the workspace's requirement ------------------------------------------------------


def consultant_page(client: FlaskClient) -> str:
    return client.get("/account/second-factor").get_data(as_text=True)


def test_an_owner_requires_it_and_managers_are_sent_to_set_it_up(
    app: Flask, make_user, make_workspace
) -> None:
    workspace = make_workspace()
    owner = make_user("owner", email="owner@example.com")
    make_user("consultant", email="con@example.com")
    make_user("reader", email="reader@example.com")
    clients = {}
    for email in ("owner@example.com", "con@example.com", "reader@example.com"):
        clients[email] = app.test_client()
        assert clients[email].post(
            "/login", data={"email": email, "password": "correct-horse"}
        ).status_code == 302
    boss = clients["owner@example.com"]

    # Only an owner with a second factor of their own may require it.
    assert clients["con@example.com"].post(
        "/workspace/second-factor", data={"required": "1"}).status_code == 403
    boss.post("/workspace/second-factor", data={"required": "1"})
    assert workspace.require_second_factor is False
    with_second_factor(owner)
    switch = boss.get("/account/second-factor").get_data(as_text=True)
    assert switch.count('name="required"') == 1 and 'value="1"' in switch
    assert 'name="required"' not in consultant_page(clients["con@example.com"])
    assert boss.post("/workspace/second-factor", data={"required": "1"}).status_code == 302
    db.session.refresh(workspace)
    assert workspace.require_second_factor is True
    assert signed_in(boss)

    consultant = clients["con@example.com"]
    sent = consultant.get("/engagements/new")
    assert sent.status_code == 302 and sent.headers["Location"] == "/account/second-factor"
    page = consultant.get("/account/second-factor")
    assert page.status_code == 200
    assert "requires a second factor" in page.get_data(as_text=True)
    with consultant.get("/static/css/app.css") as css:
        assert css.status_code == 200
    # Readers are not asked.
    assert signed_in(clients["reader@example.com"])

    # Once set up, the consultant goes on.
    with consultant.session_transaction() as s:
        secret = s[NEW_SECRET]
    consultant.post("/account/second-factor", data={"code": code_now(secret)})
    assert signed_in(consultant)

    # The owner lifts it.
    assert boss.post("/workspace/second-factor", data={"required": "0"}).status_code == 302
    db.session.refresh(workspace)
    assert workspace.require_second_factor is False


def test_signing_out_stays_possible_before_setting_it_up(
    client: FlaskClient, auth, make_user, make_workspace
) -> None:
    make_workspace().require_second_factor = True
    db.session.commit()
    make_user("consultant", email="con@example.com")
    auth.login("con@example.com")
    assert client.get("/").headers["Location"] == "/account/second-factor"
    out = auth.logout()
    assert out.status_code == 302 and out.headers["Location"] == "/login"
