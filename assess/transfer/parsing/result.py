"""What :func:`~assess.transfer.parsing.parse` produces: a parsed file, or its bad cells."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from assess.instruments.schema import Audience, Item, OpenQuestion, SegmentQuestion

from .cells import MISSING, NA

#: Listed bad cells beyond this are only counted (nobody reads further).
MAX_LISTED_ERRORS = 100_000


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


class CellErrors:
    """The bad cells found so far: the first :data:`MAX_LISTED_ERRORS` listed, all counted."""

    def __init__(self) -> None:
        self.listed: list[CellError] = []
        self.total = 0

    def add(self, row: int, column: str, value: Any, reason: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(CellError(row, column, _shown(value), reason))

    def rejection(self) -> ImportRejected:
        """The errors in reading order, as the exception that refuses the file."""
        return ImportRejected(sorted(self.listed, key=_reading_order), self.total)


def _shown(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _reading_order(error: CellError) -> tuple[int, int]:
    """Row by row, left to right (a whole-row problem first)."""
    letters = error.column.split(" ", 1)[0] if error.column else ""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return error.row, number


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
    values: array[int] = field(default_factory=lambda: array("h"))
    options: array[int] = field(default_factory=lambda: array("h"))
    comments: dict[int, list[str | None]] = field(default_factory=dict)
    row_numbers: array[int] = field(default_factory=lambda: array("l"))
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

    def has_rated_answer(self, row: int) -> bool:
        """Whether the row answers at least one rated item on its scale: a row
        whose items are all skipped or "not applicable" is no response (scoring
        rule 1), whatever its segments and comments say."""
        width = len(self.items)
        return any(
            value != MISSING and value != NA
            for value in self.values[row * width : (row + 1) * width]
        )

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
