"""The header row: which column holds which question of the questionnaire."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assess.instruments.schema import Audience, Instrument, Item, OpenQuestion, SegmentQuestion

from ..layout import RESPONDENT, Layout, column_letter, restore
from .cells import cell_text, is_blank
from .result import CellErrors

#: Kinds of column: r(espondent), s(egment), i(tem), o(pen question).
KINDS = ("r", "s", "i", "o")


@dataclass
class Header:
    """The header row read against one audience's questionnaire."""

    row: int  # its row number in the file
    cells: list[Any]
    # column index -> (kind, position among the columns of that kind)
    columns: dict[int, tuple[str, int]] = field(default_factory=dict)
    unnamed: dict[int, str] = field(default_factory=dict)  # column index -> its letter
    names: dict[str, int] = field(default_factory=dict)  # name -> index of its first column
    items: list[Item] = field(default_factory=list)  # per kind, in column order
    segments: list[SegmentQuestion] = field(default_factory=list)
    open_questions: list[OpenQuestion] = field(default_factory=list)
    has_respondent: bool = False

    @property
    def width(self) -> int:
        return len(self.cells)

    @property
    def respondent_index(self) -> int | None:
        """The index of the ``respondent`` column, if there is one."""
        return next((i for i, (kind, _) in self.columns.items() if kind == "r"), None)

    def label(self, index: int) -> str:
        """``"C (c_ease_easy)"``: a column as a bad cell's message names it."""
        return f"{column_letter(index)} ({cell_text(self.cells[index]).strip()})"

    def labels(self) -> dict[int, str]:
        """The :meth:`label` of each recognised column."""
        return {i: self.label(i) for i in self.columns}

    def by_kind(self) -> dict[str, list[tuple[int, int]]]:
        """``(position, column index)`` of each recognised column, per kind, left to right."""
        out: dict[str, list[tuple[int, int]]] = {kind: [] for kind in KINDS}
        for index, (kind, position) in sorted(self.columns.items()):
            out[kind].append((position, index))
        return out


def first_non_blank(
    iterator: Iterable[tuple[int, list[Any]]],
) -> tuple[int, list[Any] | None]:
    """The first row with a cell that is not blank: the header (``None`` if there is none)."""
    for row_number, cells in iterator:
        if not all(is_blank(c) for c in cells):
            return row_number, cells
    return 1, None


def read_header(
    instrument: Instrument,
    audience: Audience,
    layout: Layout,
    row: int,
    cells: list[Any],
    errors: CellErrors,
) -> Header:
    """Recognise each named column; a repeated or unknown name is a bad cell."""
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
    header = Header(row=row, cells=cells)
    for index, cell in enumerate(cells):
        name = restore(cell_text(cell).strip())
        label = f"{column_letter(index)}"
        if not name:
            header.unnamed[index] = label
            continue
        label = f"{label} ({name})"
        key = RESPONDENT if name.lower() == RESPONDENT else name
        if key in header.names:
            errors.add(
                row, label, name,
                "appears twice in the header row "
                f"(first as column {column_letter(header.names[key])})",
            )
            continue
        header.names[key] = index
        if key == RESPONDENT:
            header.columns[index] = ("r", 0)
            header.has_respondent = True
        elif key in segments:
            header.columns[index] = ("s", len(header.segments))
            header.segments.append(segments[key])
        elif key in items:
            header.columns[index] = ("i", len(header.items))
            header.items.append(items[key])
        elif key in opens:
            header.columns[index] = ("o", len(header.open_questions))
            header.open_questions.append(opens[key])
        else:
            errors.add(row, label, name, _unknown_column(name, audience, known, others))
    if not header.columns:
        errors.add(
            row, "", "",
            f"no column is a question of the {audience} questionnaire: is this the "
            f"right file, and the right audience?",
        )
    return header


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
