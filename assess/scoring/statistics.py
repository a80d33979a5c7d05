"""The sufficient statistics of a set of responses: what stage 2 needs.

A :class:`Statistics` value holds everything :func:`assess.scoring.engine.score`
needs and nothing about any single respondent: counts, sums and sums of
squares. :func:`assess.scoring.tally` computes it from answer codes; this module
documents, field by field, what each number is.

Definitions used below (rules 1-5 of the scoring specification):

* ``v`` is a raw answer on the item's integer scale ``min..max``; a skipped or
  "don't know" answer is absent (missing).
* ``v' = min + max - v`` for a reverse-keyed item, else ``v' = v`` (rule 2).
* the item score is ``s = 100 * (v' - min) / (max - min)`` (rule 3).
* an answer is *top box* when ``v' >= max - 1`` (rule 4).
* a respondent's dimension score is the mean of their item scores in the
  dimension, counting only the ``k`` items of the dimension that belong to the
  respondent's audience, provided they answered at least ``ceil(k / 2)`` of
  them; otherwise it is missing (rule 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: Key of a reported group: ``(audience, segment question id, option id)``;
#: ``(audience, None, None)`` is the whole audience.
GroupKey = tuple[str, str | None, str | None]


def audience_key(audience: str) -> GroupKey:
    """The :data:`GroupKey` of a whole audience, e.g. ``("staff", None, None)``."""
    return (audience, None, None)


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of a set of values (rules 5-6).

    ``n`` values ``x``; ``sum = Σx``; ``sumsq = Σx²``.
    """

    n: int = 0
    sum: float = 0.0
    sumsq: float = 0.0

    def mean(self) -> float | None:
        """Arithmetic mean, ``None`` when there are no values."""
        return self.sum / self.n if self.n > 0 else None

    def variance(self) -> float | None:
        """Sample variance ``(Σx² - (Σx)²/n) / (n - 1)``; ``None`` when ``n < 2``.

        Rounding can make the difference a tiny negative number, or a tiny
        positive one for constant values: anything within :func:`zero_tolerance`
        of zero is returned as exactly ``0.0``.
        """
        return sample_variance(self.n, self.sum, self.sumsq)


def zero_tolerance(n: int, sumsq: float) -> float:
    """Variances at or below this are rounding noise and treated as exactly 0.

    ``1e-9`` absolutely, or ``1e-12`` of the mean square ``Σx²/n`` (the
    relative rounding error of float sums), whichever is larger. For scores on
    0..100 the smallest real non-zero variance is many orders of magnitude above.
    """
    return max(1e-9, 1e-12 * (sumsq / n if n > 0 else 0.0))


def sample_variance(n: int, total: float, sumsq: float) -> float | None:
    """Sample variance (n - 1) from count, sum and sum of squares; ``None`` when n < 2."""
    if n < 2:
        return None
    var = (sumsq - total * total / n) / (n - 1)
    if var <= zero_tolerance(n, sumsq):
        return 0.0
    return var


@dataclass(frozen=True)
class GroupStatistics:
    """One reported group: a whole audience or one option of a segment question.

    ``respondents``: submitted responses of the audience in the group, whatever
    they answered (used for suppression, rule 14).

    ``dimensions``: for each dimension in which the audience has items, the
    :class:`Moments` of the group's non-missing respondent dimension scores
    (rule 5). A dimension absent from the mapping counts as ``Moments()``.
    """

    respondents: int = 0
    dimensions: Mapping[str, Moments] = field(default_factory=dict)

    def dimension(self, dimension_id: str) -> Moments:
        """The moments of one dimension (zero moments if absent)."""
        return self.dimensions.get(dimension_id, _ZERO)


_ZERO = Moments()


@dataclass(frozen=True)
class AlphaStatistics:
    """Inputs of Cronbach's alpha for one audience and dimension (rule 7).

    Only respondents of the audience who answered *every one* of the dimension's
    ``k`` items for that audience count (listwise); ``n`` is how many.
    ``item_sum[i]`` / ``item_sumsq[i]`` are Σs and Σs² of item ``i``'s scores over
    them; ``total_sum`` / ``total_sumsq`` are Σt and Σt² of each respondent's
    total ``t`` = the sum of their ``k`` item scores.
    """

    n: int = 0
    item_sum: Mapping[str, float] = field(default_factory=dict)
    item_sumsq: Mapping[str, float] = field(default_factory=dict)
    total_sum: float = 0.0
    total_sumsq: float = 0.0


@dataclass(frozen=True)
class ItemStatistics:
    """One item over the respondents of its audience (rules 3-4).

    ``n``: non-missing answers; ``sum``: Σ of their item scores (0..100, after
    reverse recoding); ``top_box``: how many had ``v' >= max - 1``.
    """

    n: int = 0
    sum: float = 0.0
    top_box: int = 0


@dataclass(frozen=True)
class NpsStatistics:
    """Answers to the recommend item (rule 13), on 0..10.

    ``promoters``: answers 9-10; ``passives``: 7-8; ``detractors``: 0-6.
    """

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def n(self) -> int:
        """Non-missing answers."""
        return self.promoters + self.passives + self.detractors


@dataclass(frozen=True)
class Statistics:
    """Everything the engine needs; nothing about any single respondent.

    ``groups``: keyed by :data:`GroupKey` - ``(audience, None, None)`` for each
    audience, ``(audience, segment id, option id)`` for each option of each of
    the audience's segment questions. A missing key counts as an empty group.

    ``alpha``: keyed by ``(audience, dimension id)`` for every dimension in which
    the audience has items.

    ``items``: keyed by item id, every item of the instrument (dimension and
    outcome items).

    ``nps``: counts of the recommend item's answers (all zero if there is none).
    """

    groups: Mapping[GroupKey, GroupStatistics] = field(default_factory=dict)
    alpha: Mapping[tuple[str, str], AlphaStatistics] = field(default_factory=dict)
    items: Mapping[str, ItemStatistics] = field(default_factory=dict)
    nps: NpsStatistics = field(default_factory=NpsStatistics)

    def group(self, key: GroupKey) -> GroupStatistics:
        """The statistics of one group (an empty group if absent)."""
        return self.groups.get(key, _EMPTY_GROUP)

    def item(self, item_id: str) -> ItemStatistics:
        """The statistics of one item (zeros if absent)."""
        return self.items.get(item_id, _EMPTY_ITEM)

    def alpha_for(self, audience: str, dimension_id: str) -> AlphaStatistics:
        """The alpha inputs of one audience and dimension (zeros if absent)."""
        return self.alpha.get((audience, dimension_id), _EMPTY_ALPHA)


_EMPTY_GROUP = GroupStatistics()
_EMPTY_ITEM = ItemStatistics()
_EMPTY_ALPHA = AlphaStatistics()
