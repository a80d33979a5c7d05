from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from assess.db import Base, str_enum


class Role(enum.StrEnum):
    ADMIN = "admin"  # sees and manages every organisation and user
    CONSULTANT = "consultant"  # runs engagements for the organisations granted to them
    CLIENT = "client"  # reads results and reports of the organisations granted to them


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    grants: Mapped[list[OrganisationGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def can_manage(self) -> bool:
        """Consultants and admins run engagements; clients only read."""
        return self.role in (Role.ADMIN, Role.CONSULTANT)


class OrganisationGrant(Base):
    """Which users may see which organisations (admins see all)."""

    __tablename__ = "organisation_grants"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )

    user: Mapped[User] = relationship(back_populates="grants")
