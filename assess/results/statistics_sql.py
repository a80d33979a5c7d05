"""Stage 1 of scoring in the database: an engagement's :class:`Statistics` from SQL.

:func:`engagement_statistics` returns exactly (bit for bit) what
:func:`assess.scoring.summarise` returns for the engagement's submitted
responses, without loading their answers into Python one by one. The work is
split where each side is fastest:

1. **SQL, one short row per response.** Each submitted response carries its
   *answer codes* (:mod:`assess.results.codes`: one small integer per item and
   per segment question of its audience, stored when it was submitted), so one
   index scan of the engagement's responses reads everything: 100,000 rows of a
   few dozen bytes for a large survey, instead of 2.5 million answers.
2. **SQL, the answers themselves, for responses without codes** (stored before
   the codes existed, or by a writer that did not set them; normally none).
   Each answer becomes a bit field of its response's *answer vector*: the
   item's field holds ``v - min + 1`` (0 means missing: skipped or "not
   applicable", rule 1). A response has at most one answer per item (the
   primary key), so its fields never overlap, and adding them up per response
   (``GROUP BY``) packs the whole response into a few 64-bit integers. Segment
   answers are packed the same way (option index + 1). The item -> field
   mapping comes from the instrument snapshot, not from a table: on PostgreSQL
   a ``VALUES`` list, on SQLite an indexed temporary table (SQLite cannot index
   a ``VALUES`` list and would scan it for each of millions of answers). The
   vectors are unpacked into the same codes as step 1.
3. **numpy, one row per response.** The codes are read column-wise: reverse
   recoding (rule 2), item scores (rule 3), top box (rule 4), the
   half-of-the-items rule and dimension scores (rule 5), listwise alpha inputs
   (rule 7), NPS counts (rule 13) and the groups of rule 14.

Every sum is an exact integer (item scores are multiples of ``100 / lcm(spans)``,
respondent dimension scores multiples of that divided by ``lcm(1..k)``) turned
into a float once, correctly rounded, so the floats equal those of
``summarise``, which uses the same exact arithmetic.

Steps 1 and 2 are two statements; they agree because a response gets its codes
in the transaction that submits it and its answers never change afterwards.

The database never holds an answer off its item's scale or a segment option the
instrument does not have (the questionnaire pages and the import refuse them);
should one be there anyway, step 2 ignores it where ``summarise`` raises.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert, text
from sqlalchemy.engine import Connection

from assess.respondents.models import ResponseStatus
from assess.results.codes import CodeLayout
from assess.scoring import (
    AUDIENCES,
    RECOMMEND,
    AlphaStatistics,
    GroupStatistics,
    InstrumentSpec,
    ItemSpec,
    ItemStatistics,
    Moments,
    NpsStatistics,
    Statistics,
    audience_key,
    validate_spec,
)

#: Bits used of each 64-bit word: sums stay positive and below 2**63.
WORD_BITS = 62

#: Temporary tables of the SQLite path (in the connection's private schema).
_SQLITE_ITEM_MAP = "assess_item_map"
_SQLITE_SEGMENT_MAP = "assess_segment_map"


# -- the bit layout -------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A bit field of a packed vector: ``(word >> shift) & (2**bits - 1)``."""

    word: int
    shift: int
    bits: int

    def read(self, words: np.ndarray) -> np.ndarray:
        return (words[:, self.word] >> self.shift) & ((1 << self.bits) - 1)


def _pack(widths: Sequence[int], first_word: int) -> tuple[list[Field], range]:
    """Fields of the given widths in consecutive words from ``first_word`` on."""
    fields = []
    word, shift = first_word, 0
    for bits in widths:
        if bits > WORD_BITS:
            raise ValueError("a scale or segment question too large to pack")
        if shift + bits > WORD_BITS:
            word, shift = word + 1, 0
        fields.append(Field(word, shift, bits))
        shift += bits
    return fields, range(first_word, word + 1 if widths else first_word)


