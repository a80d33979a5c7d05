"""The file layout of one audience's responses, shared by import and export.

One header row, then one row per response::

    respondent | segment questions... | rated items... | open questions...

``respondent`` (optional on import) is an external id; a segment cell holds an
option id; an item cell an integer on the item's scale, ``NA`` for "don't know /
not applicable" or nothing when the item was skipped; an open-question cell the
comment's text. Columns are named by the instrument's ids, in questionnaire order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assess.instruments.schema import Audience, Instrument, Item, OpenQuestion, SegmentQuestion

RESPONDENT = "respondent"
NOT_APPLICABLE = "NA"

#: What a spreadsheet runs as a formula when a cell starts with it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """Make a text cell safe to open in a spreadsheet: ``=1+1`` becomes ``'=1+1``.

    Text already of the form ``'=...`` gets one more apostrophe, so that
    :func:`restore` gives back exactly the original text.
    """
    if text.startswith(FORMULA_TRIGGERS) or _NEUTRALISED.match(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise` (applied to text cells on import)."""
    if text[:1] == "'" and _NEUTRALISED.match(text):
        return text[1:]
    return text


@dataclass(frozen=True)
class Layout:
    """The columns of one audience's file, in order."""

    audience: Audience
    segments: tuple[SegmentQuestion, ...]
    items: tuple[Item, ...]
    open_questions: tuple[OpenQuestion, ...]

    @classmethod
    def of(cls, instrument: Instrument, audience: Audience) -> Layout:
        questionnaire = instrument.questionnaires[audience]
        item_ids = [i for section in questionnaire.sections for i in section.items]
        listed = set(item_ids)
        # Items of the audience that no section lists come last (never in practice).
        item_ids += [i.id for i in instrument.items_for(audience) if i.id not in listed]
        return cls(
            audience=audience,
            segments=tuple(questionnaire.segments),
            items=tuple(instrument.item(i) for i in item_ids),
            open_questions=tuple(questionnaire.open_questions),
        )

    @property
    def header(self) -> list[str]:
        return (
            [RESPONDENT]
            + [q.id for q in self.segments]
            + [i.id for i in self.items]
            + [q.id for q in self.open_questions]
        )


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
