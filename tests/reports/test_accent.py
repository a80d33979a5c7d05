"""The accent colour's shades reach WCAG AA wherever the report uses them, on
screen and in the PDF (which share ``static/css/report.css``).

The browser test ``tests/browser/test_accent_contrast.py`` checks the painted
results page with axe-core; here the arithmetic, and the stylesheet's promise that
the accent as chosen never colours text.
"""

from __future__ import annotations

import re

import pytest

from assess.paths import static_dir, templates_dir
from assess.reports import colours

#: Light yellow, mid grey, pure red, cyan, very dark, the Okabe–Ito orange, white,
#: and the greys where neither the house ink nor white reaches 4.5:1.
AWKWARD = ["#ffff99", "#808080", "#ff0000", "#00ffff", "#0a0a0a", "#e69f00",
           "#ffffff", "#777777", "#767676", "#1f4e79"]


@pytest.mark.parametrize("accent", AWKWARD)
def test_each_shade_reaches_its_contrast_on_every_report_background(accent: str) -> None:
    shades = colours.accent_shades(accent)
    for background in colours.REPORT_BACKGROUNDS:
        assert colours.contrast(shades.text, background) >= 4.5, (shades.text, background)
        assert colours.contrast(shades.graphic, background) >= 3.0, (shades.graphic, background)
    assert colours.contrast(shades.ink, accent) >= 4.5
    assert shades.colour == accent


def test_a_dark_enough_accent_is_kept_as_chosen() -> None:
    shades = colours.accent_shades("#1f4e79")
    assert shades.text == shades.graphic == "#1f4e79"
    assert shades.ink == colours.WHITE
    assert colours.accent_shades("#0a0a0a").text == "#0a0a0a"


def test_a_light_accent_keeps_its_hue_when_darkened() -> None:
    red, green, blue = colours._rgb(colours.accent_shades("#00ffff").text)
    assert red == 0 and green == blue > 0  # still cyan, only darker


def test_the_current_step_text_on_a_mid_grey_accent_is_black() -> None:
    # Neither the house ink (4.4:1) nor white (4.5 rounded up from 4.48) reads on #777777.
    assert colours.ink_on("#777777") == colours.BLACK
    assert colours.ink_on("#ff0000") == colours.BLACK


def _rules() -> list[tuple[str, str]]:
    css = (static_dir() / "css" / "report.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [(selector.strip(), body) for selector, body in
            re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def test_the_stylesheet_never_sets_text_in_the_accent_as_chosen() -> None:
    for selector, body in _rules():
        colour = re.search(r"(?<![-\w])color:\s*var\((--accent[\w-]*)", body)
        if colour:
            assert colour.group(1) in ("--accent-text", "--accent-ink"), selector
            # Opacity would blend the shade towards the background, below 4.5:1.
            assert "opacity" not in body, selector
        # A fill in the accent as chosen carries text in the ink made for it; the
        # cover band is an empty <div>.
        if re.search(r"background:\s*var\(--accent\b(?!-)", body) and "cover-band" not in selector:
            assert "color: var(--accent-ink" in body, selector


def test_both_reports_receive_every_shade() -> None:
    for template in ("report/_accent_style.html", "report/pdf/report.html"):
        text = (templates_dir() / template).read_text(encoding="utf-8")
        for name in ("colour", "text", "graphic", "ink"):
            assert f"{{{{ report.accent.{name} }}}}" in text, (template, name)
