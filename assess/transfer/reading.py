"""Rows of a CSV (UTF-8) or XLSX file, one list of cells per spreadsheet row.

The format is recognised by the file's first bytes (an ``.xlsx`` is a zip
archive), so a workbook saved under a ``.csv`` name still opens; an old binary
``.xls`` and a CSV that is not UTF-8 are refused with a message saying how to
save the file instead. Everything streams: a 50 MB file is never in memory as
text.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

#: A data row beyond this is refused (a decompressed workbook can be huge).
MAX_ROWS = 1_000_000

#: Longest cell accepted from a CSV (the longest comment allowed is 2,000 characters).
MAX_FIELD = 100_000

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0"  # the old binary Excel format (.xls)

NOT_UTF8 = (
    "The file is not UTF-8 text{where}: save it as 'CSV UTF-8' (in Excel: File > Save As > "
    "CSV UTF-8 (Comma delimited)) or as an Excel workbook (.xlsx), and import it again."
)

Cells = list[Any]
#: Called with the number of bytes (CSV) or rows (XLSX) read so far.
Progress = Callable[[int], None]


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says what to do."""


def detect_format(stream: IO[bytes], filename: str = "") -> str:
    """``"csv"`` or ``"xlsx"``, from the first bytes (and the name, for the message)."""
    start = stream.tell()
    head = stream.read(8)
    stream.seek(start)
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE2):
        raise FileProblem(
            "This is an old Excel file (.xls): save it as an Excel workbook (.xlsx) "
            "or as 'CSV UTF-8', and import it again."
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem("The file is named .xlsx but is not an Excel workbook.")
    return "csv"


def read_rows(
    stream: IO[bytes],
    filename: str = "",
    *,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, Iterator[tuple[int, Cells]]]:
    """``(format, rows)``: rows are ``(spreadsheet row number, cells)``, header first.

    Raises :class:`FileProblem` (possibly while iterating) for a file that cannot
    be read at all. ``sheet`` picks a workbook's sheet by name (case-insensitive)
    when there is one of that name, else the first sheet is read.
    """
    kind = detect_format(stream, filename)
    if kind == "xlsx":
        return kind, _xlsx_rows(stream, sheet, progress)
    return kind, _csv_rows(stream, progress)


# -- CSV ------------------------------------------------------------------------------


def _csv_rows(stream: IO[bytes], progress: Progress | None) -> Iterator[tuple[int, Cells]]:
    head = stream.read(8192)
    stream.seek(stream.tell() - len(head))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(NOT_UTF8.format(where=" (it is UTF-16, Excel's 'Unicode text')"))
    if b"\x00" in head:
        raise FileProblem(
            "The file contains NUL bytes, so it is not a CSV text file "
            "(a workbook or another kind of file saved with a .csv name?)."
        )
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    row_number = 0
    try:
        try:
            first = text.readline()
        except UnicodeDecodeError:
            raise FileProblem(NOT_UTF8.format(where=" (row 1)")) from None
        if not first.strip():
            rest = text.read(1024)
            if not rest.strip():
                raise FileProblem("The file is empty.")
            raise FileProblem("The first row of the file is empty: it must be the header row.")
        reader = csv.reader(_chain(first, text), delimiter=_delimiter(first))
        old_limit = csv.field_size_limit(MAX_FIELD)
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise FileProblem(
                        NOT_UTF8.format(where=f" (after row {reader.line_num})")
                    ) from None
                except csv.Error as error:
                    raise FileProblem(_csv_message(error, reader.line_num + 1)) from None
                row_number += 1
                if row_number > MAX_ROWS + 1:
                    raise FileProblem(_too_many_rows())
                if progress is not None and row_number % 2000 == 0:
                    progress(stream.tell())
                yield row_number, cells
        finally:
            csv.field_size_limit(old_limit)
    finally:
        if progress is not None:
            progress(stream.tell())
        text.detach()  # leave the caller's stream open


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _delimiter(header: str) -> str:
    """Comma, semicolon (Excel in many European locales) or tab: the most frequent
    in the header row outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def _csv_message(error: csv.Error, line: int) -> str:
    reason = str(error)
    if "field larger than field limit" in reason:
        return f"Around line {line} a cell is longer than {MAX_FIELD:,} characters."
    return f"Line {line} cannot be read as CSV: {reason}."


def _too_many_rows() -> str:
    return f"The file has more than {MAX_ROWS:,} rows: split it into several files."


# -- XLSX -----------------------------------------------------------------------------


def _xlsx_rows(
    stream: IO[bytes], sheet: str | None, progress: Progress | None
) -> Iterator[tuple[int, Cells]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise FileProblem("The file is not a valid Excel workbook (.xlsx).") from None
    row_number = 0
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise FileProblem("The workbook has no sheet.")
        chosen = next(
            (s for s in sheets if sheet and s.title.strip().lower() == sheet.lower()), sheets[0]
        )
        try:
            for values in chosen.iter_rows(values_only=True):
                row_number += 1
                if row_number > MAX_ROWS + 1:
                    raise FileProblem(_too_many_rows())
                if progress is not None and row_number % 2000 == 0:
                    progress(row_number)
                yield row_number, list(values)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise FileProblem(
                f"The workbook cannot be read after row {row_number}: {error}."
            ) from None
        if row_number == 0:
            raise FileProblem("The file is empty.")
    finally:
        if progress is not None:
            progress(row_number)
        workbook.close()


def xlsx_rows_total(stream: IO[bytes], sheet: str | None = None) -> int | None:
    """The number of rows a workbook's sheet says it has (for a progress bar), if any."""
    import openpyxl

    start = stream.tell()
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        sheets = workbook.worksheets
        chosen = next(
            (s for s in sheets if sheet and s.title.strip().lower() == sheet.lower()), sheets[0]
        )
        total = chosen.max_row
        workbook.close()
        return total
    except Exception:  # noqa: BLE001 - only a progress estimate; reading reports problems
        return None
    finally:
        stream.seek(start)
