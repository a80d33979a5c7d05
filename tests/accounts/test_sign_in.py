"""Signing in withstands attack: limits on failed attempts, the same work for unknown
and known addresses, re-hashing, sessions that end and expire, a new CSRF secret."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from assess.accounts import passwords
from assess.extensions import db
from tests.conftest import QUICK_PASSWORD_HASH

EMAIL = "ana@example.com"
PASSWORD = "correct-horse"


def sign_in(client, email=EMAIL, password=PASSWORD, address="127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def session_cookie(app, client) -> str:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def with_cookie(app, value: str):  # type: ignore[no-untyped-def]
    """A new browser holding a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


# -- limits on failed attempts ------------------------------------------------------


def test_wrong_passwords_for_one_account_are_limited_and_the_limit_ends(
    client, make_user, clock
):
    make_user(email=EMAIL)
    for _ in range(5):
        assert sign_in(client, password="wrong-horse").status_code == 401
    limited = sign_in(client, password="wrong-horse")
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    page = limited.get_data(as_text=True)
    assert "<h1>Too many attempts</h1>" in page
    assert ("Signing in is paused after too many failed attempts, to keep accounts safe. "
            "Try again in 1 minute.") in page
    # The right password is refused too while the account is limited ...
    assert sign_in(client).status_code == 429
    # ... from any address: the limit is the account's.
    assert sign_in(client, address="192.0.2.7").status_code == 429
    # Another account from the same address is not held up.
    make_user(email="ben@example.com")
    assert sign_in(client, email="ben@example.com").status_code == 302
    clock.advance(minutes=1, seconds=1)
    assert sign_in(client).status_code == 302


def test_the_account_is_the_address_typed_in_any_case_and_spacing(client, make_user, clock):
    make_user(email=EMAIL)
    for typed in ("ana@example.com", "ANA@example.com", " Ana@Example.com ", "ana@EXAMPLE.COM",
                  "ana@example.com"):
        assert sign_in(client, email=typed, password="wrong-horse").status_code == 401
    assert sign_in(client).status_code == 429


def test_the_wait_grows_with_the_failures(client, make_user, clock):
    """5 a minute, 20 an hour: after four minutes of guessing, the wait is the hour's."""
    make_user(email=EMAIL)
    for _ in range(4):
        for _ in range(5):
            assert sign_in(client, password="wrong-horse").status_code == 401
        assert sign_in(client, password="wrong-horse").status_code == 429
        clock.advance(minutes=1, seconds=1)
    limited = sign_in(client, password="wrong-horse")
    assert limited.status_code == 429
    wait = int(limited.headers["Retry-After"])
    assert 3600 - 5 * 61 <= wait <= 3600
    assert f"Try again in {round(wait / 60)} minutes." in limited.get_data(as_text=True)
    clock.advance(seconds=wait + 1)
    assert sign_in(client).status_code == 302


def test_failures_from_one_address_are_limited_whatever_the_account(client, make_user, clock):
    make_user(email=EMAIL)
    for n in range(20):  # one wrong guess each at 20 accounts: no account limit is reached
        assert sign_in(client, email=f"guess{n}@example.com").status_code == 401
    limited = sign_in(client)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    # The person themself, from another address, is not held up.
    assert sign_in(app_client := client.application.test_client(),
                   address="198.51.100.4").status_code == 302
    assert app_client is not client
    clock.advance(minutes=1, seconds=1)
    assert sign_in(client).status_code == 302


def test_only_failures_count(client, make_user, clock):
    """An office behind one address signs in all morning: successes never count."""
    make_user(email=EMAIL)
    for _ in range(25):
        assert sign_in(client).status_code == 302


def test_the_limits_are_configurable(make_app, make_user, clock):
    app = make_app(LOGIN_LIMITS_ACCOUNT="2/hour", LOGIN_LIMITS_ADDRESS="100/hour")
    with app.app_context():
        make_user(email=EMAIL)
        client = app.test_client()
        assert sign_in(client, password="wrong-horse").status_code == 401
        assert sign_in(client, password="wrong-horse").status_code == 401
        assert sign_in(client).status_code == 429


def test_showing_the_page_is_never_limited(client, make_user, clock):
    make_user(email=EMAIL)
    for _ in range(6):
        sign_in(client, password="wrong-horse")
    assert client.get("/login").status_code == 200


# -- the same work for unknown and known addresses ---------------------------------


def test_unknown_and_known_addresses_cost_one_hash_check_each(client, make_user, monkeypatch):
    make_user(email=EMAIL)
    checked: list[str] = []
    real = passwords.check_password_hash

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash.partition("$")[0])
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    counts = {}
    for case, email, password in (
        ("unknown", "nobody@example.com", "wrong-horse"),
        ("known, wrong password", EMAIL, "wrong-horse"),
        ("known, right password", EMAIL, PASSWORD),
    ):
        checked.clear()
        sign_in(client.application.test_client(), email=email, password=password)
        counts[case] = list(checked)
    # One check each, with the same parameters: as long for an unknown address.
    assert counts == {case: [QUICK_PASSWORD_HASH] for case in counts}


# -- hashes made with older parameters ---------------------------------------------


