"""Rows of a CSV (UTF-8) or XLSX file, one list of cells per spreadsheet row.

The format is recognised by the file's first bytes (an ``.xlsx`` is a zip
archive), so a workbook saved under a ``.csv`` name still opens; an old binary
``.xls`` and a CSV that is not UTF-8 are refused with a message saying how to
save the file instead. Everything streams: a 50 MB file is never in memory as
text.

Hostile files are refused before they cost memory or time (``docs/results.md``,
"Limits"): a workbook's zip members are measured (declared and actual
uncompressed sizes) and scanned for document type declarations and for the
number of cells before openpyxl reads anything, and the cells are counted and
measured again while rows are read. A CSV with a NUL byte or a quote that is
never closed is refused with the row where it happens.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import ParseError

#: A data row beyond this is refused (a decompressed workbook can be huge).
MAX_ROWS = 1_000_000

MB = 1024 * 1024

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


@dataclass(frozen=True)
class ReadLimits:
    """How much a file may hold before it is refused unread (``ASSESS_IMPORT_MAX_*``)."""

    #: A workbook's zip members together, uncompressed, declared and as read.
    max_uncompressed_mb: int = 200
    #: Cells of a workbook (empty ones its declared dimension pads rows with included).
    max_cells: int = 5_000_000
    #: One cell, CSV or workbook (the longest comment allowed is 2,000 characters).
    max_cell_chars: int = 10_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReadLimits:
        return cls(
            max_uncompressed_mb=int(config.get("IMPORT_MAX_UNCOMPRESSED_MB", 200)),
            max_cells=int(config.get("IMPORT_MAX_CELLS", 5_000_000)),
            max_cell_chars=int(config.get("IMPORT_MAX_CELL_CHARS", 10_000)),
        )

    @classmethod
    def current(cls) -> ReadLimits:
        """The application's limits inside a request or command, else the defaults."""
        from flask import current_app, has_app_context

        return cls.from_config(current_app.config) if has_app_context() else cls()


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
    limits: ReadLimits | None = None,
) -> tuple[str, Iterator[tuple[int, Cells]]]:
    """``(format, rows)``: rows are ``(spreadsheet row number, cells)``, header first.

    Raises :class:`FileProblem` (possibly while iterating) for a file that cannot
    be read at all. ``sheet`` picks a workbook's sheet by name (case-insensitive)
    when there is one of that name, else the first sheet is read. ``limits``
    defaults to the application's (:meth:`ReadLimits.current`).
    """
    limits = limits or ReadLimits.current()
    kind = detect_format(stream, filename)
    if kind == "xlsx":
        return kind, _xlsx_rows(stream, sheet, progress, limits)
    return kind, _csv_rows(stream, progress, limits)


# -- CSV ------------------------------------------------------------------------------


def _csv_rows(
    stream: IO[bytes], progress: Progress | None, limits: ReadLimits
) -> Iterator[tuple[int, Cells]]:
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
        reader = csv.reader(_lines(first, text), delimiter=_delimiter(first))
        old_limit = csv.field_size_limit(limits.max_cell_chars)
        try:
            while True:
                first_line = reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise FileProblem(
                        NOT_UTF8.format(where=f" (after row {reader.line_num})")
                    ) from None
                except _NulByte:
                    raise FileProblem(
                        f"Row {row_number + 1} contains a NUL byte (character 0), which no "
                        "text may hold: remove it, or save the file again as 'CSV UTF-8'."
                    ) from None
                except csv.Error as error:
                    raise FileProblem(
                        _csv_message(error, reader.line_num + 1, limits)
                    ) from None
                if cells and _END in cells[-1]:
                    if cells == [_END]:
                        return
                    raise FileProblem(
                        f"Row {row_number + 1} (line {first_line}) opens a quote (\") that "
                        "is never closed, so the rest of the file would be read as one "
                        "cell: close the quote, or remove it, and import the file again."
                    )
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


class _NulByte(Exception):
    """A line of a CSV holds a NUL byte (raised through the csv reader)."""


#: Fed to the csv reader after the last line. Arriving as a row of its own, the
#: file ended cleanly; inside the last cell of a row, a quote was still open.
#: No line of the file can hold it: a NUL byte is refused first.
_END = "\x00end of file\x00"


def _lines(first: str, rest: IO[str]) -> Iterator[str]:
    # The first 8 KB were checked for NUL bytes as a whole; this checks every line,
    # since PostgreSQL cannot store a NUL in text.
    if "\x00" in first:
        raise _NulByte
    yield first
    for line in rest:
        if "\x00" in line:
            raise _NulByte
        yield line
    yield _END


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


def _csv_message(error: csv.Error, line: int, limits: ReadLimits) -> str:
    reason = str(error)
    if "field larger than field limit" in reason:
        return (
            f"Around line {line} a cell is longer than {limits.max_cell_chars:,} characters "
            "(the limit ASSESS_IMPORT_MAX_CELL_CHARS), or a quote (\") opened there is "
            "never closed."
        )
    return f"Line {line} cannot be read as CSV: {reason}."


def _too_many_rows() -> str:
    return f"The file has more than {MAX_ROWS:,} rows: split it into several files."


# -- XLSX -----------------------------------------------------------------------------


