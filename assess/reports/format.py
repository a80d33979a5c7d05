"""How numbers are shown in the report (screen and PDF), in one place.

Results keep full precision; rounding happens only here, when a number is
displayed (scoring rule 16): scores to whole numbers, gaps to one decimal,
p-values to two significant digits, shares as whole percentages. Negative
numbers use the typographic minus sign. Tests format the ``assess results``
numbers with these same functions to compare them with the PDF's text.
"""

from __future__ import annotations

import math

MINUS = "\u2212"
DASH = "\u2013"  # shown for a number that does not exist


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def score(value: float | None) -> str:
    """A 0..100 score (or an index, a position, NPS) as a whole number."""
    if value is None:
        return DASH
    text = f"{value:.0f}"
    return "0" if text == "-0" else _signed(text)


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
    gap = staticmethod(gap)
    change = staticmethod(change)
    percent = staticmethod(percent)
    pvalue = staticmethod(pvalue)
    alpha = staticmethod(alpha)
    interval = staticmethod(interval)
    count = staticmethod(count)


FORMATS = Formats()
