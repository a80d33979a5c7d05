"""One cell of an import file: as text, blank or not, and an item cell's code."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

from assess.instruments.schema import Instrument, Item
from assess.text import without_bidi_controls

from ..layout import NOT_APPLICABLE

#: Item cells: a whole number; also "4.0", as some tools write whole numbers.
_INTEGER = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_NA_SPELLINGS = {"na", "n/a", "n.a."}

#: Codes of an item cell besides its value; values are kept in two bytes each.
MISSING = -32768  # the item was skipped (an empty cell)
NA = -32767  # "don't know / not applicable"
_SMALLEST, _LARGEST = -32766, 32767


def cell_text(value: Any) -> str:
    """A cell as text: numbers from a workbook without a trailing ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def typed_text(value: Any) -> str:
    """A cell someone typed (a respondent id, a segment option, a comment) as it is
    stored: its text without bidi controls (:mod:`assess.text`), which would only
    reverse what is shown after it."""
    return without_bidi_controls(cell_text(value))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class ItemColumn:
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
