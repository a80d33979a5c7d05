"""Stage 1 of scoring from the database: an engagement's :class:`Statistics`.

Each submitted response carries its answer codes (:mod:`assess.respondents.codes`,
written in the transaction that submits it, and backfilled by migration 0005
for responses stored before), so one index scan of the engagement's responses
reads everything: 100,000 short rows for a large survey, instead of 2.5 million
answers. numpy turns them into code matrices, and the scoring core counts them
(:func:`assess.scoring.tally`): this module only reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from assess.respondents.codes import CodeLayout
from assess.respondents.models import ResponseStatus
from assess.scoring import AUDIENCES, Codes, InstrumentSpec, Statistics, tally


class MissingAnswerCodes(RuntimeError):
    """Submitted responses without answer codes: the database was not migrated."""


#: A response's audience as its index in AUDIENCES (-1: none of them).
_AUDIENCE_INDEX = (
    "CASE audience "
    + " ".join(f"WHEN :aud{n} THEN {n}" for n in range(len(AUDIENCES)))
    + " ELSE -1 END"
)


def fetch_codes(connection: Connection, engagement_id: int) -> list[tuple[int, bytes | None]]:
    """``(audience index, answer codes)`` of each submitted response, in one statement.

    Run on the raw driver, which hands back plain tuples: no Row objects for
    100,000 rows.
    """
    sql = (
        f"SELECT {_AUDIENCE_INDEX}, answer_codes FROM responses "
        "WHERE engagement_id = :engagement_id AND status = :submitted"
    )
    params: dict[str, Any] = {
        "engagement_id": engagement_id,
        "submitted": ResponseStatus.SUBMITTED.value,
        **{f"aud{n}": audience for n, audience in enumerate(AUDIENCES)},
    }
    compiled = text(sql).bindparams(**params).compile(dialect=connection.dialect)
    positional = compiled.positiontup
    parameters: Any = (
        compiled.params if positional is None else tuple(compiled.params[k] for k in positional)
    )
    return list(connection.exec_driver_sql(str(compiled), parameters).fetchall())


def engagement_statistics(
    connection: Connection, spec: InstrumentSpec, engagement_id: int
) -> Statistics:
    """The :class:`Statistics` of an engagement's submitted responses."""
    layouts = [CodeLayout.of(spec, audience) for audience in AUDIENCES]
    stored: list[list[bytes]] = [[] for _ in AUDIENCES]
    missing = 0
    for index, codes in fetch_codes(connection, engagement_id):
        if index < 0:
            continue  # not an audience of this instrument: scoring ignores it
        if codes is None or len(codes) != layouts[index].length:
            missing += 1
        else:
            stored[index].append(codes)
    if missing:
        raise MissingAnswerCodes(
            f"{missing:,} submitted responses of engagement {engagement_id} have no answer "
            "codes; run `assess db upgrade` to compute them."
        )
    matrices: dict[str, tuple[Codes, Codes]] = {
        layout.audience: _with_rated_answers(*layout.decode(blobs))
        for layout, blobs in zip(layouts, stored, strict=True)
    }
    return tally(spec, matrices)


def _with_rated_answers(items: Codes, segments: Codes) -> tuple[Codes, Codes]:
    """Rule 1 (amended): a stored response in which every rated item is missing
    (code 0: skipped or "don't know") is no response, and counts in no ``n``.
    The questionnaire never submits one and the import skips them; one stored
    before the rule is left out here, where the database's responses become the
    scoring core's respondents (the core counts every respondent it is given)."""
    rated = items.any(axis=1)
    if rated.all():
        return items, segments
    return items[rated], segments[rated]
