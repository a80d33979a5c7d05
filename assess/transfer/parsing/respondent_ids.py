"""Respondent ids: given in the file's ``respondent`` column, else derived from the row."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..layout import restore
from .cells import typed_text
from .result import CellErrors, ParsedFile

#: Longest respondent id (``responses.external_id``).
MAX_RESPONDENT_ID = 200

#: Prefix of the ids derived from a row's content when the file gives none.
DERIVED_ID_PREFIX = "#"


class RespondentIds:
    """Checks each row's respondent id, and derives one for the rows without."""

    def __init__(self, index: int | None, label: str, errors: CellErrors) -> None:
        self.index = index  # of the respondent column, if the file has one
        self.label = label
        self.errors = errors
        self.given: set[str] = set()
        # Per good row: the digest of its content if it has no id of its own.
        self.digests: list[bytes | None] = []

    def read(self, parsed: ParsedFile, row_number: int, cells: list[Any]) -> str:
        """The row's respondent id ("" if none); too long or repeated is a bad cell."""
        if self.index is None:
            return ""
        cell = cells[self.index]
        external_id = restore(typed_text(cell).strip())
        if len(external_id) > MAX_RESPONDENT_ID:
            self.errors.add(
                row_number, self.label, cell,
                f"is longer than the {MAX_RESPONDENT_ID} characters a respondent id may have",
            )
        elif external_id in self.given:
            first = parsed.row_numbers[parsed.external_ids.index(external_id)]
            self.errors.add(
                row_number, self.label, cell,
                f"is already the respondent of row {first}",
            )
        elif external_id:
            self.given.add(external_id)
        return external_id

    def keep(self, parsed: ParsedFile, row: int) -> None:
        """Remember a good row, so that :meth:`derive` can give it an id if it has none."""
        self.digests.append(None if parsed.external_ids[row] else _content_digest(parsed, row))

    def derive(self, parsed: ParsedFile) -> None:
        """Rows without a respondent id get one from their content and its occurrence.

        The n-th row with a given content gets ``#<digest>-<n>``: importing the same
        rows again (even re-saved, re-ordered or converted between CSV and XLSX)
        finds them already there, while two respondents who answered alike in one
        file are both kept.
        """
        seen: dict[bytes, int] = {}
        for row, digest in enumerate(self.digests):
            if digest is None:
                continue
            count = seen.get(digest, 0) + 1
            seen[digest] = count
            parsed.external_ids[row] = f"{DERIVED_ID_PREFIX}{digest.hex()[:40]}-{count}"


def _content_digest(parsed: ParsedFile, row: int) -> bytes:
    """The row's content, independent of column order and of how the file was saved."""
    answers: list[tuple[str, str | int]] = [
        (item_id, "NA" if value is None else value) for item_id, value in parsed.answers(row)
    ]
    pairs = answers + parsed.segment_answers(row) + parsed.comment_texts(row)
    content = sorted(pairs, key=lambda pair: pair[0])
    canonical = json.dumps([str(parsed.audience), content], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).digest()