def _xlsx_rows(
    stream: IO[bytes], sheet: str | None, progress: Progress | None, limits: ReadLimits
) -> Iterator[tuple[int, Cells]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook(stream, limits)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except ParseError:
        raise FileProblem(_BAD_XML) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise FileProblem("The file is not a valid Excel workbook (.xlsx).") from None
    row_number = 0
    cells = 0
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
                # Rows come padded to the sheet's declared width: count what is handed on.
                cells += len(values)
                if cells > limits.max_cells:
                    raise FileProblem(_too_many_cells(limits))
                for column, value in enumerate(values, start=1):
                    if value.__class__ is str and len(value) > limits.max_cell_chars:
                        raise FileProblem(_cell_too_long(row_number, column, limits))
                if progress is not None and row_number % 2000 == 0:
                    progress(row_number)
                yield row_number, list(values)
        except FileProblem:
            raise
        except ParseError:
            raise FileProblem(_BAD_XML) from None
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


_BAD_XML = "The workbook's XML cannot be read: save it again from Excel and import it again."

_DTD_REFUSED = (
    "The workbook contains a document type declaration, which spreadsheets never need: "
    "it is refused unread. Save the sheet again from Excel (or as 'CSV UTF-8')."
)

#: A document type declaration (the only way to define entities, as in "billion
#: laughs" or external entities) in UTF-8 or, from its "<", in UTF-16 either way round.
_DOCTYPE = re.compile(rb"<!DOCTYPE|<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E", re.IGNORECASE)
#: A cell of a sheet (``<c>``) or a shared string (``<si>``), with any namespace prefix.
_CELL_OR_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|si)[\s/>]")
#: An XML declaration naming an encoding (UTF-16 declarations do not match: allowed).
_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)")
_ENCODINGS = {b"utf-8", b"utf8", b"utf-16", b"utf16", b"us-ascii", b"ascii"}
_CHUNK = 1024 * 1024
#: From a "<", every pattern above has matched within this many bytes.
_TOKEN = 64


def check_workbook(stream: IO[bytes], limits: ReadLimits, *, scan: bool = True) -> None:
    """Refuse a workbook that would take too much to read, or that defines entities.

    Runs before openpyxl opens the file: the zip members' declared sizes first,
    then (with ``scan``) every member is decompressed once, counting the bytes
    actually read (a member may declare less than it holds) and scanning for a
    document type declaration, cells and shared strings. Memory stays at one chunk.
    """
    start = stream.tell()
    limit = limits.max_uncompressed_mb * MB
    try:
        with zipfile.ZipFile(stream) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > limit:
                raise FileProblem(_too_big(limits))
            if not scan:
                return
            read = cells = shared = 0
            for member in members:
                carry = b""
                first = True
                with archive.open(member) as data:
                    while chunk := data.read(_CHUNK):
                        read += len(chunk)
                        if read > limit:
                            raise FileProblem(_too_big(limits))
                        if first:
                            first = False
                            declared = _ENCODING.match(chunk[:200])
                            if declared and declared.group(1).lower() not in _ENCODINGS:
                                raise FileProblem(_odd_encoding(declared.group(1)))
                        buffer = carry + chunk
                        # Scan up to the last "<"; what follows it is scanned with
                        # the next chunk (enough of it to hold any pattern).
                        cut = buffer.rfind(b"<")
                        if cut < 0:
                            cut = len(buffer)
                        done, carry = buffer[:cut], buffer[cut : cut + _TOKEN]
                        if _DOCTYPE.search(done):
                            raise FileProblem(_DTD_REFUSED)
                        found = _CELL_OR_STRING.findall(done)
                        cells += found.count(b"c")
                        shared += found.count(b"si")
                        if cells > limits.max_cells or shared > limits.max_cells:
                            raise FileProblem(_too_many_cells(limits))
                if _DOCTYPE.search(carry):
                    raise FileProblem(_DTD_REFUSED)
                found = _CELL_OR_STRING.findall(carry)
                cells += found.count(b"c")
                shared += found.count(b"si")
            if cells > limits.max_cells or shared > limits.max_cells:
                raise FileProblem(_too_many_cells(limits))
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError):
        # Damaged, encrypted or an unsupported compression: openpyxl could not read it.
        raise FileProblem("The file is not a valid Excel workbook (.xlsx).") from None
    finally:
        stream.seek(start)


def _too_big(limits: ReadLimits) -> str:
    return (
        f"The workbook holds more than {limits.max_uncompressed_mb:,} MB once uncompressed "
        "(the limit ASSESS_IMPORT_MAX_UNCOMPRESSED_MB): it is refused unread. Remove what "
        "the import does not need (other sheets, pictures), or save it as 'CSV UTF-8'."
    )


def _too_many_cells(limits: ReadLimits) -> str:
    return (
        f"The workbook has more than {limits.max_cells:,} cells (the limit "
        "ASSESS_IMPORT_MAX_CELLS, counting the empty cells of its used range): delete "
        "unused rows and columns, or split it into several files."
    )


def _cell_too_long(row: int, column: int, limits: ReadLimits) -> str:
    from openpyxl.utils import get_column_letter

    return (
        f"Row {row}, column {get_column_letter(column)}: the cell is longer than "
        f"{limits.max_cell_chars:,} characters (the limit ASSESS_IMPORT_MAX_CELL_CHARS)."
    )


def _odd_encoding(name: bytes) -> str:
    return (
        f"The workbook's XML is in the encoding {name.decode('ascii', 'replace')!r}; "
        "spreadsheets are saved in UTF-8. Save it again from Excel and import it again."
    )


def xlsx_rows_total(stream: IO[bytes], sheet: str | None = None) -> int | None:
    """The number of rows a workbook's sheet says it has (for a progress bar), if any.

    ``None`` for a workbook too big to open: reading says why. (Only the declared
    sizes are checked here; they bound what openpyxl decompresses, and reading
    scans the members in full.)
    """
    import openpyxl

    start = stream.tell()
    try:
        check_workbook(stream, ReadLimits.current(), scan=False)
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
