"""How numbers are shown in the report (screen and PDF), in one place.

Results keep full precision; rounding happens only here, when a number is
displayed (scoring rule 16): scores to whole numbers, gaps to one decimal,
p-values to two significant digits, shares as whole percentages. Negative
numbers use the typographic minus sign. Tests format the ``assess results``
numbers with these same functions to compare them with the PDF's text.

Two rules keep a printed number from contradicting what stands beside it: where a
gap or change is printed beside the two scores it is the difference of, the
scores have one decimal and the gap is the difference of the printed scores
(:func:`difference`); and a value just below a cut (the quadrant's "high" mark,
a maturity cut) is never rounded onto the cut (``cuts=``), so a cell coloured
"low" never reads 60.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

MINUS = "\u2212"
DASH = "\u2013"  # shown for a number that does not exist


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def _number(value: float, decimals: int, cuts: Iterable[float] = ()) -> str:
    """``value`` with ``decimals`` decimals, unless that would print a value below a
    cut as the cut itself (59.6 as "60" against a cut of 60): then with one more
    decimal, and if even that reaches the cut (59.96), cut off rather than rounded
    ("59.9"), so the number never contradicts a colour or verdict that follows the
    full precision (rule 16). A number that already has a decimal is cut off at
    it (59.96 with one decimal: "59.9")."""
    text = f"{value:.{decimals}f}"
    below = [c for c in cuts if value < c <= float(text)]
    if below:
        shown = max(1, decimals)  # a whole number gains one decimal, never more
        text = f"{value:.{shown}f}"
        if any(value < c <= float(text) for c in below):
            step = 10**shown
            text = f"{math.floor(value * step) / step:.{shown}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return _signed(text)


def score(value: float | None, cuts: Iterable[float] = ()) -> str:
    """A 0..100 score (or an index, a position, NPS) as a whole number; a value just
    below one of ``cuts`` keeps one decimal (59.6, not 60)."""
    if value is None:
        return DASH
    return _number(value, 0, cuts)


def score1(value: float | None, cuts: Iterable[float] = ()) -> str:
    """A score with one decimal: where a gap or change is printed beside the two
    scores it is the difference of (rule 16), so the reader can subtract."""
    if value is None:
        return DASH
    return _number(value, 1, cuts)


def _tenths(value: float, cuts: Iterable[float] = ()) -> float:
    return float(_number(value, 1, cuts).replace(MINUS, "-"))


def difference(
    first: float | None, second: float | None, cuts: Iterable[float] = ()
) -> str:
    """``first − second`` as the difference of the two numbers as :func:`score1`
    prints them (rule 16: a reader who subtracts the printed scores gets the
    printed gap). Signed, one decimal."""
    if first is None or second is None:
        return DASH
    return gap(round(_tenths(first, cuts) - _tenths(second, cuts), 1))


def points(first: float | None, second: float | None) -> str:
    """The difference of two shares (0..1) in percentage points, as the difference
    of the two whole percentages :func:`percent` prints: 72% and 31% give +41."""
    if first is None or second is None:
        return DASH
    value = round(first * 100) - round(second * 100)
    return _signed(f"{value:+d}") if value else "0"


def gap(value: float | None) -> str:
    """A gap in points, one decimal, always signed: +31.5, −4.0."""
    if value is None:
        return DASH
    text = f"{value:+.1f}"
    if text in ("+0.0", "-0.0"):
        return "0.0"
    return _signed(text)


def change(value: float | None) -> str:
    """A change between two engagements: like a gap."""
    return gap(value)


def percent(share: float | None) -> str:
    """A share on 0..1 as a whole percentage: 0.72 -> '72%'."""
    if share is None:
        return DASH
    return f"{share * 100:.0f}%"


def pvalue(p: float | None) -> str:
    """Two significant digits; very small values as '< 0.001'."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return DASH
    if p < 0.001:
        return "< 0.001"
    return f"{p:.2g}"


def alpha(value: float | None) -> str:
    """Cronbach's alpha with two decimals."""
    if value is None:
        return DASH
    return _signed(f"{value:.2f}")


def interval(ci: list[float] | tuple[float, float] | None) -> str:
    """A 95% confidence interval as 'low–high' whole numbers."""
    if not ci:
        return DASH
    return f"{score(ci[0])}{DASH}{score(ci[1])}"


def count(value: int | None) -> str:
    if value is None:
        return DASH
    return f"{value:,}"


class Formats:
    """The formatting functions, handed to templates as ``fmt``."""

    score = staticmethod(score)
    score1 = staticmethod(score1)
    difference = staticmethod(difference)
    points = staticmethod(points)
    gap = staticmethod(gap)
    change = staticmethod(change)
    percent = staticmethod(percent)
    pvalue = staticmethod(pvalue)
    alpha = staticmethod(alpha)
    interval = staticmethod(interval)
    count = staticmethod(count)


FORMATS = Formats()
