"""What belongs to an engagement besides its rows: the report's logo, its cached
report PDFs and, once imports run as background jobs, the files they read.

They are rows of ``engagement_files``, in the engagement's own database, not files
in the instance folder. A folder named by engagement id alone was shared by every
database pointed at it (a restored backup, staging beside production): a new
engagement 3 was served the old engagement 3's logo, and another database's cached
report. A row here belongs to its engagement by a foreign key, so another
database cannot see it, and ``ON DELETE CASCADE`` removes it with the engagement
(and so with its organisation or workspace): there is no second deletion path.

Each row is named by its ``kind`` and a ``key`` unique within the engagement and
kind (the logo's key is :data:`LOGO_KEY`; a cached report's names everything the
PDF was made from, see :mod:`assess.reports.service`), and carries the content's
SHA-256, so what is derived from a file (a report with the logo) can name the
content it used. The bytes are loaded only when asked for (:func:`content`).

Services flush; the caller commits.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from assess.db import Base, str_enum
from assess.extensions import db


class FileKind(enum.StrEnum):
    """What a file is to its engagement. Stored as text without a CHECK
    constraint, so a kind added later (``upload``: a response file a background
    import reads) needs no migration."""

    LOGO = "logo"  # the report cover's logo, one per engagement
    REPORT = "report"  # a rendered report PDF, kept while nothing it shows changes
    UPLOAD = "upload"  # a file a background import reads; deleted when the job ends


#: The key of an engagement's one logo.
LOGO_KEY = "cover"


class EngagementFile(Base):
    """One file of one engagement. The unique constraint's index starts with
    ``engagement_id``: it serves the look-ups by engagement and the cascade."""

    __tablename__ = "engagement_files"
    __table_args__ = (UniqueConstraint("engagement_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE")
    )
    kind: Mapped[FileKind] = mapped_column(str_enum(FileKind))
    key: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # bytea on PostgreSQL, BLOB on SQLite; loaded only when read (deferred).
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


@dataclass(frozen=True)
class StoredFile:
    """A file's description, without its bytes."""

    key: str
    media_type: str
    sha256: str
    size: int


def _where(engagement_id: int, kind: FileKind, key: str) -> tuple[ColumnElement[bool], ...]:
    return (
        EngagementFile.engagement_id == engagement_id,
        EngagementFile.kind == kind,
        EngagementFile.key == key,
    )


def describe(engagement_id: int, kind: FileKind, key: str) -> StoredFile | None:
    """The file's description (no bytes read), or None when there is none."""
    row = db.session.execute(
        select(EngagementFile.key, EngagementFile.media_type, EngagementFile.sha256,
               EngagementFile.size).where(*_where(engagement_id, kind, key))
    ).first()
    return None if row is None else StoredFile(*row)


def content(
    engagement_id: int, kind: FileKind, key: str, *, sha256: str | None = None
) -> bytes | None:
    """The file's bytes; None when there is none (or, given ``sha256``, when the
    stored content is not that one any more)."""
    query = select(EngagementFile.content).where(*_where(engagement_id, kind, key))
    if sha256 is not None:
        query = query.where(EngagementFile.sha256 == sha256)
    return db.session.scalar(query)


def read(engagement_id: int, kind: FileKind, key: str) -> tuple[StoredFile, bytes] | None:
    """The file's description and bytes, in one query; None when there is none."""
    row = db.session.execute(
        select(EngagementFile.key, EngagementFile.media_type, EngagementFile.sha256,
               EngagementFile.size, EngagementFile.content)
        .where(*_where(engagement_id, kind, key))
    ).first()
    return None if row is None else (StoredFile(*row[:4]), row[4])


def keys(engagement_id: int, kind: FileKind) -> list[str]:
    """The keys of the engagement's files of this kind, sorted."""
    return list(
        db.session.scalars(
            select(EngagementFile.key)
            .where(EngagementFile.engagement_id == engagement_id, EngagementFile.kind == kind)
            .order_by(EngagementFile.key)
        )
    )


def count(engagement_ids: Iterable[int], kind: FileKind) -> int:
    """How many files of this kind the engagements hold."""
    ids = list(engagement_ids)
    if not ids:
        return 0
    query = select(func.count()).select_from(EngagementFile).where(
        EngagementFile.engagement_id.in_(ids), EngagementFile.kind == kind
    )
    return int(db.session.scalar(query) or 0)


def store(
    engagement_id: int, kind: FileKind, key: str, data: bytes, media_type: str
) -> StoredFile:
    """Store ``data`` under the key, replacing what was stored there."""
    digest = hashlib.sha256(data).hexdigest()
    row = db.session.scalar(select(EngagementFile).where(*_where(engagement_id, kind, key)))
    if row is None:
        row = EngagementFile(engagement_id=engagement_id, kind=kind, key=key)
        db.session.add(row)
    row.content = data
    row.media_type = media_type
    row.sha256 = digest
    row.size = len(data)
    db.session.flush()
    return StoredFile(key, media_type, digest, len(data))


def remove(
    engagement_id: int, kind: FileKind, *, key: str | None = None,
    key_prefix: str | None = None, keep: str | None = None,
) -> int:
    """Remove the engagement's files of this kind: the one named ``key``, those
    whose key starts with ``key_prefix``, or all; never ``keep``. Returns how many."""
    query = delete(EngagementFile).where(
        EngagementFile.engagement_id == engagement_id, EngagementFile.kind == kind
    )
    if key is not None:
        query = query.where(EngagementFile.key == key)
    if key_prefix is not None:
        query = query.where(EngagementFile.key.startswith(key_prefix, autoescape=True))
    if keep is not None:
        query = query.where(EngagementFile.key != keep)
    result = db.session.execute(query.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
