from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from assess.accounts.models import User
from assess.extensions import db

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    pass


def create_user(email: str, password: str, name: str = "", *, verified: bool = False) -> User:
    """A new person; ``verified`` when their address is known good (the operator's
    CLI), else it is proven by a verification link."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(f"'{email}' is not an e-mail address.")
    if len(password) < 8:
        raise AccountError("The password needs at least 8 characters.")
    if find_user(email) is not None:
        raise AccountError(f"There is already a user {email}.")
    user = User(email=email, name=name.strip(),
                email_verified_at=datetime.now(UTC).replace(tzinfo=None) if verified else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not user.check_password(password):
        return None
    return user
