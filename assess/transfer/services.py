"""Import and export an engagement's responses (CSV or XLSX). Services flush; callers commit.

Import: :func:`import_responses` reads and checks the whole file first
(:mod:`assess.transfer.parsing`); a file with any bad cell raises
:class:`ImportRejected` and nothing is written. A good file is written in one
transaction with bulk inserts (``COPY`` on PostgreSQL): each row becomes a
submitted response dated today, with its answer codes
(:mod:`assess.respondents.codes`). Rows whose respondent id is already in the
engagement are skipped, so importing the same file twice adds nothing; rows
with no rated answer are no response (scoring rule 1) and are skipped too,
listed in the report. The responses of one import are one
:class:`~assess.transfer.models.ImportBatch`, which :func:`remove_import`
deletes as a whole.

Export: :func:`export_rows` streams the same layout back, one row per submitted
response; :func:`write_csv` and :func:`write_xlsx` neutralise text cells that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from assess.accounts.models import User
from assess.audit.log import now, record
from assess.engagements.models import Engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents.codes import CodeLayout
from assess.respondents.models import (
    Answer,
    Comment,
    Response,
    SegmentAnswer,
    counted_response,
)
from assess.respondents.recording import NewResponse, bump_revision, record_submitted
from assess.text import without_bidi_controls

from .layout import NOT_APPLICABLE, Layout, neutralise
from .models import ImportBatch, ImportSource
from .parsing import DERIVED_ID_PREFIX, CellError, ImportRejected, parse
from .parsing.result import ParsedFile
from .reading import FileProblem, detect_format, read_rows, xlsx_rows_total

__all__ = [
    "CellError",
    "FileProblem",
    "ImportRejected",
    "ImportReport",
    "ImportSource",
    "TransferError",
    "check_import",
    "export_rows",
    "import_batches",
    "import_responses",
    "remove_import",
    "store_import",
    "write_csv",
    "write_xlsx",
]

#: Respondent id of an exported response that has no answers and no id of its own.
EMPTY_ID_PREFIX = DERIVED_ID_PREFIX + "empty-"

#: Who ran an import or removed one, when it was not a signed-in user.
COMMAND_LINE = "command line"

#: Row numbers listed in an import's summary; the rest are counted.
LISTED_ROWS = 20


class TransferError(ValueError):
    """An import or export that cannot be done at all (wrong audience, a race)."""


@dataclass
class ImportReport:
    """What an import did."""

    audience: str
    format: str
    rows: int  # data rows in the file (blank rows not counted)
    imported: int
    already_imported: int  # rows whose respondent id the engagement already had
    blank_rows: int
    missing_items: list[str] = field(default_factory=list)
    derived_ids: bool = False  # rows without a respondent id got one from their content
    # File row numbers (the header is row 1) of rows with no rated answer: no
    # response (scoring rule 1), so skipped, never stored.
    no_rated_answer: list[int] = field(default_factory=list)
    batch_id: int | None = None  # the import's batch, when it stored anything

    def summary(self) -> str:
        parts = [f"Imported {self.imported:,} {self.audience} responses"]
        if self.already_imported:
            parts.append(f"{self.already_imported:,} already imported (skipped)")
        if self.no_rated_answer:
            count = len(self.no_rated_answer)
            rows = ", ".join(str(n) for n in self.no_rated_answer[:LISTED_ROWS])
            more = f" and {count - LISTED_ROWS:,} more" if count > LISTED_ROWS else ""
            parts.append(
                f"{count:,} {'row' if count == 1 else 'rows'} with no rated answer skipped, "
                f"as no response (row{'s' if count > 1 else ''} {rows}{more})"
            )
        if self.blank_rows:
            parts.append(f"{self.blank_rows:,} empty rows ignored")
        text = "; ".join(parts) + "."
        if self.missing_items:
            text += (
                f" {len(self.missing_items)} questions had no column and count as "
                f"unanswered: {', '.join(self.missing_items[:5])}"
                + (", ..." if len(self.missing_items) > 5 else "")
                + "."
            )
        return text


class Progress:
    """Receives progress reports; the command line draws them as bars."""

    def start(self, label: str, total: int | None) -> None:  # pragma: no cover - hook
        pass

    def update(self, done: int) -> None:  # pragma: no cover - hook
        pass

    def finish(self) -> None:  # pragma: no cover - hook
        pass


def check_audience(engagement: Engagement, audience: str) -> Audience:
    try:
        chosen = Audience(audience)
    except ValueError:
        raise TransferError(
            f"'{audience}' is not an audience: use one of {', '.join(a.value for a in Audience)}."
        ) from None
    if chosen not in engagement.instrument().questionnaires:
        raise TransferError(
            f"Engagement {engagement.id}'s instrument has no {chosen} questionnaire."
        )
    return chosen


# -- import ---------------------------------------------------------------------------


def import_responses(
    engagement: Engagement,
    audience: str,
    stream: IO[bytes],
    filename: str = "",
    *,
    size: int | None = None,
    progress: Progress | None = None,
    source: ImportSource = ImportSource.COMMAND_LINE,
    user_id: int | None = None,
    actor: str | None = None,
) -> ImportReport:
    """Check the whole file, then add its rows as submitted responses, as one
    batch (``source`` and ``user_id`` say who imported it) and an audit entry.

    Raises :class:`FileProblem` (unreadable file) or :class:`ImportRejected`
    (bad cells) having written nothing; :class:`TransferError` for a wrong
    audience. The caller commits. (:func:`check_import` then :func:`store_import`,
    in one transaction; a background import ends the reading transaction between.)
    """
    checked = check_import(engagement, audience, stream, filename, size=size,
                           progress=progress)
    return store_import(engagement, checked, filename, progress=progress, source=source,
                        user_id=user_id, actor=actor)


@dataclass
class CheckedImport:
    """A file read and checked whole, nothing written yet."""

    audience: Audience
    format: str
    parsed: ParsedFile


def check_import(
    engagement: Engagement, audience: str, stream: IO[bytes], filename: str = "", *,
    size: int | None = None, progress: Progress | None = None,
) -> CheckedImport:
    """Read and check the whole file; it only reads the database. Raises
    :class:`FileProblem`, :class:`ImportRejected` or :class:`TransferError`."""
    chosen = check_audience(engagement, audience)
    instrument = engagement.instrument()
    if progress is not None:
        # A CSV reports the bytes read; a workbook, its rows.
        kind = detect_format(stream, filename)
        total = size if kind == "csv" else xlsx_rows_total(stream, str(chosen))
        progress.start("Checking the file", total)
    try:
        kind, rows = read_rows(
            stream, filename, sheet=str(chosen),
            progress=progress.update if progress is not None else None,
        )
        parsed = parse(instrument, chosen, rows)
    finally:
        if progress is not None:
            progress.finish()
    if parsed.rows == 0:
        raise FileProblem("The file has a header row but no responses below it.")
    return CheckedImport(audience=chosen, format=kind, parsed=parsed)


def store_import(
    engagement: Engagement, checked: CheckedImport, filename: str = "", *,
    progress: Progress | None = None, source: ImportSource = ImportSource.COMMAND_LINE,
    user_id: int | None = None, actor: str | None = None,
) -> ImportReport:
    """Add a checked file's new rows as one batch, with an audit entry (``actor``:
    who, when not the signed-in user). The caller commits."""
    chosen, kind, parsed = checked.audience, checked.format, checked.parsed
    instrument = engagement.instrument()
    # Scoring rule 1: a row with no rated answer is no response; never stored.
    no_answer = [n for n in range(parsed.rows) if not parsed.has_rated_answer(n)]
    skipped = set(no_answer)
    existing = _respondent_ids(engagement, chosen)
    new_rows = [
        n for n, eid in enumerate(parsed.external_ids) if n not in skipped and eid not in existing
    ]
    report = ImportReport(
        audience=str(chosen),
        format=kind,
        rows=parsed.rows,
        imported=len(new_rows),
        already_imported=parsed.rows - len(new_rows) - len(no_answer),
        blank_rows=parsed.blank_rows,
        missing_items=parsed.missing_items,
        derived_ids=any(e.startswith(DERIVED_ID_PREFIX) for e in parsed.external_ids),
        no_rated_answer=[parsed.row_numbers[n] for n in no_answer],
    )
    if not new_rows:
        return report
    batch = ImportBatch(
        engagement_id=engagement.id, audience=chosen, filename=shown_name(filename),
        source=source, user_id=user_id, imported_at=now(), responses=len(new_rows),
    )
    db.session.add(batch)
    db.session.flush()
    report.batch_id = batch.id
    if progress is not None:
        progress.start(f"Writing {len(new_rows):,} responses", len(new_rows))
    dbapi = db.session.connection().dialect.dbapi
    assert dbapi is not None  # a connected dialect has loaded its driver module
    driver_integrity = dbapi.IntegrityError
    layout = CodeLayout.for_instrument(instrument, chosen)
    responses = [
        NewResponse(
            answers=dict(parsed.answers(row)),
            segments=dict(parsed.segment_answers(row)),
            comments=dict(parsed.comment_texts(row)),
            external_id=parsed.external_ids[row],
        )
        for row in new_rows
    ]
    try:
        record_submitted(
            engagement.id, layout, responses,
            on_progress=progress.update if progress is not None else None,
            import_batch_id=batch.id,
        )
    except (IntegrityError, driver_integrity):
        db.session.rollback()
        raise TransferError(
            "Another import into this engagement ran at the same time; nothing was "
            "imported from this file. Import it again: rows already there are skipped."
        ) from None
    finally:
        if progress is not None:
            progress.finish()
    record(
        "responses_imported", workspace_id=engagement.organisation.workspace_id,
        organisation_id=engagement.organisation_id, engagement_id=engagement.id,
        actor=actor or (COMMAND_LINE if source == ImportSource.COMMAND_LINE else None),
        user_id=user_id if actor else None,
        detail=f"{batch.filename}: {len(new_rows):,} {chosen} responses (import {batch.id})",
    )
    return report


def shown_name(filename: str) -> str:
    """The file's own name, without any folder a browser sent, as a person reads it."""
    name = without_bidi_controls(filename).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "(no name)")[:255]


