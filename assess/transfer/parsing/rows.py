"""The data rows: each cell checked against its column's question.

Per kind of column the reader keeps a plan of ``(position, index in the row,
...)`` and makes one pass per kind over a row: much faster than one branch per
cell on a file of millions of cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assess.instruments.schema import Instrument

from ..layout import column_letter, restore
from .cells import MISSING, ItemColumn, is_blank, typed_text
from .header import Header
from .respondent_ids import RespondentIds
from .result import CellErrors, ParsedFile


class RowReader:
    """Reads the rows after the header into a :class:`ParsedFile`."""

    def __init__(
        self, instrument: Instrument, header: Header, ids: RespondentIds, errors: CellErrors
    ) -> None:
        self.ids = ids
        self.errors = errors
        self.width = header.width
        self.labels = header.labels()
        by_kind = header.by_kind()
        self.item_plan = [
            (position, index, ItemColumn(header.items[position], instrument))
            for position, index in by_kind["i"]
        ]
        self.segment_plan = [
            (position, index, {o.id: n for n, o in enumerate(header.segments[position].options)})
            for position, index in by_kind["s"]
        ]
        self.open_plan = by_kind["o"]
        self.open_questions = header.open_questions
        self.unnamed = header.unnamed
        # Unnamed, unknown and repeated columns: their cells are not read.
        self.ignored = [i for i in range(self.width) if i not in header.columns]
        self.reported_unnamed: set[int] = set()
        self.n_items = len(header.items)
        self.n_segments = len(header.segments)
        self.n_open = len(header.open_questions)

    def read(self, rows: Iterable[tuple[int, list[Any]]], parsed: ParsedFile) -> None:
        """Check every row; keep every row's id, its answers only while the file is good."""
        errors, width, n_open = self.errors, self.width, self.n_open
        for row_number, cells in rows:
            if len(cells) < width:
                cells = cells + [None] * (width - len(cells))
            try:
                blank = not "".join(cells).strip()  # a CSV row: all text
            except TypeError:  # a workbook row: numbers, dates, None
                blank = all(is_blank(c) for c in cells)
            if blank:
                parsed.blank_rows += 1
                continue
            row = len(parsed.external_ids)
            failed = errors.total

            self._check_stray_cells(row_number, cells)
            values = self._item_values(row_number, cells)
            options = self._segment_options(row_number, cells)
            texts = self._open_texts(row_number, cells)
            external_id = self.ids.read(parsed, row_number, cells)

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
            self.ids.keep(parsed, row)

    def _check_stray_cells(self, row_number: int, cells: list[Any]) -> None:
        """Cells in a column without a name (once per column), or beyond the header."""
        for index in self.ignored:
            cell = cells[index]
            if not is_blank(cell) and index in self.unnamed and index not in self.reported_unnamed:
                self.reported_unnamed.add(index)
                self.errors.add(row_number, self.unnamed[index], cell,
                                "is in a column without a name in the header row")
        for index in range(self.width, len(cells)):
            cell = cells[index]
            if not is_blank(cell):
                self.errors.add(row_number, column_letter(index), cell,
                                "is to the right of the last column of the header row")

    def _item_values(self, row_number: int, cells: list[Any]) -> list[int]:
        values = [MISSING] * self.n_items
        for position, index, parser in self.item_plan:
            cell = cells[index]
            code = parser.cache.get(cell) if cell.__class__ is str else None
            if code is None:
                code = parser.parse(cell)
            if code.__class__ is str:
                self.errors.add(row_number, self.labels[index], cell, code)
            else:
                values[position] = code  # type: ignore[assignment]  # an int: str was ruled out
        return values

    def _segment_options(self, row_number: int, cells: list[Any]) -> list[int]:
        options = [-1] * self.n_segments
        for position, index, choices in self.segment_plan:
            cell = cells[index]
            option = choices.get(cell)  # the usual case: exactly an option id
            if option is None:
                if is_blank(cell):
                    continue
                option = choices.get(restore(typed_text(cell).strip()))
            if option is None:
                self.errors.add(
                    row_number, self.labels[index], cell,
                    "is not one of this question's options (" + ", ".join(choices) + ")",
                )
            else:
                options[position] = option
        return options

    def _open_texts(self, row_number: int, cells: list[Any]) -> list[str | None]:
        texts: list[str | None] = [None] * self.n_open
        for position, index in self.open_plan:
            cell = cells[index]
            if is_blank(cell):
                continue
            # Line ends as "\n": a workbook cannot keep a "\r" (XML turns it into "\n").
            text = restore(typed_text(cell).replace("\r\n", "\n").replace("\r", "\n").strip())
            limit = self.open_questions[position].max_length
            if len(text) > limit:
                self.errors.add(
                    row_number, self.labels[index], cell,
                    f"is longer than the {limit:,} characters this question allows "
                    f"(it has {len(text):,})",
                )
            elif text:
                texts[position] = text
        return texts
