"""Passwords: the policy a new password must meet, and hashing with werkzeug.

The policy (``check_password_policy``) is applied wherever a password is set: sign-up,
reset, the account page and the CLI all go through
:func:`assess.accounts.services.set_password` or ``create_user``. It asks for length
and refuses what guessing tries first (the shipped list of common passwords, one
character repeated) rather than demanding digits and symbols, which people meet with
``Password1!``.

Hashes are werkzeug's (``method$salt$hash``). The method is the app's
``PASSWORD_HASH_METHOD`` (``ASSESS_PASSWORD_HASH_METHOD``; werkzeug's default when
unset). A stored hash made with other parameters still checks, and
:func:`needs_rehash` tells sign-in to replace it while the password is at hand.
"""

from __future__ import annotations

import functools
import secrets
from importlib import resources

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 200  # the forms' limit too: hashing a megabyte of "password" is wasted work


def check_password_policy(password: str) -> str | None:
    """What is wrong with ``password`` as a new password, in words for the person
    choosing it; None when it may be used."""
    if len(password) < MIN_LENGTH:
        return f"The password needs at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"The password may have at most {MAX_LENGTH} characters."
    if len(set(password)) == 1:
        return "The password cannot be one character repeated."
    if password.strip().lower() in common_passwords():
        return (
            "That password is one of the most common ones, which are tried first by "
            "anyone guessing. Choose another (a few unrelated words make a good one)."
        )
    return None


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list (``data/common-passwords.txt``, lowercase; its header says
    where it comes from), read once."""
    text = (
        resources.files("assess.accounts")
        .joinpath("data/common-passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line for line in text.splitlines() if line and not line.startswith("#")
    )


def hash_method() -> str:
    return str(current_app.config["PASSWORD_HASH_METHOD"])


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=hash_method())


def password_matches(password_hash: str, password: str) -> bool:
    """Every check of a password goes through here, an unknown person's too (against
    :func:`dummy_hash`), so both cost the same."""
    return check_password_hash(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current ones."""
    return password_hash.partition("$")[0] != _method_as_stored(hash_method())


def dummy_hash() -> str:
    """A hash of no one's password, made with the current parameters: checked when
    nobody has the address typed, so that an unknown address takes as long to refuse
    as a known one with a wrong password."""
    return _dummy_hash(hash_method())


@functools.cache
def _method_as_stored(method: str) -> str:
    # werkzeug writes the parameters it used ("scrypt" becomes "scrypt:32768:8:1"):
    # hash once to learn them, with its public function only.
    return generate_password_hash("", method=method).partition("$")[0]


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)
