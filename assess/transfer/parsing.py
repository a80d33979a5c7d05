"""Check every cell of an import file against the instrument, before anything is written.

:func:`parse` reads the header and every row, and either returns a compact
:class:`ParsedFile` (validated values in flat arrays, so a file of a million
cells stays small in memory) or raises :class:`ImportRejected` listing every bad
cell: row, column, value and why.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from assess.instruments.schema import Audience, Instrument, Item, OpenQuestion, SegmentQuestion

from .layout import NOT_APPLICABLE, RESPONDENT, Layout, column_letter, restore

#: Listed bad cells beyond this are only counted (nobody reads further).
MAX_LISTED_ERRORS = 100_000

#: Longest respondent id (``responses.external_id``).
MAX_RESPONDENT_ID = 200

#: Prefix of the ids derived from a row's content when the file gives none.
DERIVED_ID_PREFIX = "#"

#: Item cells: a whole number; also "4.0", as some tools write whole numbers.
_INTEGER = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_NA_SPELLINGS = {"na", "n/a", "n.a."}

#: Codes of an item cell besides its value; values are kept in two bytes each.
MISSING = -32768  # the item was skipped (an empty cell)
NA = -32767  # "don't know / not applicable"
_SMALLEST, _LARGEST = -32766, 32767


@dataclass(frozen=True)
class CellError:
    """One bad cell (``column`` is empty for a problem with a whole row)."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        shown = f" {self.value!r}" if self.value else ""
        return f"{where}:{shown} {self.reason}"


class ImportRejected(ValueError):
    """The file has bad cells; nothing was imported. ``errors`` lists them."""

    def __init__(self, errors: list[CellError], total: int | None = None) -> None:
        self.errors = errors
        self.total = len(errors) if total is None else total
        noun = "problem" if self.total == 1 else "problems"
        super().__init__(f"The file has {self.total:,} {noun}; nothing was imported.")


@dataclass
class ParsedFile:
    """A validated file: one entry per data row in each flat array."""

    audience: Audience
    items: list[Item]  # the item columns, in file order
    segments: list[SegmentQuestion]
    open_questions: list[OpenQuestion]
    missing_items: list[str]  # items of the questionnaire without a column
    has_respondent_column: bool
    external_ids: list[str] = field(default_factory=list)
    values: array = field(default_factory=lambda: array("h"))  # type: ignore[type-arg]
    options: array = field(default_factory=lambda: array("h"))  # type: ignore[type-arg]
    comments: dict[int, list[str | None]] = field(default_factory=dict)
    row_numbers: array = field(default_factory=lambda: array("l"))  # type: ignore[type-arg]
    blank_rows: int = 0

    @property
    def rows(self) -> int:
        return len(self.row_numbers)

    def answers(self, row: int) -> list[tuple[str, int | None]]:
        """``(item id, value or None for not applicable)`` of one row; skipped items left out."""
        width = len(self.items)
        out = []
        for item, value in zip(
            self.items, self.values[row * width : (row + 1) * width], strict=True
        ):
            if value != MISSING:
                out.append((item.id, None if value == NA else value))
        return out

    def segment_answers(self, row: int) -> list[tuple[str, str]]:
        width = len(self.segments)
        return [
            (question.id, question.options[index].id)
            for question, index in zip(
                self.segments, self.options[row * width : (row + 1) * width], strict=True
            )
            if index >= 0
        ]

    def comment_texts(self, row: int) -> list[tuple[str, str]]:
        texts = self.comments.get(row)
        if not texts:
            return []
        return [
            (question.id, text)
            for question, text in zip(self.open_questions, texts, strict=True)
            if text
        ]