@pytest.mark.parametrize("old_method", ["pbkdf2:sha256:1000", "scrypt:512:8:1"])
def test_an_older_hash_still_signs_in_and_is_replaced(client, make_user, old_method):
    user = make_user(email=EMAIL)
    user.password_hash = generate_password_hash(PASSWORD, method=old_method)
    db.session.commit()
    assert passwords.needs_rehash(user.password_hash)
    assert sign_in(client).status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith(QUICK_PASSWORD_HASH + "$")
    assert not passwords.needs_rehash(user.password_hash)
    again = client.application.test_client()
    assert sign_in(again).status_code == 302
    assert sign_in(again, password="wrong-horse").status_code == 401


def test_a_current_hash_is_left_as_it_is(client, make_user):
    user = make_user(email=EMAIL)
    before = user.password_hash
    assert sign_in(client).status_code == 302
    db.session.refresh(user)
    assert user.password_hash == before


# -- sessions -----------------------------------------------------------------------


def test_a_copied_session_cookie_is_dead_after_sign_out(app, client, make_user):
    make_user(email=EMAIL)
    assert sign_in(client).status_code == 302
    copy = with_cookie(app, session_cookie(app, client))
    assert copy.get("/").status_code == 200
    elsewhere = app.test_client()  # the same person on another device
    assert sign_in(elsewhere).status_code == 302
    assert client.post("/logout").status_code == 302
    for browser in (client, copy, elsewhere):
        answer = browser.get("/")
        assert answer.status_code == 302 and "/login?next=" in answer.headers["Location"]
    # Signing in again works, with a new session.
    assert sign_in(client).status_code == 302 and client.get("/").status_code == 200


def csrf_token_of(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_signing_in_renews_the_session_and_the_csrf_secret(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(email=EMAIL)
        client = app.test_client()
        token = csrf_token_of(client.get("/login").get_data(as_text=True))
        with client.session_transaction() as before:
            secret = before["csrf_token"]
            before["planted"] = "by someone who handed the visitor this cookie"
        signed = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                             "csrf_token": token})
        assert signed.status_code == 302
        with client.session_transaction() as after:
            assert "planted" not in after
            assert after.get("csrf_token") != secret
        # A token made from the old secret is refused now ...
        assert client.post("/logout", data={"csrf_token": token}).status_code == 400
        # ... and one from a page shown after signing in is accepted.
        page = client.get("/").get_data(as_text=True)
        with client.session_transaction() as now:
            assert now["csrf_token"] != secret
        assert client.post("/logout", data={"csrf_token": csrf_token_of(page)}).status_code == 302


def test_a_session_ends_after_the_idle_timeout_and_each_request_restarts_it(
    app, client, make_user, clock
):
    make_user(email=EMAIL)
    assert sign_in(client).status_code == 302
    with client.session_transaction() as session:
        assert session.permanent
    signed_in = session_cookie(app, client)
    clock.advance(hours=7)
    assert with_cookie(app, signed_in).get("/").status_code == 200
    assert client.get("/").status_code == 200  # a request: the 8 hours start again
    refreshed = session_cookie(app, client)
    clock.advance(hours=7)
    assert with_cookie(app, refreshed).get("/").status_code == 200
    # 14 hours after signing in, with nothing since, the first cookie is refused.
    answer = with_cookie(app, signed_in).get("/")
    assert answer.status_code == 302 and "/login?next=" in answer.headers["Location"]


def test_the_idle_timeout_is_configurable(app, client, make_user, clock):
    app.config["IDLE_TIMEOUT_HOURS"] = 0.5
    make_user(email=EMAIL)
    assert sign_in(client).status_code == 302
    clock.advance(hours=0.4)
    assert client.get("/").status_code == 200
    clock.advance(hours=0.6)
    assert client.get("/").status_code == 302  # 36 minutes idle: signed out


def test_a_respondent_page_left_open_for_days_can_still_be_sent(app, client, clock):
    """Only signed-in sessions have the idle timeout: a questionnaire page a
    respondent left open over the weekend keeps its CSRF secret."""
    from assess.accounts.session import end_idle_session

    with app.test_request_context():
        from flask import session

        session["csrf_token"] = "secret"
        clock.advance(hours=60)
        end_idle_session()
        assert session["csrf_token"] == "secret"


def _failed_attempts(app, forwarded_for: list[str]) -> list[int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    return [
        client.post("/login", data={"email": f"nobody{n}@example.com",
                                    "password": "wrong-horse-battery"},
                    headers={"X-Forwarded-For": address}).status_code
        for n, address in enumerate(forwarded_for)
    ]


ADDRESS_LIMITS = {"LOGIN_LIMITS_ADDRESS": "2/minute", "LOGIN_LIMITS_ACCOUNT": "100/minute"}


def test_x_forwarded_for_is_ignored_without_trusted_proxies(make_app):
    """Otherwise anyone could dodge the per-address limit by sending the header."""
    app = make_app(**ADDRESS_LIMITS)
    with app.app_context():
        assert _failed_attempts(app, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [
            401, 401, 429
        ]


def test_the_client_address_comes_from_trusted_proxies(make_app):
    app = make_app(TRUSTED_PROXIES=1, **ADDRESS_LIMITS)
    with app.app_context():
        assert _failed_attempts(app, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [
            401, 401, 401
        ]
        # The same forwarded address again: its own counter reaches the limit.
        assert _failed_attempts(app, ["198.51.100.1", "198.51.100.1"]) == [401, 429]
