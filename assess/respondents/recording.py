"""The one writer of responses: answers, segment answers, comments, answer codes
and the engagement's revision bump.

Every way a response reaches the database goes through here: the questionnaire
pages (page by page, then :func:`submit_response`), the import and the demo
(:func:`record_submitted`, in bulk), and the tests' factories. No other code
inserts into ``answers``, ``segment_answers`` or ``comments``. A submitted
response carries its answer codes (:mod:`assess.respondents.codes`), written in
the transaction that submits it; :func:`backfill_answer_codes` gives them to
responses stored before the codes existed. Services flush; callers commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import set_committed_value

from assess.engagements.models import Engagement, InstrumentSnapshot
from assess.extensions import db
from assess.instruments.schema import Instrument
from assess.respondents.codes import CodeLayout
from assess.respondents.links import LinkRow, ResponseRow, spent_hash
from assess.respondents.models import (
    Answer,
    Comment,
    Link,
    LinkKind,
    Response,
    ResponseStatus,
    SegmentAnswer,
    SpentKey,
)
from assess.text import without_bidi_controls

_log = logging.getLogger(__name__)

#: Responses per batch: of bulk inserts (and of a progress bar's steps), and of
#: the backfill.
BATCH = 5_000


# -- a response answered page by page ---------------------------------------------


def find_in_progress(resume_key_hash: str, *, lock: bool = False) -> Response | None:
    query = select(Response).where(
        Response.resume_key_hash == resume_key_hash,
        Response.status == ResponseStatus.IN_PROGRESS,
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


# The statements of a questionnaire page's write, built once and on the tables
# themselves (not the ORM's bulk paths): each page request runs them (docs/performance.md).
_answers = Answer.__table__
_HOLD = (
    update(Response.__table__)  # type: ignore[arg-type]  # typed FromClause; is a Table
    .where(
        Response.__table__.c.id == bindparam("response"),
        Response.__table__.c.status == ResponseStatus.IN_PROGRESS.value,
        Response.__table__.c.resume_key_hash == bindparam("key"),
    )
    .values(
        page=bindparam("next_page"),
        # The highest page saved so far (NULL, not known, stays NULL).
        furthest_saved=case(
            (Response.__table__.c.furthest_saved < bindparam("saved"), bindparam("saved")),
            else_=Response.__table__.c.furthest_saved,
        ),
    )
)
_DELETE_ANSWERS = delete(_answers).where(  # type: ignore[arg-type]
    _answers.c.response_id == bindparam("response"),
    _answers.c.item_id.in_(bindparam("items", expanding=True)),
)
_DELETE_SEGMENT_ANSWERS = delete(SegmentAnswer.__table__).where(  # type: ignore[arg-type]
    SegmentAnswer.__table__.c.response_id == bindparam("response")
)
_DELETE_COMMENTS = delete(Comment.__table__).where(  # type: ignore[arg-type]
    Comment.__table__.c.response_id == bindparam("response")
)


def hold_response(response: Response | ResponseRow, page: int, *, saved: int) -> bool:
    """The respondent saves page ``saved`` and goes on to ``page``: both noted on
    the response (``furthest_saved``, the highest page saved), which this
    transaction then holds (its row lock, on PostgreSQL; SQLite's writers take
    turns anyway) until it commits, so two requests with one key take turns and
    the second sees what the first saved. False, changing nothing, when the
    response is no longer in progress (submitted meanwhile through the same key).

    The page's first statement that writes: one UPDATE, not a locking SELECT
    and a later UPDATE."""
    held = db.session.execute(_HOLD, {
        "response": response.id, "key": response.resume_key_hash, "next_page": page,
        "saved": saved,
    })
    if held.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        return False
    if isinstance(response, Response):
        set_committed_value(response, "page", page)
    else:
        response.page = page
    return True


def start_response(
    link: Link | LinkRow, resume_key_hash: str, *, none_found: bool = False
) -> Response | ResponseRow:
    """The in-progress response for this key (row-locked), created if there is none.

    The unique resume key makes two simultaneous starts converge on one row: the
    loser's INSERT does nothing (``ON CONFLICT DO NOTHING``) and it takes the
    winner's row. A new response comes back as a :class:`ResponseRow`.
    ``none_found``: the caller has just looked in this transaction and found none,
    so the INSERT is tried at once (a response made meanwhile still converges).
    """
    if not none_found:
        existing = find_in_progress(resume_key_hash, lock=True)
        if existing is not None:
            return existing
    # A plain INSERT that gives way to a response made meanwhile under the same key
    # (ON CONFLICT DO NOTHING: no savepoint, two round trips fewer on PostgreSQL).
    new_id = db.session.execute(_insert_ignoring_conflicts(Response.__table__).values(
        engagement_id=link.engagement_id, audience=str(link.audience),
        status=ResponseStatus.IN_PROGRESS.value, resume_key_hash=resume_key_hash, page=0,
        furthest_saved=-1, started_on=date.today(),
    ).returning(Response.__table__.c.id)).scalar()
    if new_id is None:
        existing = find_in_progress(resume_key_hash, lock=True)
        if existing is None:  # submitted in the moment between: no second response
            raise RuntimeError("the resume key's response was submitted meanwhile")
        return existing
    return ResponseRow(new_id, link.engagement_id, link.audience, resume_key_hash, 0,
                       furthest_saved=-1)


def _insert_with_on_conflict(table: Any) -> Any:
    """An INSERT into ``table`` that can say ``ON CONFLICT``, for the session's
    database (SQLite and PostgreSQL both have it; SQLAlchemy spells it per dialect)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def _insert_ignoring_conflicts(table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING``."""
    return _insert_with_on_conflict(table).on_conflict_do_nothing()


def submit_response(
    response: Response | ResponseRow, link: Link | LinkRow, instrument: Instrument
) -> bool:
    """Submit once. Returns False, having changed nothing, when that is not possible.

    The database decides, so this holds under concurrent requests:

    1. the response's key goes into ``spent_keys``, whose primary key refuses a
       second submission through the same key (double click, replay, two tabs);
    2. a personal link is marked used by a conditional UPDATE (``used`` false →
       true), which only one transaction can win;
    3. the response moves from in progress to submitted by a conditional UPDATE
       that also clears its resume key, so nothing joins it back to the link,
       and stores its answer codes (:mod:`assess.respondents.codes`), read by the
       results; its answers do not change after this.

    On False the caller rolls back. Raises :class:`NoRatedAnswer`, having changed
    nothing, when every rated item is missing (scoring rule 1, amended: no response).
    """
    key = response.resume_key_hash
    if key is None:
        return False
    # Read before anything is written: the same statement gives the answer codes.
    answers = _stored_answers(response)
    if not has_rated_answer(answers):
        raise NoRatedAnswer()
    # A plain INSERT that refuses a key already spent without an error (no savepoint).
    spent = db.session.execute(
        _insert_ignoring_conflicts(SpentKey.__table__).returning(SpentKey.__table__.c.key_hash),
        {"key_hash": spent_hash(key)},
    ).scalar()
    if spent is None:  # the key had been spent: nothing was inserted
        return False
    if link.kind == LinkKind.SINGLE_USE:
        used = db.session.execute(
            update(Link)
            .where(Link.id == link.id, Link.used.is_(False), Link.revoked.is_(False))
            .values(used=True)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
            return False
    today = date.today()
    result = db.session.execute(
        update(Response)
        .where(
            Response.id == response.id,
            Response.status == ResponseStatus.IN_PROGRESS,
            Response.resume_key_hash == key,
        )
        .values(
            status=ResponseStatus.SUBMITTED,
            submitted_on=today,
            resume_key_hash=None,
            answer_codes=_codes(response, instrument, answers),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        return False
    bump_revision(response.engagement_id)
    for changed in (response, link):  # ORM objects a caller may read again
        if isinstance(changed, (Response, Link)):
            db.session.expire(changed)
    return True


def replace_answers(
    response: Response | ResponseRow, item_ids: Iterable[str], answers: Mapping[str, int | None]
) -> None:
    """The response's answers to these items become ``answers`` (None: not applicable).

    Plain statements, not objects in the session: one INSERT of the answers that
    replaces any earlier answer to the same item (``ON CONFLICT DO UPDATE``),
    whatever their number, and a DELETE only when an item of the page was left
    unanswered (an earlier answer to it goes): a page's write is one statement
    or two (docs/performance.md)."""
    skipped = [item_id for item_id in item_ids if item_id not in answers]
    if skipped:
        db.session.execute(_DELETE_ANSWERS, {"response": response.id, "items": skipped})
    if answers:
        db.session.execute(_answers_upsert(), [
            {"response_id": response.id, "item_id": item_id, "value": value}
            for item_id, value in answers.items()
        ])


def _answers_upsert() -> Any:
    """``INSERT INTO answers ... ON CONFLICT (response_id, item_id) DO UPDATE SET
    value = excluded.value``, for the session's database (made once for each)."""
    dialect = db.session.get_bind().dialect.name
    statement = _UPSERTS.get(dialect)
    if statement is None:
        # Every column named, so an answer of None ("don't know") is not left to the
        # column's default: SQLAlchemy would send such rows as a second statement.
        draft = _insert_with_on_conflict(Answer).values(
            response_id=bindparam("response_id"), item_id=bindparam("item_id"),
            value=bindparam("value"),
        )
        statement = draft.on_conflict_do_update(
            index_elements=[_answers.c.response_id, _answers.c.item_id],
            set_={"value": draft.excluded.value},
        )
        _UPSERTS[dialect] = statement
    return statement


_UPSERTS: dict[str, Any] = {}


def replace_segment_answers(
    response: Response | ResponseRow, segments: Mapping[str, str | None]
) -> None:
    """The response's segment answers become ``segments`` (None: skipped)."""
    db.session.execute(_DELETE_SEGMENT_ANSWERS, {"response": response.id})
    _insert(SegmentAnswer, [
        {"response_id": response.id, "question_id": qid, "option_id": option}
        for qid, option in segments.items()
        if option is not None
    ])


def replace_comments(response: Response | ResponseRow, comments: Mapping[str, str]) -> None:
    """The response's comments become ``comments`` (empty texts are not kept),
    without bidi controls (:mod:`assess.text`)."""
    db.session.execute(_DELETE_COMMENTS, {"response": response.id})
    kept = {qid: without_bidi_controls(text) for qid, text in comments.items()}
    _insert(Comment, [
        {"response_id": response.id, "question_id": qid, "text": text}
        for qid, text in kept.items()
        if text
    ])


def _insert(model: type[Answer] | type[SegmentAnswer] | type[Comment],
            rows: list[dict[str, Any]]) -> None:
    """One INSERT of ``rows`` into the model's table (executemany), past the
    session's unit of work: nothing reads these rows back as objects."""
    if rows:
        db.session.execute(insert(model.__table__), rows)  # type: ignore[arg-type]


def stored_codes(response: Response | ResponseRow, instrument: Instrument) -> bytes:
    """The answer codes of a response, from its stored answers."""
    return _codes(response, instrument, _stored_answers(response))


def _stored_answers(response: Response | ResponseRow) -> dict[str, int | None]:
    return dict(db.session.execute(_STORED_ANSWERS, {"response": response.id}).all())


def _codes(
    response: Response | ResponseRow, instrument: Instrument, answers: Mapping[str, int | None]
) -> bytes:
    where = {"response": response.id}
    segments: dict[str, str] = dict(db.session.execute(_STORED_SEGMENTS, where).all())
    return CodeLayout.for_instrument(instrument, response.audience).encode(answers, segments)


class NoRatedAnswer(Exception):
    """A response in which every rated item is missing (skipped or "don't know"):
    scoring rule 1 (amended) makes it no response, so it is never submitted."""


def has_rated_answer(answers: Mapping[str, int | None]) -> bool:
    """Whether any rated item has a value (None: "not applicable", missing)."""
    return any(value is not None for value in answers.values())


# Built once (each submission runs them).
_STORED_ANSWERS = select(_answers.c.item_id, _answers.c.value).where(
    _answers.c.response_id == bindparam("response")
)
_STORED_SEGMENTS = select(
    SegmentAnswer.__table__.c.question_id, SegmentAnswer.__table__.c.option_id
).where(SegmentAnswer.__table__.c.response_id == bindparam("response"))


def bump_revision(engagement_id: int) -> None:
    """Responses changed: cached reports of this engagement are stale."""
    db.session.execute(_BUMP_REVISION, {"engagement": engagement_id})


_engagements = Engagement.__table__
_BUMP_REVISION = (
    update(_engagements)  # type: ignore[arg-type]  # typed FromClause; is a Table
    .where(_engagements.c.id == bindparam("engagement"))
    .values(revision=_engagements.c.revision + 1)
)


# -- submitted responses in bulk (import, demo, tests) -------------------------------


@dataclass(frozen=True)
class NewResponse:
    """A whole response, submitted: its answers by item id (None: not applicable),
    its segment options and its comments by question id."""

    answers: Mapping[str, int | None]
    segments: Mapping[str, str] = field(default_factory=dict)
    comments: Mapping[str, str] = field(default_factory=dict)
    external_id: str | None = None  # the import's respondent id
    day: date | None = None  # started and submitted on; today when None


def record_submitted(
    engagement_id: int,
    layout: CodeLayout,
    responses: Sequence[NewResponse],
    *,
    on_progress: Callable[[int], None] | None = None,
    import_batch_id: int | None = None,
) -> list[int]:
    """Store submitted responses of one audience in bulk, with their answer codes
    in ``layout`` (the engagement's: ``CodeLayout.for_instrument``); returns their
    ids. ``COPY`` on PostgreSQL, ``executemany`` on SQLite. An import passes its
    batch (:mod:`assess.transfer.models`), so that it can be removed as a whole.

    Raises :class:`~assess.respondents.codes.AnswerCodeError` for an answer the
    instrument does not allow (the callers check their input first), and the
    driver's IntegrityError when a concurrent writer took an id; the caller rolls back.
    """
    if not responses:
        return []
    connection = db.session.connection()
    today = date.today()
    ids = _new_response_ids(len(responses))
    rows = list(zip(ids, responses, strict=True))

    def response_rows() -> Iterator[tuple[Any, ...]]:
        for rid, new in rows:
            day = new.day or today
            external_id = without_bidi_controls(new.external_id) if new.external_id else None
            yield (rid, engagement_id, layout.audience, ResponseStatus.SUBMITTED.value, 0,
                   external_id, day, day, layout.encode(new.answers, new.segments),
                   import_batch_id)

    def answers() -> Iterator[tuple[Any, ...]]:
        for done, (rid, new) in enumerate(rows, start=1):
            for item_id, value in new.answers.items():
                yield rid, item_id, value
            if on_progress is not None and done % BATCH == 0:
                on_progress(done)

    def segments() -> Iterator[tuple[Any, ...]]:
        for rid, new in rows:
            for question_id, option_id in new.segments.items():
                yield rid, question_id, option_id

    def comments() -> Iterator[tuple[Any, ...]]:
        for rid, new in rows:
            for question_id, text in new.comments.items():
                text = without_bidi_controls(text)
                if text:
                    yield rid, question_id, text

    tables: list[tuple[str, list[str], Iterator[tuple[Any, ...]]]] = [
        ("responses", ["id", "engagement_id", "audience", "status", "page",
                       "external_id", "started_on", "submitted_on", "answer_codes",
                       "import_batch_id"],
         response_rows()),
        ("answers", ["response_id", "item_id", "value"], answers()),
        ("segment_answers", ["response_id", "question_id", "option_id"], segments()),
        ("comments", ["response_id", "question_id", "text"], comments()),
    ]
    raw = connection.connection.driver_connection
    assert raw is not None  # a connection in use has its driver connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            for table, columns, data in tables:
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for record in data:
                        copy.write_row(record)
    else:
        cursor = raw.cursor()
        try:
            for table, columns, data in tables:
                marks = ", ".join("?" * len(columns))
                statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                cursor.executemany(statement, _dates_as_text(data))
        finally:
            cursor.close()
    if on_progress is not None:
        on_progress(len(rows))
    bump_revision(engagement_id)
    db.session.flush()
    return ids


def _dates_as_text(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """SQLite stores dates as ISO text (what SQLAlchemy writes too)."""
    for row in rows:
        yield tuple(v.isoformat() if isinstance(v, date) else v for v in row)


def _new_response_ids(count: int) -> list[int]:
    """Ids for ``count`` new responses, reserved so answers can be written in bulk.

    PostgreSQL: from the id sequence. SQLite: after the largest id; the writer
    holds SQLite's write lock from its first statement (``BEGIN IMMEDIATE``),
    so no other writer can take them meanwhile.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('responses', 'id')) "
            "FROM generate_series(1, %(count)s)",
            {"count": count},
        )
        return sorted(r[0] for r in rows)
    start = db.session.scalar(select(func.coalesce(func.max(Response.id), 0))) or 0
    return list(range(start + 1, start + 1 + count))


# -- answer codes for responses stored before them -----------------------------------


def backfill_answer_codes(connection: Connection, batch: int = BATCH) -> int:
    """Give answer codes to every submitted response without valid ones; how many.

    Computed from the response's stored answers, engagement by engagement, in
    batches of ``batch`` responses; runs on a bare connection (the migration
    that added the codes calls it). An answer the instrument does not allow
    (none is ever stored) counts as missing, as scoring would count it.
    """
    fixed = 0
    engagements = connection.execute(
        select(Engagement.id, InstrumentSnapshot.content)
        .join(InstrumentSnapshot, InstrumentSnapshot.id == Engagement.snapshot_id)
        .order_by(Engagement.id)
    ).all()
    for engagement_id, content in engagements:
        submitted = connection.execute(
            select(Response.id, Response.audience, Response.answer_codes)
            .where(
                Response.engagement_id == engagement_id,
                Response.status == ResponseStatus.SUBMITTED,
            )
            .order_by(Response.id)
        ).all()
        if not submitted:
            continue
        try:
            instrument = Instrument.from_snapshot(content)
        except Exception as error:  # noqa: BLE001 - any unreadable snapshot
            # Never happens with snapshots the app wrote; the results of such an
            # engagement cannot be computed anyway, and the rest must migrate.
            _log.warning(
                "engagement %s: its instrument snapshot cannot be read (%s); its "
                "responses get no answer codes", engagement_id, type(error).__name__,
            )
            continue
        layouts = {
            str(audience): CodeLayout.for_instrument(instrument, audience)
            for audience in instrument.audiences()
        }
        stale = [
            (rid, str(audience))
            for rid, audience, codes in submitted
            if str(audience) in layouts
            and (codes is None or len(codes) != layouts[str(audience)].length)
        ]
        for start in range(0, len(stale), batch):
            chunk = dict(stale[start : start + batch])
            answers: dict[int, dict[str, int | None]] = {rid: {} for rid in chunk}
            for rid, item_id, value in connection.execute(
                select(Answer.response_id, Answer.item_id, Answer.value).where(
                    Answer.response_id.in_(chunk)
                )
            ):
                answers[rid][item_id] = value
            segments: dict[int, dict[str, str]] = {rid: {} for rid in chunk}
            for rid, question_id, option_id in connection.execute(
                select(
                    SegmentAnswer.response_id, SegmentAnswer.question_id, SegmentAnswer.option_id
                ).where(SegmentAnswer.response_id.in_(chunk))
            ):
                segments[rid][question_id] = option_id
            connection.execute(
                update(Response.__table__)  # type: ignore[arg-type]  # typed FromClause; is a Table
                .where(Response.__table__.c.id == bindparam("rid"))
                .values(answer_codes=bindparam("codes")),
                [
                    {"rid": rid, "codes": layouts[audience].encode_allowed(
                        answers[rid], segments[rid]
                    )}
                    for rid, audience in chunk.items()
                ],
            )
            fixed += len(chunk)
    return fixed
