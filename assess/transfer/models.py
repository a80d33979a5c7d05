"""An import, recorded as a batch so that it can be removed as a whole.

Each import (the engagement page's or ``assess responses import``) that stores
at least one response is one :class:`ImportBatch`: the file's name, who ran it,
when, and how many responses it added. Its responses point at it
(``responses.import_batch_id``, ``ON DELETE CASCADE``), so deleting the batch
deletes exactly those responses, and the database's own cascades take their
answers, segment answers and comments with them. Responses imported before
batches existed (migration 0011) have none and cannot be removed this way.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from assess.db import Base, str_enum
from assess.instruments.schema import Audience


class ImportSource(enum.StrEnum):
    PAGE = "page"  # the engagement page's import panel, by a signed-in user
    COMMAND_LINE = "command_line"  # `assess responses import`, by the operator


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Tables of lower layers are named, not imported (engagements, users).
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    filename: Mapped[str] = mapped_column(String(255))
    source: Mapped[ImportSource] = mapped_column(str_enum(ImportSource))
    # Who imported it on the page; None from the command line, or once the
    # account is deleted (the batch stays: its responses are the client's data).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    imported_at: Mapped[datetime]  # naive UTC, as the audit log's times
    responses: Mapped[int]  # how many responses it stored
