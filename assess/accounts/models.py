from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from assess.accounts.passwords import hash_password, password_matches
from assess.db import Base, str_enum


class User(UserMixin, Base):
    """A person who signs in; what they may see comes from their workspace
    memberships (:mod:`assess.workspaces`)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Set when the address was proven by a verification link (or by the
    # operator's CLI); None while unverified.
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # Part of every session's id: raising it ends every session of the person at
    # once (sign-out, password change or reset, removal from a workspace).
    session_generation: Mapped[int] = mapped_column(default=0)
    # The second factor: a TOTP secret once set up, None otherwise.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)

    def set_password(self, password: str) -> None:
        """Only the hash; the policy and ending other sessions are
        :func:`assess.accounts.services.set_password`'s."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return password_matches(self.password_hash, password)

    def get_id(self) -> str:
        """The session's user id carries the generation: an older session no
        longer names a user (see the user loader in ``accounts/__init__.py``)."""
        return f"{self.id}:{self.session_generation}"


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"  # proves the address of a new account or a new e-mail
    RESET_PASSWORD = "reset_password"
    INVITATION = "invitation"  # joins a workspace with a role (a member or a reader)


class AccountToken(Base):
    """A single-use, expiring link sent by e-mail (or shown to copy): only its
    hash is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The person it is for, when they have an account (verification, reset).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
    # Invitations: where to, as what, and the address invited. Named, not
    # imported: workspaces are a layer above accounts.
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), default=None, index=True
    )
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    role: Mapped[str | None] = mapped_column(String(20), default=None)
    # For a reader's invitation: the organisations to read (ids, comma-separated).
    organisation_ids: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor (stored hashed)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(default=None)
