"""Single-use, expiring links sent by e-mail (or shown to copy): verifying an
address, resetting a password, joining a workspace.

The token itself (32 random bytes, URL-safe) is returned once, to go into the
link; only its SHA-256 is stored, so a copy of the database opens nothing. A
token is used at most once: :func:`use` marks it in one conditional UPDATE, so
two requests racing with the same link cannot both succeed. How long each kind
works is configurable (``ASSESS_VERIFY_EMAIL_HOURS``, ``ASSESS_RESET_PASSWORD_HOURS``,
``ASSESS_INVITATION_DAYS``). Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from assess.accounts.models import AccountToken, TokenPurpose, User
from assess.extensions import db

#: Defaults, when the app's config does not say (see ``config.DEFAULTS``).
_LIFETIME_SETTINGS: dict[TokenPurpose, tuple[str, str, int]] = {
    TokenPurpose.VERIFY_EMAIL: ("VERIFY_EMAIL_HOURS", "hours", 48),
    TokenPurpose.RESET_PASSWORD: ("RESET_PASSWORD_HOURS", "hours", 1),
    TokenPurpose.INVITATION: ("INVITATION_DAYS", "days", 7),
}


def now() -> datetime:
    """The clock every expiry is read from (naive UTC, as stored); tests replace it."""
    return datetime.now(UTC).replace(tzinfo=None)


def lifetime(purpose: TokenPurpose) -> timedelta:
    key, unit, default = _LIFETIME_SETTINGS[purpose]
    amount = float(current_app.config.get(key, default))
    return timedelta(**{unit: amount})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    purpose: TokenPurpose,
    *,
    user: User | None = None,
    workspace_id: int | None = None,
    email: str | None = None,
    role: str | None = None,
    organisation_ids: list[int] | None = None,
) -> tuple[str, AccountToken]:
    """A new token and its row. A person's earlier unused verification or reset
    links stop working: only the newest one sent works."""
    if user is not None and purpose != TokenPurpose.INVITATION:
        withdraw(purpose, user=user)
    token = secrets.token_urlsafe(32)
    row = AccountToken(
        purpose=purpose,
        token_hash=token_hash(token),
        user_id=user.id if user is not None else None,
        workspace_id=workspace_id,
        email=email,
        role=role,
        organisation_ids=",".join(str(i) for i in organisation_ids) if organisation_ids else None,
        expires_at=now() + lifetime(purpose),
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def find_live(purpose: TokenPurpose, token: str) -> AccountToken | None:
    """The token's row if it is of this purpose, unused and not expired."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now(),
        )
    )


def use(purpose: TokenPurpose, token: str) -> AccountToken | None:
    """Find the live token and mark it used, at once: None when it is unknown,
    expired or already used (also when another request used it a moment ago)."""
    row = find_live(purpose, token)
    if row is None:
        return None
    used = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    )
    if getattr(used, "rowcount", 0) != 1:
        return None
    db.session.refresh(row)
    return row


def withdraw(purpose: TokenPurpose, *, user: User | None = None,
             token_id: int | None = None) -> int:
    """Mark unused tokens of this purpose used (a person's, or one by id): their
    links no longer work. Returns how many."""
    query = update(AccountToken).where(
        AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
    )
    if user is not None:
        query = query.where(AccountToken.user_id == user.id)
    if token_id is not None:
        query = query.where(AccountToken.id == token_id)
    result = db.session.execute(
        query.values(used_at=now()).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def organisation_ids(row: AccountToken) -> list[int]:
    return [int(part) for part in (row.organisation_ids or "").split(",") if part.isdigit()]


def pending_invitations(workspace_id: int) -> list[AccountToken]:
    """Invitations to the workspace that are neither used nor expired, newest first."""
    return list(
        db.session.scalars(
            select(AccountToken)
            .where(
                AccountToken.purpose == TokenPurpose.INVITATION,
                AccountToken.workspace_id == workspace_id,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > now(),
            )
            .order_by(AccountToken.created_at.desc(), AccountToken.id.desc())
        )
    )