@dataclass(frozen=True)
class _DimensionPlan:
    id: str
    items: tuple[int, ...]  # indices into the audience's items
    factors: tuple[int, ...]  # w = u * factor puts every item on 0..lcm_span
    lcm_span: int
    lcm_k: int

    @property
    def k(self) -> int:
        return len(self.items)

    @property
    def need(self) -> int:
        return math.ceil(self.k / 2)  # rule 5


class AudienceLayout:
    """One audience's items, segment questions and dimensions, with their fields."""

    def __init__(
        self, spec: InstrumentSpec, audience: str, first_item_word: int, first_segment_word: int
    ) -> None:
        self.audience = audience
        self.codes = CodeLayout.of(spec, audience)
        self.items: list[ItemSpec] = list(self.codes.items)
        self.item_fields, self.item_words = _pack(
            [(i.max - i.min + 1).bit_length() for i in self.items], first_item_word
        )
        self.segments = list(self.codes.segments)
        self.segment_fields, self.segment_words = _pack(
            [len(s.options).bit_length() for s in self.segments], first_segment_word
        )
        self.dimensions: list[_DimensionPlan] = []
        for dim in spec.dimensions:
            idx = tuple(n for n, i in enumerate(self.items) if i.dimension == dim.id)
            if not idx:
                continue
            spans = [self.items[n].max - self.items[n].min for n in idx]
            lcm_span = math.lcm(*spans)
            self.dimensions.append(
                _DimensionPlan(
                    id=dim.id,
                    items=idx,
                    factors=tuple(lcm_span // s for s in spans),
                    lcm_span=lcm_span,
                    lcm_k=math.lcm(*range(1, len(idx) + 1)),
                )
            )


class Layout:
    """Where every answer and segment answer sits in the vectors.

    Each audience has its own words (staff first, then customers), so an answer
    to an item of the other audience lands in words the response's own decoding
    never reads: ignored, as :func:`~assess.scoring.summarise` ignores it.
    """

    def __init__(self, spec: InstrumentSpec) -> None:
        validate_spec(spec)
        self.spec = spec
        self.audiences: dict[str, AudienceLayout] = {}
        item_word, segment_word = 0, 0
        for audience in AUDIENCES:
            layout = AudienceLayout(spec, audience, item_word, segment_word)
            self.audiences[audience] = layout
            item_word, segment_word = layout.item_words.stop, layout.segment_words.stop
        self.item_words = item_word
        self.segment_words = segment_word

    def item_rows(self) -> list[tuple]:  # type: ignore[type-arg]
        """``(audience, item_id, min, max, mul_0, ..)``: an answer's field value
        ``v - min + 1`` times ``mul_j`` is its contribution to word ``j``."""
        return [
            (layout.audience, item.id, item.min, item.max,
             *[1 << f.shift if j == f.word else 0 for j in range(self.item_words)])
            for layout in self.audiences.values()
            for item, f in zip(layout.items, layout.item_fields, strict=True)
        ]

    def segment_rows(self) -> list[tuple]:  # type: ignore[type-arg]
        """``(audience, question_id, option_id, add_0, ..)``: an option's contributions."""
        return [
            (layout.audience, seg.id, option,
             *[(n + 1) << f.shift if j == f.word else 0 for j in range(self.segment_words)])
            for layout in self.audiences.values()
            for seg, f in zip(layout.segments, layout.segment_fields, strict=True)
            for n, option in enumerate(seg.options)
        ]


# -- SQL --------------------------------------------------------------------------------


def _values_sql(rows: list[tuple], params: dict[str, object], prefix: str) -> str:  # type: ignore[type-arg]
    """``VALUES (...), (...)`` with bound parameters (added to ``params``)."""
    tuples = []
    for r, row in enumerate(rows):
        names = []
        for c, value in enumerate(row):
            key = f"{prefix}_{r}_{c}"
            params[key] = value
            names.append(f":{key}")
        tuples.append("(" + ", ".join(names) + ")")
    return "VALUES " + ", ".join(tuples)


def _sqlite_map_table(name: str, key: list[str], others: list[tuple[str, type]]) -> Table:
    columns = [Column(c, String(100), primary_key=True) for c in key]
    columns += [Column(c, kind) for c, kind in others]
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"], sqlite_with_rowid=False)


def _sqlite_query(layout: Layout) -> str:
    """SQLite: per audience, one streaming GROUP BY over its responses without codes.

    The responses come in id order from the (engagement, audience, status)
    index, so the GROUP BY needs no sort; each response's answers are read
    through the primary key, and each answer's field is found by a primary key
    lookup in the temporary map (LEFT JOINs keep that order, and keep responses
    without answers). Only the audience's own words are summed. Segment
    answers: a correlated subquery per response.
    """
    branches = []
    for index, audience in enumerate(AUDIENCES):
        plan = layout.audiences[audience]
        cols = [str(index)]
        cols += [
            f"COALESCE(sum((a.value - m.lo + 1) * m.m{j}), 0)" if j in plan.item_words else "0"
            for j in range(layout.item_words)
        ]
        cols += [
            f"(SELECT COALESCE(sum(g.s{j}), 0) FROM segment_answers s "
            f"CROSS JOIN {_SQLITE_SEGMENT_MAP} g WHERE s.response_id = r.id "
            f"AND g.audience = :aud{index} AND g.question_id = s.question_id "
            "AND g.option_id = s.option_id)"
            if j in plan.segment_words
            else "0"
            for j in range(layout.segment_words)
        ]
        branches.append(
            f"SELECT {', '.join(cols)} FROM responses r "
            "LEFT JOIN answers a ON a.response_id = r.id "
            f"LEFT JOIN {_SQLITE_ITEM_MAP} m ON m.audience = :aud{index} "
            "AND m.item_id = a.item_id AND a.value BETWEEN m.lo AND m.hi "
            f"WHERE r.engagement_id = :engagement_id AND r.audience = :aud{index} "
            "AND r.status = :submitted AND (r.answer_codes IS NULL "
            f"OR length(r.answer_codes) != :len{index}) GROUP BY r.id"
        )
    return " UNION ALL ".join(branches)


#: A response's audience as its index in AUDIENCES (-1: none of them).
_AUDIENCE_INDEX = (
    "CASE r.audience "
    + " ".join(f"WHEN :aud{n} THEN {n}" for n in range(len(AUDIENCES)))
    + " ELSE -1 END"
)


def _postgresql_query(layout: Layout, params: dict[str, object]) -> str:
    """PostgreSQL: one parallel pass over the answers and segment answers together,
    for the responses without codes.

    Each answer and each segment answer becomes its contributions to the words
    (a ``VALUES`` list joined on the item, or on the question and option); the
    two streams are concatenated, filtered by a hash join on the engagement's
    submitted responses and reduced to one row per response (``bit_or``) by a
    parallel hash aggregate. The tables are joined in the order written
    (``join_collapse_limit = 1``): the planner cannot estimate how many rows
    match a ``VALUES`` list and might otherwise choose nested loops.
    """
    item_rows = [row[1:] for row in layout.item_rows()]
    segment_rows = [row[1:] for row in layout.segment_rows()]
    n_items, n_segments = layout.item_words, layout.segment_words
    streams = []
    if item_rows:
        names = ", ".join(["item_id", "lo", "hi"] + [f"m{j}" for j in range(n_items)])
        contributions = [
            f"(a.value - m.lo + 1) * CAST(m.m{j} AS BIGINT)" for j in range(n_items)
        ] + ["CAST(0 AS BIGINT)"] * n_segments
        streams.append(
            f"SELECT a.response_id, {', '.join(contributions)} FROM answers a "
            f"JOIN ({_values_sql(item_rows, params, 'i')}) AS m({names}) "
            "ON m.item_id = a.item_id AND a.value BETWEEN m.lo AND m.hi"
        )
    if segment_rows:
        names = ", ".join(["question_id", "option_id"] + [f"s{j}" for j in range(n_segments)])
        contributions = ["CAST(0 AS BIGINT)"] * n_items + [
            f"CAST(g.s{j} AS BIGINT)" for j in range(n_segments)
        ]
        streams.append(
            f"SELECT s.response_id, {', '.join(contributions)} FROM segment_answers s "
            f"JOIN ({_values_sql(segment_rows, params, 'g')}) AS g({names}) "
            "ON g.question_id = s.question_id AND g.option_id = s.option_id"
        )
    words = [f"w{j}" for j in range(n_items + n_segments)]
    where = (
        "{r}.engagement_id = :engagement_id AND {r}.status = :submitted "
        "AND ({r}.answer_codes IS NULL OR octet_length({r}.answer_codes) != CASE {r}.audience "
        + " ".join(f"WHEN :aud{n} THEN :len{n}" for n in range(len(AUDIENCES)))
        + " ELSE 0 END)"
    )
    if not streams:
        return f"SELECT {_AUDIENCE_INDEX} FROM responses r WHERE {where.format(r='r')}"
    return (
        f"SELECT {_AUDIENCE_INDEX}, {', '.join(f'COALESCE(v.{w}, 0)' for w in words)} "
        "FROM responses r LEFT JOIN ("
        f"SELECT x.id, {', '.join(f'bit_or(u.{w}) AS {w}' for w in words)} "
        f"FROM ({' UNION ALL '.join(streams)}) AS u(response_id, {', '.join(words)}) "
        f"JOIN responses x ON x.id = u.response_id WHERE {where.format(r='x')} "
        f"GROUP BY x.id) v ON v.id = r.id WHERE {where.format(r='r')}"
    )


def _params(layout: Layout, engagement_id: int) -> dict[str, object]:
    return {
        "engagement_id": engagement_id,
        "submitted": ResponseStatus.SUBMITTED.value,
        **{f"aud{n}": audience for n, audience in enumerate(AUDIENCES)},
        **{f"len{n}": layout.audiences[a].codes.length for n, a in enumerate(AUDIENCES)},
    }


def fetch_codes(
    connection: Connection, layout: Layout, engagement_id: int
) -> list[tuple[int, bytes | None]]:
    """``(audience index, answer codes or None)`` per submitted response."""
    params = _params(layout, engagement_id)
    sql = (
        f"SELECT {_AUDIENCE_INDEX}, r.answer_codes FROM responses r "
        "WHERE r.engagement_id = :engagement_id AND r.status = :submitted"
    )
    statement, parameters = _driver_sql(connection, sql, params)
    return list(connection.exec_driver_sql(statement, parameters).fetchall())


def fetch_vectors(
    connection: Connection, layout: Layout, engagement_id: int
) -> list[tuple]:  # type: ignore[type-arg]
    """``(audience index, item words.., segment words..)`` per submitted response
    without (valid) answer codes, computed from its answers.

    One statement, so it reads one consistent snapshot; a word is 0 where a
    response has nothing.
    """
    params = _params(layout, engagement_id)
    temporary: list[Table] = []
    restore: dict[str, str] = {}
    if connection.dialect.name == "sqlite":
        item_map = _sqlite_map_table(
            _SQLITE_ITEM_MAP,
            ["audience", "item_id"],
            [("lo", Integer), ("hi", Integer)]
            + [(f"m{j}", BigInteger) for j in range(layout.item_words)],
        )
        segment_map = _sqlite_map_table(
            _SQLITE_SEGMENT_MAP,
            ["audience", "question_id", "option_id"],
            [(f"s{j}", BigInteger) for j in range(layout.segment_words)],
        )
        for table, rows in ((item_map, layout.item_rows()), (segment_map, layout.segment_rows())):
            table.drop(connection, checkfirst=True)
            table.create(connection)
            temporary.append(table)
            if rows:
                keys = [c.name for c in table.columns]
                connection.execute(insert(table), [dict(zip(keys, r, strict=True)) for r in rows])
        sql = _sqlite_query(layout)
    else:
        sql = _postgresql_query(layout, params)
        # About 100,000 groups per hash aggregate: keep them in memory; skip JIT
        # compilation, which costs more than it saves here; join as written.
        # Only for this statement: the caller's transaction gets its settings back.
        restore = _set_locally(
            connection, {"work_mem": "64MB", "jit": "off", "join_collapse_limit": "1"}
        )
    try:
        statement, parameters = _driver_sql(connection, sql, params)
        return list(connection.exec_driver_sql(statement, parameters).fetchall())
    finally:
        for table in temporary:
            table.drop(connection, checkfirst=True)
        if restore:
            _set_locally(connection, restore)


def _set_locally(connection: Connection, settings: dict[str, str]) -> dict[str, str]:
    """``SET LOCAL`` each setting; returns the values they had."""
    previous = {}
    for name, value in settings.items():
        previous[name] = connection.execute(
            text("SELECT current_setting(:name)"), {"name": name}
        ).scalar_one()
        connection.execute(
            text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )
    return previous


def _driver_sql(connection: Connection, sql: str, params: dict) -> tuple[str, object]:  # type: ignore[type-arg]
    """Compile through SQLAlchemy (bound parameters), to run on the raw driver,
    which hands back plain tuples: no Row objects for 100,000 rows."""
    used = {k: v for k, v in params.items() if f":{k}" in sql}
    compiled = text(sql).bindparams(**used).compile(dialect=connection.dialect)
    positional = compiled.positiontup
    if positional is not None:
        return str(compiled), tuple(compiled.params[k] for k in positional)
    return str(compiled), compiled.params


# -- numpy ------------------------------------------------------------------------------


def engagement_statistics(
    connection: Connection, spec: InstrumentSpec, engagement_id: int
) -> Statistics:
    """The :class:`Statistics` of an engagement's submitted responses, via SQL."""
    layout = Layout(spec)
    plans = [layout.audiences[audience] for audience in AUDIENCES]
    stored: list[list[bytes]] = [[] for _ in AUDIENCES]
    missing = False
    for index, codes in fetch_codes(connection, layout, engagement_id):
        if index < 0:
            continue  # not an audience of this version: scoring ignores it
        if codes is not None and len(codes) == plans[index].codes.length:
            stored[index].append(codes)
        else:
            missing = True
    vectors = fetch_vectors(connection, layout, engagement_id) if missing else []
    return statistics_from_codes(
        layout,
        {
            plan.audience: _concatenate(plan.codes.decode(stored[n]), vectors_to_codes(
                layout, plan, [row for row in vectors if row[0] == n]
            ))
            for n, plan in enumerate(plans)
        },
    )


def _concatenate(
    *parts: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.concatenate([items for items, _ in parts]),
        np.concatenate([segments for _, segments in parts]),
    )


def vectors_to_codes(
    layout: Layout, plan: AudienceLayout, rows: Sequence[tuple]  # type: ignore[type-arg]
) -> tuple[np.ndarray, np.ndarray]:
    """The codes of one audience's packed vectors (rows of :func:`fetch_vectors`)."""
    width = 1 + layout.item_words + layout.segment_words
    words = np.fromiter(
        itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width
    ).reshape(len(rows), width)
    item_words = words[:, 1 : 1 + layout.item_words]
    segment_words = words[:, 1 + layout.item_words :]
    return (
        np.stack([f.read(item_words) for f in plan.item_fields], axis=1)
        if plan.item_fields else np.zeros((len(rows), 0), dtype=np.int64),
        np.stack([f.read(segment_words) for f in plan.segment_fields], axis=1)
        if plan.segment_fields else np.zeros((len(rows), 0), dtype=np.int64),
    )


def statistics_from_codes(
    layout: Layout, codes: dict[str, tuple[np.ndarray, np.ndarray]]
) -> Statistics:
    """Turn answer codes into :class:`Statistics` (exact integer sums, then floats).

    ``codes[audience]`` is ``(item codes, segment codes)``, one row per response
    of the audience, in the columns of its :class:`CodeLayout`.
    """
    groups: dict = {}  # type: ignore[type-arg]
    alpha: dict = {}  # type: ignore[type-arg]
    items: dict = {}  # type: ignore[type-arg]
    nps = [0, 0, 0]
    for audience in AUDIENCES:
        item_codes, segment_codes = codes[audience]
        _audience_statistics(
            layout.audiences[audience], item_codes, segment_codes, groups, alpha, items, nps
        )
    return Statistics(
        groups=groups,
        alpha=alpha,
        items=items,
        nps=NpsStatistics(promoters=nps[0], passives=nps[1], detractors=nps[2]),
    )


#: Sums of int64 columns stay exact below this; beyond, Python integers are used.
_INT64_SAFE = 2**62


def _pool(
    keys: np.ndarray, values: np.ndarray, exact_in_float: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows grouped by key: ``(distinct keys, column sums per key, rows per key)``.

    Few distinct small keys (the usual segment word): one ``bincount`` per
    column, exact in float64 when ``exact_in_float`` (every sum below 2**53);
    otherwise a sort and exact integer sums.
    """
    n = keys.shape[0]
    if n == 0:
        return keys[:0], values[:0], np.zeros(0, dtype=np.int64)
    if keys.ndim == 2 and keys.shape[1] == 0:  # no segment questions: one pool
        return keys[:1], values.sum(axis=0, keepdims=True), np.array([n])
    if keys.shape[1] == 1 and exact_in_float and int(keys.max()) < 2**20:
        flat = keys[:, 0]
        counts = np.bincount(flat)
        present = np.flatnonzero(counts)
        sums = np.empty((len(present), values.shape[1]), dtype=np.int64)
        for column in range(values.shape[1]):
            sums[:, column] = np.bincount(
                flat, weights=values[:, column], minlength=len(counts)
            )[present]
        return present.reshape(-1, 1), sums, counts[present]
    if keys.shape[1] == 1:
        flat = keys[:, 0]
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        distinct = keys[order][starts]
    else:
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        order = np.argsort(inverse.reshape(n), kind="stable")
        starts = np.searchsorted(inverse.reshape(n)[order], np.arange(len(distinct)))
    counts = np.diff(np.r_[starts, n])
    return distinct, np.add.reduceat(values[order], starts, axis=0), counts


def _audience_statistics(
    plan: AudienceLayout,
    item_codes: np.ndarray,
    segment_codes: np.ndarray,
    groups: dict,  # type: ignore[type-arg]
    alpha: dict,  # type: ignore[type-arg]
    items: dict,  # type: ignore[type-arg]
    nps: list[int],
) -> None:
    n = item_codes.shape[0]
    audience = plan.audience

    # Rules 1-4: per item, u = v' - min on 0..span (-1: missing). The item's
    # statistics come from the histogram of its field (a handful of values).
    u_cols: list[np.ndarray] = []
    for column, item in enumerate(plan.items):
        span = item.max - item.min
        code = item_codes[:, column]
        code = np.where(code <= span + 1, code, 0)  # off the scale: ignored (never stored)
        counts = np.bincount(code, minlength=span + 2)[1 : span + 2].tolist()
        u_of = list(range(span + 1))  # u of each non-missing code, in code order
        if item.reverse:
            u_of.reverse()  # rule 2: v' = min + max - v
            u = np.where(code > 0, span + 1 - code, -1)
        else:
            u = code - 1
        u_cols.append(u)
        items[item.id] = ItemStatistics(
            n=sum(counts),
            sum=float(Fraction(100 * sum(c * v for c, v in zip(counts, u_of, strict=True)), span)),
            top_box=sum(c for c, v in zip(counts, u_of, strict=True) if v >= span - 1),
        )
        if item.outcome == RECOMMEND:  # rule 13, on v' = min + u
            for c, v in zip(counts, u_of, strict=True):
                value = item.min + v
                nps[0 if value >= 9 else 1 if value >= 7 else 2] += c

    # Rule 5: each respondent's dimension score as an integer x, the score being
    # 100 x / (lcm_span lcm_k); per dimension three columns: valid (0/1), x, x².
    dims = plan.dimensions
    n_dims = len(dims)
    largest = max([0] + [d.lcm_span * d.k * d.lcm_k for d in dims])
    dtype = np.int64 if (n + 1) * largest * largest < _INT64_SAFE else object
    sums = np.zeros((n, 3 * n_dims), dtype=dtype)
    for d, dim in enumerate(dims):
        count = np.zeros(n, dtype=np.int64)
        total = np.zeros(n, dtype=np.int64)
        ws = []
        for idx, factor in zip(dim.items, dim.factors, strict=True):
            u = u_cols[idx]
            w = np.where(u >= 0, u * factor, 0)
            ws.append((plan.items[idx].id, w))
            count += u >= 0
            total += w
        ok = count >= dim.need
        mult = np.array([0] + [dim.lcm_k // m for m in range(1, dim.k + 1)], dtype=np.int64)
        x = np.where(ok, total * mult[count], 0).astype(dtype)
        sums[:, d] = ok
        sums[:, n_dims + d] = x
        sums[:, 2 * n_dims + d] = x * x

        # Rule 7: alpha inputs over the listwise respondents (answered all k items).
        listwise = count == dim.k
        c = Fraction(100, dim.lcm_span)
        item_sum, item_sumsq = {}, {}
        for item_id, w in ws:
            wl = w[listwise].astype(dtype)
            item_sum[item_id] = float(c * int(wl.sum()))
            item_sumsq[item_id] = float(c * c * int((wl * wl).sum()))
        t = total[listwise].astype(dtype)
        alpha[(audience, dim.id)] = AlphaStatistics(
            n=int(np.count_nonzero(listwise)),
            item_sum=item_sum,
            item_sumsq=item_sumsq,
            total_sum=float(c * int(t.sum())),
            total_sumsq=float(c * c * int((t * t).sum())),
        )

    scales = [Fraction(100, dim.lcm_span * dim.lcm_k) for dim in dims]

    def group(respondents: int, row: Sequence) -> GroupStatistics:  # type: ignore[type-arg]
        return GroupStatistics(
            respondents=int(respondents),
            dimensions={
                dim.id: Moments(
                    n=int(row[d]),
                    sum=float(scales[d] * int(row[n_dims + d])),
                    sumsq=float(scales[d] * scales[d] * int(row[2 * n_dims + d])),
                )
                for d, dim in enumerate(dims)
            },
        )

    # Rule 14's groups: the whole audience, then each option of each segment
    # question. Respondents are first pooled by their combination of segment
    # answers (packed into the audience's segment words; few distinct ones), as
    # summarise() does.
    own = list(plan.segment_words)  # this audience's segment words only
    segment_words = np.zeros((n, max(own, default=-1) + 1), dtype=np.int64)
    for column, (seg, f) in enumerate(zip(plan.segments, plan.segment_fields, strict=True)):
        code = segment_codes[:, column]
        code = np.where(code <= len(seg.options), code, 0)  # not an option: ignored
        segment_words[:, f.word] |= code << f.shift
    keys, combo_sums, combo_counts = _pool(
        segment_words[:, own], sums, dtype is np.int64 and (n + 1) * largest * largest < 2**53
    )
    combos = np.zeros((len(keys), segment_words.shape[1]), dtype=np.int64)
    combos[:, own] = keys
    groups[audience_key(audience)] = group(n, combo_sums.sum(axis=0) if n else sums.sum(0))
    for seg, f in zip(plan.segments, plan.segment_fields, strict=True):
        option = f.read(combos) - 1  # -1: the question was skipped
        for o, option_id in enumerate(seg.options):
            members = option == o
            groups[(audience, seg.id, option_id)] = group(
                combo_counts[members].sum(), combo_sums[members].sum(axis=0)
            )
