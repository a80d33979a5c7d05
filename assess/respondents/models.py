"""Links, responses and what respondents answered.

Anonymity by construction: a response stores its audience, its answers and two
dates — no IP address, user agent, e-mail or time of day. A single-use link only
records the date it was used; once a response is submitted nothing joins it back
to the link (its resume key is cleared).
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.db import Base, str_enum
from assess.instruments.schema import Audience


class LinkKind(enum.StrEnum):
    OPEN = "open"  # anyone with it may answer, once per browser
    SINGLE_USE = "single_use"  # one personal invitation, one response


class ResponseStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


_audience = str_enum(Audience)


class Link(Base):
    __tablename__ = "links"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[Audience] = mapped_column(_audience)
    kind: Mapped[LinkKind] = mapped_column(str_enum(LinkKind))
    # sha256 of the token; the token itself is only ever in the URL.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_on: Mapped[date] = mapped_column(default=date.today)
    used_on: Mapped[date | None] = mapped_column(default=None)
    revoked: Mapped[bool] = mapped_column(default=False)


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("engagement_id", "audience", "external_id"),
        Index("ix_responses_engagement_status", "engagement_id", "audience", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(_audience)
    status: Mapped[ResponseStatus] = mapped_column(
        str_enum(ResponseStatus), default=ResponseStatus.IN_PROGRESS
    )
    # sha256 of the key that lets the same browser (open link) or the same
    # personal link (single use) resume; unique so one key has one response,
    # cleared on submission.
    resume_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # The page the respondent reached, to resume there.
    page: Mapped[int] = mapped_column(default=0)
    # Set by imports: the file's respondent id, so importing twice adds nothing.
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    started_on: Mapped[date] = mapped_column(default=date.today)
    submitted_on: Mapped[date | None] = mapped_column(default=None)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    segments: Mapped[list[SegmentAnswer]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    comments: Mapped[list[Comment]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """One rated item. ``value`` None means "don't know / not applicable"."""

    __tablename__ = "answers"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int | None] = mapped_column(default=None)

    response: Mapped[Response] = relationship(back_populates="answers")


class SegmentAnswer(Base):
    __tablename__ = "segment_answers"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    option_id: Mapped[str] = mapped_column(String(100))


class Comment(Base):
    """The text of an open question."""

    __tablename__ = "comments"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
