"""Links, responses and what respondents answered.

Anonymity by construction: a response stores its audience, its answers and two
dates — no IP address, user agent, e-mail or time of day. A single-use link
records only *that* it was used (a flag, not a date, so no day can be matched
against a response's submission date). While a response is in progress its
resume key is what lets the respondent come back; on submission the key is
cleared (a CHECK constraint insists on it), so nothing joins a submitted
response back to the link or the address it was sent to.

One response per key, enforced by the database: ``responses.resume_key_hash`` is
unique (one in-progress response per browser or personal link) and
``spent_keys`` holds each key that has submitted, keyed by its hash, so a second
submission through the same key (double click, replayed POST, two tabs) fails on
the primary key even when both requests run at the same instant.
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from assess.db import Base, str_enum
from assess.instruments.schema import Audience


class LinkKind(enum.StrEnum):
    OPEN = "open"  # anyone with it may answer, once per browser
    SINGLE_USE = "single_use"  # one personal invitation, one response


class ResponseStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class MailingKind(enum.StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"


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
    # Single-use links: whether a response was submitted through it (response rates).
    used: Mapped[bool] = mapped_column(default=False)
    revoked: Mapped[bool] = mapped_column(default=False)
    # Open links: submissions refused because one source sent a burst (counted so
    # the consultant sees them; the respondents kept their answers and retried).
    throttled: Mapped[int] = mapped_column(default=0, server_default="0")


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("engagement_id", "audience", "external_id"),
        Index("ix_responses_engagement_status", "engagement_id", "audience", "status"),
        # A submitted response keeps no resume key: nothing joins it to a link.
        CheckConstraint(
            "status = 'in_progress' OR resume_key_hash IS NULL", name="submitted_unlinked"
        ),
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
    # The highest page saved so far (-1: none yet; NULL: not known, for responses
    # from before it was kept): a page beyond it has no saved answers to read.
    furthest_saved: Mapped[int | None] = mapped_column(default=None)
    # Set by imports: the file's respondent id, so importing twice adds nothing.
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    started_on: Mapped[date] = mapped_column(default=date.today)
    submitted_on: Mapped[date | None] = mapped_column(default=None)
    # Set on submission: the answers in one short byte string (format in
    # assess.respondents.codes), so the results read one row per response rather
    # than every answer. Derived from the answers, which stay the record.
    answer_codes: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # The import that stored it (assess.transfer.models, named not imported):
    # removing the import deletes its responses. None for responses collected
    # online and for those imported before batches existed.
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), default=None, index=True
    )

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    segments: Mapped[list[SegmentAnswer]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    comments: Mapped[list[Comment]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class SpentKey(Base):
    """A resume key that has submitted its response: the key submits only once.

    Holds a hash of the key and nothing else — no response, no link, no date —
    so it tells nobody more than "some respondent finished".
    """

    __tablename__ = "spent_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class Answer(Base):
    """One rated item. ``value`` None means "don't know / not applicable"."""

    __tablename__ = "answers"
    # SQLite: stored in primary key order (WITHOUT ROWID), so a response's answers
    # are read with their values in one index range; half the size, and the
    # results' one pass over millions of answers takes about half the time.
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int | None] = mapped_column(default=None)

    response: Mapped[Response] = relationship(back_populates="answers")


class SegmentAnswer(Base):
    __tablename__ = "segment_answers"
    __table_args__ = {"sqlite_with_rowid": False}  # as for answers

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


class Mailing(Base):
    """One batch of invitations or the reminder, sent by e-mail: counts, never addresses.

    At most one reminder per engagement and audience: a partial unique index,
    so two consultants (or a double click) cannot both send it.
    """

    __tablename__ = "mailings"
    __table_args__ = (
        Index(
            "uq_mailings_one_reminder",
            "engagement_id",
            "audience",
            unique=True,
            sqlite_where=text("kind = 'reminder'"),
            postgresql_where=text("kind = 'reminder'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[Audience] = mapped_column(_audience)
    kind: Mapped[MailingKind] = mapped_column(str_enum(MailingKind))
    sent_on: Mapped[date] = mapped_column(default=date.today)
    recipients: Mapped[int] = mapped_column(default=0)


# -- which responses count (scoring rule 1, amended) -----------------------------------


def has_rated_answer() -> ColumnElement[bool]:
    """The response has at least one rated answer that is not "don't know"."""
    # An alias, so that a query that also reads ``answers`` (the export) still
    # correlates only the response.
    rated = aliased(Answer)
    return exists().where(rated.response_id == Response.id, rated.value.is_not(None))


def counted_response() -> ColumnElement[bool]:
    """A response that counts: submitted, with at least one rated answer.

    A response in which every rated item is missing is no response (rule 1,
    amended): the pages never submit one, but one stored before the rule (or
    by an old import) must not be counted in any n or response count either."""
    return and_(Response.status == ResponseStatus.SUBMITTED, has_rated_answer())


def counted_or_in_progress() -> ColumnElement[bool]:
    """For counts grouped by status: in progress, or submitted and counted."""
    return or_(Response.status != ResponseStatus.SUBMITTED, has_rated_answer())
