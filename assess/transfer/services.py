"""Import and export an engagement's responses (CSV or XLSX). Services flush; callers commit.

Import: :func:`import_responses` reads and checks the whole file first
(:mod:`assess.transfer.parsing`); a file with any bad cell raises
:class:`ImportRejected` and nothing is written. A good file is written in one
transaction with bulk inserts (``COPY`` on PostgreSQL): each row becomes a
submitted response dated today, with its answer codes
(:mod:`assess.respondents.codes`). Rows whose respondent id is already in the
engagement are skipped, so importing the same file twice adds nothing.

Export: :func:`export_rows` streams the same layout back, one row per submitted
response; :func:`write_csv` and :func:`write_xlsx` neutralise text cells that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assess.engagements.models import Engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents.codes import CodeLayout
from assess.respondents.models import Answer, Comment, Response, ResponseStatus, SegmentAnswer
from assess.respondents.recording import NewResponse, record_submitted

from .layout import NOT_APPLICABLE, Layout, neutralise
from .parsing import DERIVED_ID_PREFIX, CellError, ImportRejected, parse
from .reading import FileProblem, detect_format, read_rows, xlsx_rows_total

__all__ = [
    "CellError",
    "FileProblem",
    "ImportRejected",
    "ImportReport",
    "TransferError",
    "export_rows",
    "import_responses",
    "write_csv",
    "write_xlsx",
]

#: Respondent id of an exported response that has no answers and no id of its own.
EMPTY_ID_PREFIX = DERIVED_ID_PREFIX + "empty-"


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

    def summary(self) -> str:
        parts = [f"Imported {self.imported:,} {self.audience} responses"]
        if self.already_imported:
            parts.append(f"{self.already_imported:,} already imported (skipped)")
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
) -> ImportReport:
    """Check the whole file, then add its rows as submitted responses.

    Raises :class:`FileProblem` (unreadable file) or :class:`ImportRejected`
    (bad cells) having written nothing; :class:`TransferError` for a wrong
    audience. The caller commits.
    """
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

    existing = _respondent_ids(engagement, chosen)
    new_rows = [n for n, eid in enumerate(parsed.external_ids) if eid not in existing]
    report = ImportReport(
        audience=str(chosen),
        format=kind,
        rows=parsed.rows,
        imported=len(new_rows),
        already_imported=parsed.rows - len(new_rows),
        blank_rows=parsed.blank_rows,
        missing_items=parsed.missing_items,
        derived_ids=any(e.startswith(DERIVED_ID_PREFIX) for e in parsed.external_ids),
    )
    if not new_rows:
        return report
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
    return report


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
        Response.status == ResponseStatus.SUBMITTED,
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
