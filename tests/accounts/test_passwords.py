"""The password policy, wherever a password is set, and ending sessions with it."""

from __future__ import annotations

import pytest

from assess.accounts import passwords
from assess.accounts.passwords import check_password_policy, common_passwords
from assess.accounts.services import AccountError, create_user, end_sessions, set_password
from assess.extensions import db


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "at least 10 characters"),
        ("12345678", "at least 10 characters"),
        ("abcdefghi", "at least 10 characters"),
        ("x" * 201, "at most 200 characters"),
        ("aaaaaaaaaa", "one character repeated"),
        (" " * 10, "one character repeated"),
        ("0000000000000", "one character repeated"),
        ("1234567890", "most common"),
        ("qwertyuiop", "most common"),
        ("Password123", "most common"),  # the list is lowercase; so is the check
        (" password123 ", "most common"),
    ],
)
def test_refused_with_a_reason(password, problem):
    assert problem in (check_password_policy(password) or "")


@pytest.mark.parametrize(
    "password",
    # The passwords the suite and the demo use, and a few good ones.
    ["correct-horse", "long-enough-pw", "pw-long-enough", "demo-password", "wrong-horse",
     "aaaaaaaaab", "tulip ferry orbit", "x" * 9 + "y"],
)
def test_accepted(password):
    assert check_password_policy(password) is None


def test_the_shipped_list_is_long_lowercase_and_only_passwords_the_length_rule_lets_by():
    common = common_passwords()
    assert len(common) > 1000
    assert all(len(entry) >= passwords.MIN_LENGTH for entry in common)
    assert all(entry == entry.lower() == entry.strip() for entry in common)
    assert not any(entry.startswith("#") for entry in common)


def test_create_user_applies_the_policy(app):
    with pytest.raises(AccountError, match="at least 10 characters"):
        create_user("ana@example.com", "short-pw")
    with pytest.raises(AccountError, match="most common"):
        create_user("ana@example.com", "1q2w3e4r5t")
    assert create_user("ana@example.com", "tulip ferry orbit").check_password("tulip ferry orbit")


def test_set_password_applies_the_policy_and_ends_every_session(app, make_user):
    user = make_user(email="ana@example.com")
    generation, old_hash = user.session_generation, user.password_hash
    with pytest.raises(AccountError, match="one character repeated"):
        set_password(user, "z" * 12)
    assert (user.session_generation, user.password_hash) == (generation, old_hash)
    set_password(user, "tulip ferry orbit")
    db.session.commit()
    assert user.session_generation == generation + 1
    assert user.check_password("tulip ferry orbit") and not user.check_password("correct-horse")


def test_a_password_change_signs_out_every_session(app, client, make_user):
    user = make_user(email="ana@example.com")
    assert client.post("/login", data={"email": user.email, "password": "correct-horse"}
                       ).status_code == 302
    assert client.get("/").status_code == 200
    set_password(user, "tulip ferry orbit")
    db.session.commit()
    assert client.get("/").status_code == 302


def test_end_sessions_keeps_the_password(app, client, make_user):
    user = make_user(email="ana@example.com")
    client.post("/login", data={"email": user.email, "password": "correct-horse"})
    end_sessions(user)
    db.session.commit()
    assert client.get("/").status_code == 302
    assert client.post("/login", data={"email": user.email, "password": "correct-horse"}
                       ).status_code == 302
    assert client.get("/").status_code == 200


def test_needs_rehash_compares_the_parameters_werkzeug_wrote(app):
    from werkzeug.security import generate_password_hash

    assert not passwords.needs_rehash(passwords.hash_password("tulip ferry orbit"))
    assert passwords.needs_rehash(generate_password_hash("x", method="scrypt"))
    assert passwords.needs_rehash(generate_password_hash("x", method="pbkdf2"))
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # werkzeug's default, by its short name
    assert not passwords.needs_rehash(generate_password_hash("x", method="scrypt:32768:8:1"))