# -- the imports of an engagement, and removing one ----------------------------------


@dataclass(frozen=True)
class ImportedFile:
    """One import, as the engagement page and ``assess responses imports`` show it."""

    id: int
    engagement_id: int
    filename: str
    audience: str
    imported_by: str  # an address, "command line", or "a deleted account"
    imported_at: datetime  # naive UTC
    responses: int  # how many it stored (and removing it deletes)

    @property
    def by_whom(self) -> str:
        """"by alice@example.com", or "from the command line"."""
        if self.imported_by == COMMAND_LINE:
            return "from the command line"
        return f"by {self.imported_by}"


def import_batches(engagement: Engagement) -> list[ImportedFile]:
    """The engagement's imports, newest first."""
    rows = db.session.execute(
        select(ImportBatch, User.email)
        .outerjoin(User, User.id == ImportBatch.user_id)
        .where(ImportBatch.engagement_id == engagement.id)
        .order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc())
    ).all()
    return [_imported_file(batch, email) for batch, email in rows]


def find_import(engagement: Engagement, batch_id: int) -> ImportedFile | None:
    """The engagement's import of this id; None when it has none (another
    engagement's batch is not found either)."""
    row = db.session.execute(
        select(ImportBatch, User.email)
        .outerjoin(User, User.id == ImportBatch.user_id)
        .where(ImportBatch.id == batch_id, ImportBatch.engagement_id == engagement.id)
    ).first()
    return None if row is None else _imported_file(row[0], row[1])


