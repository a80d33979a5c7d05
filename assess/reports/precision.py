"""How precise a figure is: small samples, single statements, and the uncertainty
of a change between two waves.

Pure functions over plain numbers and the typed results. The report uses them
to say, where a figure is shown, what it cannot bear: a caution beside every
figure that rests on fewer than :data:`SMALL_SAMPLE` answers, a note beside a
score that rests on one statement, and a 95% interval for every change since the
previous wave (docs/report.md, "Precision").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from assess.scoring import DimensionScore, NpsResult, welch_interval

#: Below this many answers a figure carries a caution (report-story principle 3).
SMALL_SAMPLE = 30
#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def is_small(n: int | None) -> bool:
    """True when a figure rests on answers from fewer than :data:`SMALL_SAMPLE` people."""
    return n is not None and 0 < n < SMALL_SAMPLE


def small_sample_note(n: int | None, who: str = "customers") -> str:
    """The caution printed beside a figure from few answers ('' when not needed)."""
    if not is_small(n):
        return ""
    return (
        f"Based on {n} {who}: fewer than {SMALL_SAMPLE}, so read it as an indication; "
        "small differences may be chance."
    )


@dataclass(frozen=True)
class Change:
    """A change between two waves with its 95% interval (``low``/``high`` None
    when the uncertainty cannot be estimated)."""

    value: float
    low: float | None
    high: float | None

    @property
    def clear(self) -> bool:
        """True when the interval excludes zero: the change is larger than its uncertainty."""
        return self.low is not None and self.high is not None and (
            self.low > 0 or self.high < 0
        )

    @property
    def half_width(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2


def score_change(previous: DimensionScore | None, current: DimensionScore | None) -> Change | None:
    """The change of an audience's dimension score (current − previous) with Welch's
    interval over the two waves' respondents (independent samples)."""
    if previous is None or current is None or previous.suppressed or current.suppressed:
        return None
    if previous.score is None or current.score is None:
        return None
    value = current.score - previous.score
    if None in (previous.sd, previous.n, current.sd, current.n):
        return Change(value, None, None)
    interval = welch_interval(
        current.score, current.sd or 0.0, current.n or 0,
        previous.score, previous.sd or 0.0, previous.n or 0,
    )
    return Change(value, *(interval or (None, None)))


def index_change(
    previous: Iterable[tuple[DimensionScore | None, float]],
    current: Iterable[tuple[DimensionScore | None, float]],
) -> Change | None:
    """The change of a lens index (a weighted mean of dimension scores, rule 8).

    The respondents' index scores are not kept, so the index's standard error is
    bounded from above by the weighted mean of its dimensions' standard errors
    (exact when the dimensions are perfectly correlated, too wide otherwise):
    the interval errs on the side of caution, and a change called clear is clear.
    """

    def index_and_se(parts: Iterable[tuple[DimensionScore | None, float]]) -> tuple[
        float | None, float | None
    ]:
        total = weight_sum = se_sum = 0.0
        se_known = True
        for part, weight in parts:
            if part is None or part.suppressed or part.score is None:
                continue
            total += weight * part.score
            weight_sum += weight
            if part.sd is None or not part.n or part.n < 2:
                se_known = False
            else:
                se_sum += weight * part.sd / math.sqrt(part.n)
        if weight_sum <= 0:
            return None, None
        return total / weight_sum, (se_sum / weight_sum if se_known else None)

    before, before_se = index_and_se(previous)
    now, now_se = index_and_se(current)
    if before is None or now is None:
        return None
    value = now - before
    if before_se is None or now_se is None:
        return Change(value, None, None)
    half = Z95 * math.hypot(before_se, now_se)
    return Change(value, value - half, value + half)


def nps_change(previous: NpsResult, current: NpsResult) -> Change | None:
    """The change of the Net Promoter Score with a normal-approximation interval:
    each respondent scores +100 (promoter), 0 or −100 (detractor), so the NPS is a
    mean whose variance is 100² · (p + d − (p − d)²)."""
    if previous.score is None or current.score is None:
        return None

    def variance(nps: NpsResult) -> float | None:
        if not nps.n or nps.promoters is None or nps.detractors is None:
            return None
        p, d = nps.promoters, nps.detractors
        return 100.0**2 * max(0.0, p + d - (p - d) ** 2) / nps.n

    value = current.score - previous.score
    v1, v2 = variance(previous), variance(current)
    if v1 is None or v2 is None:
        return Change(value, None, None)
    half = Z95 * math.sqrt(v1 + v2)
    return Change(value, value - half, value + half)


def _wilson(share: float, n: int) -> tuple[float, float]:
    z2 = Z95 * Z95
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def share_change(
    previous: float | None, previous_n: int | None, current: float | None, current_n: int | None
) -> Change | None:
    """The change of a share (0..1, current − previous) with Newcombe's hybrid
    score interval for the difference of two independent proportions (it stays
    sensible for small groups and shares near 0 or 1, unlike the plain Wald
    interval)."""
    if previous is None or current is None:
        return None
    value = current - previous
    if not previous_n or not current_n:
        return Change(value, None, None)
    l1, u1 = _wilson(previous, previous_n)
    l2, u2 = _wilson(current, current_n)
    low = value - math.sqrt((current - l2) ** 2 + (u1 - previous) ** 2)
    high = value + math.sqrt((u2 - current) ** 2 + (previous - l1) ** 2)
    return Change(value, low, high)
