"""People who sign in: creating them, setting passwords, signing in, ending sessions.

Services flush; the caller (view or CLI) commits once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from assess.accounts import passwords
from assess.accounts.models import User
from assess.extensions import db
from assess.text import without_bidi_controls

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    pass


def create_user(email: str, password: str, name: str = "", *, verified: bool = False) -> User:
    """A new person; ``verified`` when their address is known good (the operator's
    CLI), else it is proven by a verification link."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(f"'{email}' is not an e-mail address.")
    problem = passwords.check_password_policy(password)
    if problem is not None:
        raise AccountError(problem)
    if find_user(email) is not None:
        raise AccountError(f"There is already a user {email}.")
    user = User(email=email, name=without_bidi_controls(name).strip(),
                email_verified_at=datetime.now(UTC).replace(tzinfo=None) if verified else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The person with this address and password, or None.

    An unknown address costs one hash check too, against a dummy hash, so the time
    of the answer does not tell who has an account. A right password whose hash was
    made with other parameters than the current ones is hashed again (flushed; the
    caller commits).
    """
    user = find_user(email)
    if user is None:
        passwords.password_matches(passwords.dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.set_password(password)
        db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """A new password (the account page, a reset, the CLI): it must meet the policy
    (:class:`AccountError` says why not), and every session of the person ends,
    the one that changed it too. To keep that one, sign it in again afterwards
    (``login_user(user)`` takes the new generation)."""
    problem = passwords.check_password_policy(password)
    if problem is not None:
        raise AccountError(problem)
    user.set_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every session of the person at once, on every device: a session's id
    carries the generation it began in (``User.get_id``), and the user loader
    refuses older ones."""
    user.session_generation += 1
    db.session.flush()
