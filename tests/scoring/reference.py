"""A deliberately naive, per-respondent re-implementation of rules 1-7 and 13.

Used only by the tests to cross-check :func:`assess.scoring.summarise` (which
accumulates exact integer sums) and the engine on random data.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

from assess.scoring import InstrumentSpec
from tests.scoring.oracle import Respondent


def item_score(spec: InstrumentSpec, item_id: str, value: int) -> float:
    it = next(i for i in spec.items if i.id == item_id)
    v = it.min + it.max - value if it.reverse else value
    return 100.0 * (v - it.min) / (it.max - it.min)


def respondent_dimension_scores(spec: InstrumentSpec, r: Respondent) -> dict[str, float]:
    out = {}
    for dim in spec.dimensions:
        ids = [i.id for i in spec.items if i.audience == r.audience and i.dimension == dim.id]
        if not ids:
            continue
        answered = [item_score(spec, i, r.answers[i]) for i in ids if i in r.answers]
        if answered and len(answered) >= math.ceil(len(ids) / 2):
            out[dim.id] = sum(answered) / len(answered)
    return out


def dimension_summary(
    spec: InstrumentSpec, respondents: Iterable[Respondent], audience: str, dim_id: str
) -> tuple[float | None, float | None, int]:
    values = [
        s[dim_id]
        for r in respondents
        if r.audience == audience
        for s in [respondent_dimension_scores(spec, r)]
        if dim_id in s
    ]
    if not values:
        return None, None, 0
    sd = statistics.stdev(values) if len(values) >= 2 else None
    return statistics.fmean(values), sd, len(values)


def alpha(
    spec: InstrumentSpec, respondents: Iterable[Respondent], audience: str, dim_id: str
) -> float | None:
    ids = [i.id for i in spec.items if i.audience == audience and i.dimension == dim_id]
    rows = [
        [item_score(spec, i, r.answers[i]) for i in ids]
        for r in respondents
        if r.audience == audience and all(i in r.answers for i in ids)
    ]
    k = len(ids)
    if k < 2 or len(rows) < 3:
        return None
    var_total = statistics.variance([sum(row) for row in rows])
    if var_total < 1e-9:
        return None
    var_items = sum(statistics.variance([row[j] for row in rows]) for j in range(k))
    return k / (k - 1) * (1 - var_items / var_total)


def item_summary(
    spec: InstrumentSpec, respondents: Iterable[Respondent], item_id: str
) -> tuple[float | None, float | None, int]:
    it = next(i for i in spec.items if i.id == item_id)
    values = [
        r.answers[item_id]
        for r in respondents
        if r.audience == it.audience and item_id in r.answers
    ]
    if not values:
        return None, None, 0
    scores = [item_score(spec, item_id, v) for v in values]
    recoded = [it.min + it.max - v if it.reverse else v for v in values]
    top = sum(1 for v in recoded if v >= it.max - 1)
    return statistics.fmean(scores), top / len(values), len(values)