def _imported_file(batch: ImportBatch, email: str | None) -> ImportedFile:
    if batch.source == ImportSource.COMMAND_LINE:
        who = COMMAND_LINE
    else:
        who = email or "a deleted account"
    return ImportedFile(
        id=batch.id, engagement_id=batch.engagement_id, filename=batch.filename,
        audience=str(batch.audience), imported_by=who, imported_at=batch.imported_at,
        responses=batch.responses,
    )


def remove_import(
    engagement: Engagement, batch_id: int, *, actor: str | None = None
) -> ImportedFile:
    """Delete the import and exactly its responses (their answers, segment answers
    and comments go by the database's cascades); cached reports and results are
    refreshed (the revision is bumped); an audit entry names the file. ``actor``:
    who, when not the signed-in user. Raises :class:`TransferError` when the
    engagement has no such import. The caller commits."""
    found = find_import(engagement, batch_id)
    if found is None:
        raise TransferError(f"Engagement {engagement.id} has no import {batch_id}.")
    removed = db.session.scalar(
        select(func.count()).select_from(Response).where(Response.import_batch_id == batch_id)
    ) or 0
    deleted = db.session.execute(
        delete(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .execution_options(synchronize_session=False)
    )
    if deleted.rowcount != 1:  # type: ignore[attr-defined]  # a DELETE gives a CursorResult
        # Someone removed it at the same moment (their DELETE won the row lock).
        raise TransferError(f"Import {batch_id} has just been removed by someone else.")
    # Responses the session holds may be gone: read them again if used.
    db.session.expire_all()
    bump_revision(engagement.id)
    record(
        "import_removed", workspace_id=engagement.organisation.workspace_id,
        organisation_id=engagement.organisation_id, engagement_id=engagement.id,
        actor=actor,
        detail=f"{found.filename}: {removed:,} {found.audience} responses (import {found.id})",
    )
    return ImportedFile(
        id=found.id, engagement_id=found.engagement_id, filename=found.filename,
        audience=found.audience, imported_by=found.imported_by,
        imported_at=found.imported_at, responses=removed,
    )


# -- export ---------------------------------------------------------------------------


def export_rows(engagement: Engagement, audience: str) -> Iterator[list[Any]]:
    """The header, then one row per submitted response of the audience, in id order.

    Cells: the respondent id, option ids, integers or ``NA`` for items, comment
    texts; ``None`` where nothing was given. The respondent id is the one given
    at import; empty for responses collected online and for ids an import
    derived from a row's content (importing the row derives the same id again),
    except that a response with no answers at all gets one (``#empty-1``, ...),
    or it would be an empty line, which an import ignores. Streams: answers are
    read in id order alongside the responses, never all at once.
    """
    chosen = check_audience(engagement, audience)
    layout = Layout.of(engagement.instrument(), chosen)
    yield layout.header
    n_seg, n_items = len(layout.segments), len(layout.items)
    seg_pos = {q.id: 1 + n for n, q in enumerate(layout.segments)}
    item_pos = {i.id: 1 + n_seg + n for n, i in enumerate(layout.items)}
    open_pos = {q.id: 1 + n_seg + n_items + n for n, q in enumerate(layout.open_questions)}
    width = len(layout.header)

    submitted = (
        Response.engagement_id == engagement.id,
        Response.audience == chosen,
        counted_response(),  # rule 1, amended: a response with no rated answer is none
    )

    def stream(statement: Any) -> Iterator[Any]:
        return iter(db.session.execute(statement.execution_options(yield_per=10_000)))

    responses = stream(
        select(Response.id, Response.external_id).where(*submitted).order_by(Response.id)
    )
    answers = _Cursor(stream(
        select(Answer.response_id, Answer.item_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(*submitted)
        .order_by(Answer.response_id)
    ))
    segments = _Cursor(stream(
        select(SegmentAnswer.response_id, SegmentAnswer.question_id, SegmentAnswer.option_id)
        .join(Response, Response.id == SegmentAnswer.response_id)
        .where(*submitted)
        .order_by(SegmentAnswer.response_id)
    ))
    comments = _Cursor(stream(
        select(Comment.response_id, Comment.question_id, Comment.text)
        .join(Response, Response.id == Comment.response_id)
        .where(*submitted)
        .order_by(Comment.response_id)
    ))
    taken: set[str] | None = None  # respondent ids in use, read when first needed
    blank = 0
    for response_id, external_id in responses:
        row: list[Any] = [None] * width
        if external_id and not external_id.startswith(DERIVED_ID_PREFIX):
            row[0] = external_id
        for _, item_id, value in answers.take(response_id):
            position = item_pos.get(item_id)
            if position is not None:
                row[position] = NOT_APPLICABLE if value is None else value
        for _, question_id, option_id in segments.take(response_id):
            position = seg_pos.get(question_id)
            if position is not None:
                row[position] = option_id
        for _, question_id, text in comments.take(response_id):
            position = open_pos.get(question_id)
            if position is not None:
                row[position] = text
        if row[0] is None and all(v is None for v in row):
            # A response with no answers at all would be an empty line, which an
            # import ignores: it keeps an id so that it is imported again.
            if external_id:
                row[0] = external_id
            else:
                if taken is None:
                    taken = _respondent_ids(engagement, chosen)
                while True:
                    blank += 1
                    candidate = f"{EMPTY_ID_PREFIX}{blank}"
                    if candidate not in taken:
                        break
                row[0] = candidate
        yield row


def _respondent_ids(engagement: Engagement, audience: Audience) -> set[str]:
    return set(
        db.session.scalars(
            select(Response.external_id).where(
                Response.engagement_id == engagement.id,
                Response.audience == audience,
                Response.external_id.is_not(None),
            )
        )
    )


class _Cursor:
    """Rows ordered by response id, taken one response at a time."""

    def __init__(self, rows: Iterator[Any]) -> None:
        self.rows = rows
        self.head = next(self.rows, None)

    def take(self, response_id: int) -> list[Any]:
        out = []
        while self.head is not None and self.head[0] <= response_id:
            if self.head[0] == response_id:
                out.append(self.head)
            self.head = next(self.rows, None)
        return out


def _cell(value: Any) -> Any:
    """A cell to write: text neutralised against formulas, numbers as numbers."""
    if isinstance(value, str):
        return neutralise(value)
    return value


def write_csv(rows: Iterator[list[Any]], out: IO[str]) -> int:
    """Write rows as CSV (the caller opens ``out`` as UTF-8 with a BOM, so
    Excel reads accents right); returns the number of data rows."""
    writer = csv.writer(out)
    count = -1
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
        count += 1
    return max(count, 0)


def csv_chunks(rows: Iterator[list[Any]], chunk: int = 1_000) -> Iterator[str]:
    """CSV text in pieces, for a streamed download (starts with a BOM)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else _cell(v) for v in row])
        if n % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(sheets: dict[str, Iterator[list[Any]]], out: IO[bytes]) -> dict[str, int]:
    """One sheet per audience (named after it); returns the data rows per sheet."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    counts = {}
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(title=name)
        count = -1
        for row in rows:
            sheet.append([
                ILLEGAL_CHARACTERS_RE.sub("", _cell(v)) if isinstance(v, str) else v
                for v in row
            ])
            count += 1
        counts[name] = max(count, 0)
    workbook.save(out)
    return counts


def export_filename(engagement: Engagement, audience: str | None, kind: str) -> str:
    who = audience or "responses"
    return f"engagement-{engagement.id}-{who}.{kind}"
