"""Cross-checks of an instrument: everything that needs more than one value.

The checks read the files as loaded from YAML (plain dicts and lists) so that
each problem names the file and the place in it an author has to fix, and so
that they still run -- and still find every problem -- when some part of a
file is malformed: a value of the wrong type is skipped here (the structural
validation in :mod:`assess.instruments.loader` reports it).

:func:`check_files` runs the :data:`STEPS` in order, one module per file they
check; the steps share a :class:`~.context.CheckContext` holding the problems
and the definitions found so far. The rules are listed in
``docs/instrument-format.md`` ("Validation rules").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .context import (
    ID_PATTERN,
    INSTRUMENT_ID_PATTERN,
    LANGUAGE_PATTERN,
    OPTION_ID_PATTERN,
    VERSION_PATTERN,
    CheckContext,
    Problem,
)
from .instrument_file import check_instrument_file
from .questionnaires import check_coverage, check_items, check_pairs, check_questionnaires
from .recommendations import check_recommendations
from .story import check_story

__all__ = [
    "ID_PATTERN",
    "INSTRUMENT_ID_PATTERN",
    "LANGUAGE_PATTERN",
    "OPTION_ID_PATTERN",
    "STEPS",
    "VERSION_PATTERN",
    "Problem",
    "check_files",
]

#: The steps, in the order their problems are reported: later steps check
#: references against what earlier ones found (scales, dimensions, items).
STEPS = (
    check_instrument_file,
    check_questionnaires,
    check_items,
    check_pairs,
    check_coverage,
    check_recommendations,
    check_story,
)


def check_files(files: Mapping[str, Any], *, unreadable: Collection[str] = ()) -> list[Problem]:
    """Every cross-check problem of an instrument folder's loaded files.

    ``files`` maps a file name (``instrument.yaml``, ``staff.yaml``, ...) to
    its loaded YAML; an absent file is simply not in it. ``unreadable`` names
    files that exist but could not be parsed: checks that would need them
    (such as "this pair has no customer item") are skipped rather than
    reporting problems that are not there.
    """
    ctx = CheckContext(files, unreadable)
    for step in STEPS:
        step(ctx)
    return ctx.problems
