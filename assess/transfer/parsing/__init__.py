"""Check every cell of an import file against the instrument, before anything is written.

:func:`parse` reads the header and every row, and either returns a compact
:class:`ParsedFile` (validated values in flat arrays, so a file of a million
cells stays small in memory) or raises :class:`ImportRejected` listing every bad
cell: row, column, value and why.

It goes in three steps, one module each: the header (:mod:`.header`: which
column holds which question), the rows (:mod:`.rows`: each cell against its
question) and the respondent ids (:mod:`.respondent_ids`: given, or derived
from a row's content).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assess.instruments.schema import Audience, Instrument

from ..layout import Layout
from .cells import MISSING, NA
from .header import first_non_blank, read_header
from .respondent_ids import DERIVED_ID_PREFIX, MAX_RESPONDENT_ID, RespondentIds
from .result import MAX_LISTED_ERRORS, CellError, CellErrors, ImportRejected, ParsedFile
from .rows import RowReader

__all__ = [
    "DERIVED_ID_PREFIX",
    "MAX_LISTED_ERRORS",
    "MAX_RESPONDENT_ID",
    "MISSING",
    "NA",
    "CellError",
    "ImportRejected",
    "ParsedFile",
    "parse",
]


def parse(
    instrument: Instrument,
    audience: Audience,
    rows: Iterable[tuple[int, list[Any]]],
) -> ParsedFile:
    """Validate a file's rows (header first) for one audience's questionnaire.

    Raises :class:`ImportRejected` with every bad cell, or returns the file.
    """
    layout = Layout.of(instrument, audience)
    errors = CellErrors()
    iterator = iter(rows)
    header_row, cells = first_non_blank(iterator)
    if cells is None:
        raise ImportRejected([CellError(1, "", "", "the file has no header row")])

    header = read_header(instrument, audience, layout, header_row, cells, errors)
    parsed = ParsedFile(
        audience=audience,
        items=header.items,
        segments=header.segments,
        open_questions=header.open_questions,
        missing_items=[i.id for i in layout.items if i.id not in header.names],
        has_respondent_column=header.has_respondent,
    )
    respondent = header.respondent_index
    ids = RespondentIds(
        respondent, header.label(respondent) if respondent is not None else "", errors
    )
    RowReader(instrument, header, ids, errors).read(iterator, parsed)
    if errors.total:
        raise errors.rejection()
    ids.derive(parsed)
    return parsed