class _Errors:
    def __init__(self) -> None:
        self.listed: list[CellError] = []
        self.total = 0

    def add(self, row: int, column: str, value: Any, reason: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(CellError(row, column, _shown(value), reason))


def _shown(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(value: Any) -> str:
    """A cell as text: numbers from a workbook without a trailing ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _ItemColumn:
    """Parses one item's cells, remembering the verdict on each distinct text."""

    def __init__(self, item: Item, instrument: Instrument) -> None:
        scale = instrument.scale(item.scale)
        self.item = item
        self.min, self.max, self.allow_na = scale.min, scale.max, scale.allow_na
        self.cache: dict[str, int | str] = {}  # text -> code, or the reason it is bad

    def parse(self, value: Any) -> int | str:
        """The code (value, :data:`NA` or :data:`MISSING`) or why the cell is bad."""
        if isinstance(value, str):
            verdict = self.cache.get(value)
            if verdict is None:
                verdict = self._parse_text(value)
                if len(self.cache) < 1000:
                    self.cache[value] = verdict
            return verdict
        if value is None:
            return MISSING
        if isinstance(value, bool | datetime | date | time):
            return "is not a whole number"
        if isinstance(value, float):
            if not (math.isfinite(value) and value.is_integer()):
                return "is not a whole number"
            value = int(value)
        if isinstance(value, int):
            return self._on_scale(value)
        return "is not a whole number"

    def _parse_text(self, text: str) -> int | str:
        text = text.strip()
        if not text:
            return MISSING
        if text.lower() in _NA_SPELLINGS:
            if self.allow_na:
                return NA
            return (
                "is not an answer here: this question has no 'not applicable' "
                "(leave the cell empty if it was not answered)"
            )
        if not _INTEGER.match(text):
            return f"is not a whole number (write {NOT_APPLICABLE} for 'not applicable')"
        return self._on_scale(int(float(text)) if "." in text else int(text))

    def _on_scale(self, value: int) -> int | str:
        if self.min <= value <= self.max and _SMALLEST <= value <= _LARGEST:
            return value
        return f"is not on this question's scale ({self.min} to {self.max})"


def parse(
    instrument: Instrument,
    audience: Audience,
    rows: Iterable[tuple[int, list[Any]]],
) -> ParsedFile:
    """Validate a file's rows (header first) for one audience's questionnaire.

    Raises :class:`ImportRejected` with every bad cell, or returns the file.
    """
    layout = Layout.of(instrument, audience)
    errors = _Errors()
    iterator = iter(rows)
    header_row, header = _first_non_blank(iterator)
    if header is None:
        raise ImportRejected([CellError(1, "", "", "the file has no header row")])

    # -- the header -------------------------------------------------------------------
    segments = {q.id: q for q in layout.segments}
    items = {i.id: i for i in layout.items}
    opens = {q.id: q for q in layout.open_questions}
    others = {
        str(other): {i.id for i in instrument.items_for(other)}
        | {q.id for q in instrument.questionnaires[other].segments}
        | {q.id for q in instrument.questionnaires[other].open_questions}
        for other in instrument.audiences()
        if other != audience
    }
    known = [RESPONDENT, *segments, *items, *opens]
    # column index -> (kind, position); kinds: r(espondent), s(egment), i(tem), o(pen)
    columns: dict[int, tuple[str, int]] = {}
    unnamed: dict[int, str] = {}
    seen: dict[str, int] = {}
    item_columns: list[Item] = []
    segment_columns: list[SegmentQuestion] = []
    open_columns: list[OpenQuestion] = []
    has_respondent = False
    for index, cell in enumerate(header):
        name = restore(_text(cell).strip())
        label = f"{column_letter(index)}"
        if not name:
            unnamed[index] = label
            continue
        label = f"{label} ({name})"
        key = RESPONDENT if name.lower() == RESPONDENT else name
        if key in seen:
            errors.add(
                header_row, label, name,
                f"appears twice in the header row (first as column {column_letter(seen[key])})",
            )
            continue
        seen[key] = index
        if key == RESPONDENT:
            columns[index] = ("r", 0)
            has_respondent = True
        elif key in segments:
            columns[index] = ("s", len(segment_columns))
            segment_columns.append(segments[key])
        elif key in items:
            columns[index] = ("i", len(item_columns))
            item_columns.append(items[key])
        elif key in opens:
            columns[index] = ("o", len(open_columns))
            open_columns.append(opens[key])
        else:
            errors.add(header_row, label, name, _unknown_column(name, audience, known, others))
    if not columns:
        errors.add(
            header_row, "", "",
            f"no column is a question of the {audience} questionnaire: is this the "
            f"right file, and the right audience?",
        )

    parsed = ParsedFile(
        audience=audience,
        items=item_columns,
        segments=segment_columns,
        open_questions=open_columns,
        missing_items=[i.id for i in layout.items if i.id not in seen],
        has_respondent_column=has_respondent,
        values=array("h"),
        options=array("h"),
    )

    # -- the rows ---------------------------------------------------------------------
    # Per kind of column, (position, index in the row, ...): one pass per kind
    # is much faster than one branch per cell on a file of millions of cells.
    width = len(header)
    labels = {i: f"{column_letter(i)} ({_text(header[i]).strip()})" for i in columns}
    by_kind: dict[str, list[tuple[int, int]]] = {"r": [], "s": [], "i": [], "o": []}
    for index, (kind, position) in sorted(columns.items()):
        by_kind[kind].append((position, index))
    item_plan = [
        (position, index, _ItemColumn(item_columns[position], instrument))
        for position, index in by_kind["i"]
    ]
    segment_plan = [
        (position, index, {o.id: n for n, o in enumerate(segment_columns[position].options)})
        for position, index in by_kind["s"]
    ]
    open_plan = by_kind["o"]
    respondent_index = by_kind["r"][0][1] if by_kind["r"] else None
    ignored = [i for i in range(width) if i not in columns]  # unnamed, unknown, repeated
    respondent_ids: set[str] = set()
    digests: list[bytes | None] = []
    reported_unnamed: set[int] = set()
    n_items, n_segments, n_open = len(item_columns), len(segment_columns), len(open_columns)
    for row_number, cells in iterator:
        if len(cells) < width:
            cells = cells + [None] * (width - len(cells))
        try:
            blank = not "".join(cells).strip()  # a CSV row: all text
        except TypeError:  # a workbook row: numbers, dates, None
            blank = all(_is_blank(c) for c in cells)
        if blank:
            parsed.blank_rows += 1
            continue
        row = len(parsed.external_ids)
        failed = errors.total

        for index in ignored:
            cell = cells[index]
            if not _is_blank(cell) and index in unnamed and index not in reported_unnamed:
                reported_unnamed.add(index)
                errors.add(row_number, unnamed[index], cell,
                           "is in a column without a name in the header row")
        for index in range(width, len(cells)):
            cell = cells[index]
            if not _is_blank(cell):
                errors.add(row_number, column_letter(index), cell,
                           "is to the right of the last column of the header row")

        values = [MISSING] * n_items
        for position, index, parser in item_plan:
            cell = cells[index]
            code = parser.cache.get(cell) if cell.__class__ is str else None
            if code is None:
                code = parser.parse(cell)
            if code.__class__ is str:
                errors.add(row_number, labels[index], cell, code)
            else:
                values[position] = code

        options = [-1] * n_segments
        for position, index, choices in segment_plan:
            cell = cells[index]
            option = choices.get(cell)  # the usual case: exactly an option id
            if option is None:
                if _is_blank(cell):
                    continue
                option = choices.get(restore(_text(cell).strip()))
            if option is None:
                errors.add(
                    row_number, labels[index], cell,
                    "is not one of this question's options (" + ", ".join(choices) + ")",
                )
            else:
                options[position] = option

        texts: list[str | None] = [None] * n_open
        for position, index in open_plan:
            cell = cells[index]
            if _is_blank(cell):
                continue
            # Line ends as "\n": a workbook cannot keep a "\r" (XML turns it into "\n").
            text = restore(_text(cell).replace("\r\n", "\n").replace("\r", "\n").strip())
            limit = open_columns[position].max_length
            if len(text) > limit:
                errors.add(
                    row_number, labels[index], cell,
                    f"is longer than the {limit:,} characters this question allows "
                    f"(it has {len(text):,})",
                )
            elif text:
                texts[position] = text

        external_id = ""
        if respondent_index is not None:
            cell = cells[respondent_index]
            external_id = restore(_text(cell).strip())
            if len(external_id) > MAX_RESPONDENT_ID:
                errors.add(
                    row_number, labels[respondent_index], cell,
                    f"is longer than the {MAX_RESPONDENT_ID} characters a respondent id may have",
                )
            elif external_id in respondent_ids:
                first = parsed.row_numbers[parsed.external_ids.index(external_id)]
                errors.add(
                    row_number, labels[respondent_index], cell,
                    f"is already the respondent of row {first}",
                )
            elif external_id:
                respondent_ids.add(external_id)

        # Every row's id is kept (duplicates are found in later rows); its
        # answers only while the file is still good.
        parsed.row_numbers.append(row_number)
        parsed.external_ids.append(external_id)
        if errors.total or failed:
            continue
        parsed.values.extend(values)
        parsed.options.extend(options)
        if n_open and any(texts):
            parsed.comments[row] = texts
        digests.append(None if external_id else _content_digest(parsed, row))
    if errors.total:
        raise ImportRejected(sorted(errors.listed, key=_reading_order), errors.total)
    _derive_ids(parsed, digests)
    return parsed


def _reading_order(error: CellError) -> tuple[int, int]:
    """Row by row, left to right (a whole-row problem first)."""
    letters = error.column.split(" ", 1)[0] if error.column else ""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return error.row, number


def _first_non_blank(
    iterator: Iterable[tuple[int, list[Any]]],
) -> tuple[int, list[Any] | None]:
    for row_number, cells in iterator:
        if not all(_is_blank(c) for c in cells):
            return row_number, cells
    return 1, None


def _unknown_column(
    name: str, audience: Audience, known: list[str], others: dict[str, set[str]]
) -> str:
    for other, ids in others.items():
        if name in ids:
            return (
                f"is a question of the {other} questionnaire, not the {audience} one "
                f"(import {other} answers as {other})"
            )
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    hint = f": did you mean '{close[0]}'?" if close else ""
    return f"is not a question of the {audience} questionnaire{hint}"


def _content_digest(parsed: ParsedFile, row: int) -> bytes:
    """The row's content, independent of column order and of how the file was saved."""
    content = sorted(
        [(item_id, "NA" if value is None else value) for item_id, value in parsed.answers(row)]
        + parsed.segment_answers(row)
        + parsed.comment_texts(row),
        key=lambda pair: pair[0],
    )
    canonical = json.dumps([str(parsed.audience), content], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).digest()


def _derive_ids(parsed: ParsedFile, digests: list[bytes | None]) -> None:
    """Rows without a respondent id get one from their content and its occurrence.

    The n-th row with a given content gets ``#<digest>-<n>``: importing the same
    rows again (even re-saved, re-ordered or converted between CSV and XLSX)
    finds them already there, while two respondents who answered alike in one
    file are both kept.
    """
    seen: dict[bytes, int] = {}
    for row, digest in enumerate(digests):
        if digest is None:
            continue
        count = seen.get(digest, 0) + 1
        seen[digest] = count
        parsed.external_ids[row] = f"{DERIVED_ID_PREFIX}{digest.hex()[:40]}-{count}"
