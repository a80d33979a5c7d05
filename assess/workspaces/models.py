"""Workspaces: the tenant. A consulting firm, or a company assessing itself.

Every organisation belongs to exactly one workspace; people are members of one
or more workspaces with a role there. Nothing of one workspace is ever shown in
another: :mod:`assess.workspaces.policy` is the one place that decides.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.accounts.models import User
from assess.db import Base, str_enum


class MemberRole(enum.StrEnum):
    OWNER = "owner"  # members, settings, deletion; and everything a consultant does
    CONSULTANT = "consultant"  # all of the workspace's organisations and engagements
    READER = "reader"  # reads the organisations they were given (the client)

    @property
    def label(self) -> str:
        return {"owner": "Owner", "consultant": "Consultant", "reader": "Client reader"}[self]


class WorkspaceKind(enum.StrEnum):
    CONSULTANCY = "consultancy"  # assesses its clients
    COMPANY = "company"  # assesses itself: one organisation, the company

    @property
    def label(self) -> str:
        return {"consultancy": "A consultancy", "company": "Our own company"}[self]


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The operator's CLI finds a workspace by its name: unique on the installation.
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[WorkspaceKind] = mapped_column(
        str_enum(WorkspaceKind), default=WorkspaceKind.CONSULTANCY
    )
    # Set when an owner's e-mail address was verified (or by the operator's CLI):
    # until then the workspace runs its own survey links but mails nobody else.
    verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # The owner requires a second factor of every owner and consultant.
    require_second_factor: Mapped[bool] = mapped_column(default=False)
    # Suspended: its members cannot sign in to it; its open respondent links keep
    # working until its engagements close.
    suspended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", passive_deletes=True
    )


class Membership(Base):
    """A person's role in one workspace."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    workspace: Mapped[Workspace] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
    readable: Mapped[list[ReaderAccess]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def can_manage(self) -> bool:
        """Owners and consultants run engagements; readers only read."""
        return self.role in (MemberRole.OWNER, MemberRole.CONSULTANT)


class ReaderAccess(Base):
    """An organisation a client reader was given, in the reader's workspace."""

    __tablename__ = "reader_access"
    __table_args__ = (UniqueConstraint("membership_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    # A table of a higher layer, named but not imported: readers are given
    # organisations, which belong to workspaces.
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
