"""The report's colours: the one palette, and the arithmetic on colours.

The charts use the Okabe–Ito palette, which stays distinguishable for the
common forms of colour blindness; staff and customers also differ in marker
shape (circle and square), so no chart depends on colour alone. Where a shape
sits is :mod:`assess.reports.charts`' business; which colour it gets is decided
here. (``static/css/report.css`` repeats the staff and customer colours for the
legend keys in the text.)
"""

from __future__ import annotations

from dataclasses import dataclass

from assess.engagements.models import DEFAULT_ACCENT as ENGAGEMENT_DEFAULT_ACCENT

# Okabe–Ito.
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#8C8C8C"
LIGHT = "#D9D9D9"

STAFF_COLOUR = VERMILLION
CUSTOMER_COLOUR = BLUE
#: The previous engagement's position on the map.
PREVIOUS_COLOUR = GREY

#: The colour of each audience's marks in every chart.
AUDIENCE_COLOURS = {"staff": STAFF_COLOUR, "customer": CUSTOMER_COLOUR}

#: The map's quadrant backgrounds (rule 11 quadrant ids).
QUADRANT_FILLS = {
    "product_centric": "#F4F4F4",
    "means_only": "#FBEBD9",
    "devoted_under_equipped": "#E3F1FA",
    "customer_centric": "#DDF0E8",
}

#: NPS bar parts: detractors, passives, promoters.
NPS_COLOURS = {"detractors": VERMILLION, "passives": LIGHT, "promoters": GREEN}

#: Loyalty bars: staying by choice is good news, staying as a hostage is not.
LOYALTY_COLOURS = {"stay_by_choice": GREEN, "stay_hostage": VERMILLION}

#: The bars of the customer equity outcomes.
SHARE_COLOUR = BLUE

#: The report's accent colour when the engagement has none (or an invalid one):
#: the engagement's own default.
DEFAULT_ACCENT = ENGAGEMENT_DEFAULT_ACCENT

WHITE = "#FFFFFF"
INK = "#1A1A1A"
#: Text in a heatmap cell without a score.
MISSING_INK = "#4A4A4A"


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(a: str, b: str, t: float) -> str:
    """``a`` blended towards ``b`` by ``t`` (0..1)."""
    ra, rb = _rgb(a), _rgb(b)
    return _hex(tuple(x + (y - x) * t for x, y in zip(ra, rb, strict=True)))


def luminance(colour: str) -> float:
    """WCAG relative luminance."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_for(background: str) -> str:
    """Black or white text, whichever reads better on ``background``."""
    return WHITE if contrast(background, WHITE) > contrast(background, INK) else INK


def readable_on_white(colour: str, minimum: float = 4.5) -> str:
    """``colour`` darkened just enough for text on white to meet WCAG AA."""
    candidate = colour
    for step in range(1, 21):
        if contrast(candidate, WHITE) >= minimum:
            return candidate
        candidate = mix(colour, BLACK, step * 0.05)
    return candidate


#: WCAG 2.2 AA: normal text (1.4.3) and marks that carry meaning (1.4.11).
TEXT_CONTRAST = 4.5
GRAPHIC_CONTRAST = 3.0

#: Every background the report sets accent-coloured text or marks on
#: (``static/css/report.css``): the page, the summary's and the tiles' panels
#: (#f6f7f9), the maturity ladder's steps (#eef0f3), the interim band (#fdf4ea).
REPORT_BACKGROUNDS = (WHITE, "#F6F7F9", "#EEF0F3", "#FDF4EA")


def readable_on(colour: str, backgrounds: tuple[str, ...], minimum: float) -> str:
    """``colour`` darkened just enough to reach ``minimum`` contrast on every one of
    ``backgrounds`` (all light): the chosen hue stays, only as dark as it must be."""
    for step in range(0, 41):
        candidate = mix(colour, BLACK, step * 0.025)
        if min(contrast(candidate, b) for b in backgrounds) >= minimum:
            return candidate
    return BLACK


def ink_on(fill: str, minimum: float = TEXT_CONTRAST) -> str:
    """Text on a ``fill``: the house ink or white, whichever reads better, if it
    reaches ``minimum``; else pure black or white, one of which always reaches
    4.58:1 (a mid-tone fill, such as #767676 or pure red, gives neither the house
    ink, #1a1a1a, nor white 4.5:1)."""
    preferred = ink_for(fill)
    if contrast(fill, preferred) >= minimum:
        return preferred
    return WHITE if contrast(fill, WHITE) >= contrast(fill, BLACK) else BLACK


@dataclass(frozen=True)
class Accent:
    """The shades of an engagement's accent colour, each for one use.

    ``colour``: as chosen, for fills and rules that carry no meaning (the cover
    band, heading rules); ``text``: text on any report background, 4.5:1;
    ``graphic``: marks that carry meaning (the current quadrant's frame), 3:1;
    ``ink``: text on a ``colour`` fill (the current maturity step, a
    recommendation's rank), 4.5:1."""

    colour: str
    text: str
    graphic: str
    ink: str

    def as_dict(self) -> dict[str, str]:
        return {"colour": self.colour, "text": self.text, "graphic": self.graphic,
                "ink": self.ink}


def accent_shades(colour: str) -> Accent:
    """The report's shades of ``colour`` (a validated ``#rrggbb``)."""
    return Accent(
        colour=colour,
        text=readable_on(colour, REPORT_BACKGROUNDS, TEXT_CONTRAST),
        graphic=readable_on(colour, REPORT_BACKGROUNDS, GRAPHIC_CONTRAST),
        ink=ink_on(colour),
    )


def heat_fill(score: float | None, cut: float) -> str | None:
    """Diverging fill: orange below the 'high' cut, blue at or above it; deeper further away."""
    if score is None:
        return None
    distance = score - cut
    depth = 0.15 + 0.75 * min(1.0, abs(distance) / 40.0)
    return mix(WHITE, BLUE if distance >= 0 else ORANGE, depth)
