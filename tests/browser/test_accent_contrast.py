"""Any accent colour a consultant picks, the results page's text stays readable.

The accent is used as chosen only for fills and rules; text takes a shade of it
made for text (4.5:1 on every report background), text on an accent fill black
or white (4.5:1), and the current quadrant's frame a shade made for marks (3:1).
axe-core's colour-contrast rule, which follows opacity and backgrounds as the
browser paints them, checks the whole report for each awkward colour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import AXE_SCRIPT, DESKTOP, PHONE

pytestmark = pytest.mark.browser

CONSULTANT = "dana@northwind.test"
PASSWORD = "correct-horse-battery"

#: Light yellow, mid grey, pure red, cyan, very dark: each once gave text below 4.5:1.
AWKWARD_ACCENTS = ["#ffff99", "#808080", "#ff0000", "#00ffff", "#0a0a0a", "#777777"]


def _contrast_failures(page: Any) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run('.report', {runOnly: ['color-contrast'],"
        " resultTypes: ['violations']})"
    )
    return [f"{node['target'][0]}: {node['any'][0]['message']}"
            for violation in result["violations"] for node in violation["nodes"]]


def test_every_accent_colour_gives_readable_text_on_the_results_page(
    page: Any, live_server: Any, artifacts_folder: Path | None
) -> None:
    live_server.consultant(CONSULTANT, PASSWORD, name="Dana Smith", verified=True)
    engagement = live_server.engagement(name="Baseline 2026")
    live_server.with_responses(engagement["id"])
    live_server.sign_in(page, CONSULTANT, PASSWORD)

    failures: dict[str, list[str]] = {}
    for accent in AWKWARD_ACCENTS:
        def choose(accent: str = accent) -> None:
            from assess.engagements.models import Engagement
            from assess.extensions import db

            db.session.get(Engagement, engagement["id"]).accent_colour = accent

        live_server.run(choose)
        page.goto(f"{live_server.url}/engagements/{engagement['id']}/results")
        assert page.locator(".report .step.current").count() == 1
        for width, size in (("1280", DESKTOP), ("360", PHONE)):
            page.set_viewport_size(size)
            found = _contrast_failures(page)
            if found:
                failures[f"{accent} at {width} px"] = found
            if artifacts_folder is not None and accent in ("#ffff99", "#808080"):
                folder = artifacts_folder / "rough-edges"
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(folder / f"results-accent-{accent[1:]}-{width}.png"),
                                full_page=True)
        page.set_viewport_size(DESKTOP)
    assert not failures, "\n".join(f"{accent}: {'; '.join(found[:6])}"
                                   for accent, found in failures.items())
