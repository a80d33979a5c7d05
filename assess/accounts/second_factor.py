"""The second factor: a time-based one-time code (TOTP, RFC 6238) from an
authenticator app, and single-use recovery codes for when the phone is lost.

Owners and consultants may set it up; an owner may require it of every owner and
consultant of a workspace (who must set it up is decided a layer up, in
:mod:`assess.workspaces.second_factor`, which knows the roles).

A code is accepted within one 30-second step either side of now (clocks drift),
and once only: the steps already used are kept for the width of that window in
the rate limiter's storage (Redis when ``ASSESS_REDIS_URL`` is set, so shared by
every worker; memory otherwise), not in the session, so a code seen over
someone's shoulder cannot be replayed from another browser either. With rate
limits switched off (``ASSESS_RATELIMIT_ENABLED=0``) there is no such storage
and a code may be reused within its window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from typing import Any, cast

import pyotp
from sqlalchemy import CursorResult, delete, func, select, update

from assess.accounts.models import RecoveryCode, User
from assess.extensions import db, limiter

ISSUER = "assess"
STEP_SECONDS = 30  # authenticator apps' default; the URI does not name another
WINDOW = 1  # steps either side of now that are still accepted
RECOVERY_CODES = 10
# Recovery codes: 10 characters from an alphabet without look-alikes (no 0/o,
# 1/l/i), about 50 bits each, shown as two groups of five.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_RECOVERY_LENGTH = 10


def new_secret() -> str:
    """A fresh random secret (160 bits, base32, as authenticator apps expect)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (typed, pasted or as a QR
    code): it names the account and the issuer."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step a six-digit ``code`` belongs to, if it is the code of now or
    of a step within ``WINDOW`` of now; None otherwise."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = totp.timecode(datetime.fromtimestamp(now, UTC))
    for offset in range(-WINDOW, WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def _first_use(user_id: int, step: int) -> bool:
    """True the first time a step is used for this person (see the module's doc)."""
    if not limiter.enabled:
        return True
    key = f"second-factor-step/{user_id}/{step}"
    # Kept as long as the step can still be accepted, plus one step of slack.
    seconds = STEP_SECONDS * (2 * WINDOW + 2)
    return limiter.storage.incr(key, seconds) == 1


def check_code(user_id: int, secret: str, code: str, at: float | None = None) -> bool:
    """The code is right for the secret now and was not used before."""
    step = matching_step(secret, code, at)
    return step is not None and _first_use(user_id, step)


def needs_second_factor(user: User) -> bool:
    """The person set up a second factor: signing in asks for a code."""
    return user.totp_secret is not None


def verify(user: User, code: str, at: float | None = None) -> bool:
    """A current, unused code from the person's authenticator app."""
    return user.totp_secret is not None and check_code(user.id, user.totp_secret, code, at)


def enable(user: User, secret: str) -> list[str]:
    """Keep the confirmed secret and return new recovery codes (shown once)."""
    user.totp_secret = secret
    return new_recovery_codes(user)


def disable(user: User) -> None:
    """Sign-in asks for a password only again; recovery codes are gone."""
    user.totp_secret = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


# -- recovery codes -------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _hash(code: str) -> str:
    # A plain SHA-256 is enough: the codes are random (about 50 bits), not chosen
    # by people, so there is no dictionary to try against a stolen hash.
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes, replacing any earlier ones. Only their hashes are
    kept: the list returned is the only time they exist in clear."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of the person's; False if it is no such code."""
    if user.totp_secret is None or len(_normalise(code)) != _RECOVERY_LENGTH:
        return False
    # One UPDATE that only an unused code matches: of two requests spending the
    # same code at once, one changes the row and the other finds it used.
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=datetime.now(UTC).replace(tzinfo=None))
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], spent).rowcount == 1


def recovery_codes_left(user: User) -> int:
    left = db.session.scalar(
        select(func.count()).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    return left or 0
