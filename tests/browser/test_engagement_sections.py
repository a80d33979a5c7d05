"""In a real browser: the engagement page's sections (issue 15), its settings, the
confirmation before closing, the next wave and deleting. axe-core at 1280 and 360 px
on each page, no sideways scroll, no id twice, and the confirmation after a save in
view; screenshots in test-artifacts/engagement-sections/ with ``ASSESS_TEST_ARTIFACTS=1``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE, assert_accessible

SECTIONS = ("Overview", "Respondents", "Data", "Report & sharing", "Settings")


@pytest.fixture
def folder(artifacts_folder: Path | None) -> Path | None:
    if artifacts_folder is None:
        return None
    path = artifacts_folder / "engagement-sections"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check(page: Any, folder: Path | None, name: str) -> None:
    """axe at 1280 and 360 px; no id twice; no sideways scroll; a screenshot of each."""
    twice = page.evaluate(
        "() => { const seen = {}; for (const e of document.querySelectorAll('[id]'))"
        " seen[e.id] = (seen[e.id] || 0) + 1;"
        " return Object.keys(seen).filter(k => seen[k] > 1); }"
    )
    assert twice == [], f"{name}: ids used twice: {twice}"
    for label, size in (("1280", DESKTOP), ("360", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {label} px by {overflow} px"
        if folder is not None:
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _flash_in_view(page: Any) -> None:
    box = page.locator(".flash").first.bounding_box()
    assert box is not None and 0 <= box["y"] < DESKTOP["height"], box


@pytest.mark.slow
def test_the_sections_settings_next_wave_and_delete(
    page: Any, live_server: Any, folder: Path | None
) -> None:
    live_server.consultant()
    live_server.sign_in(page)
    engagement = live_server.engagement(name="Baseline 2026")
    base = f"{live_server.url}/engagements/{engagement['id']}"
    page.goto(base)
    for number, title in enumerate(SECTIONS, start=1):
        nav = page.get_by_role("navigation", name="Engagement sections")
        with page.expect_navigation():
            nav.get_by_role("link", name=title, exact=True).click()
        assert nav.get_by_role("link", name=title, exact=True).get_attribute(
            "aria-current") == "page"
        slug = title.lower().replace(" & ", "-")
        _check(page, folder, f"{number:02d}-{slug}")

    # An old link to a panel (before the sections) opens the section that holds it.
    page.goto(f"{base}#share-links")
    page.wait_for_url("**?tab=report#share-links")
    assert page.locator("#share-links").is_visible()
    page.goto(f"{base}?tab=settings")

    # Settings: a save lands on the section with its confirmation in view.
    page.get_by_label("Engagement name").fill("Baseline 2026 (all staff)")
    page.get_by_label("Anonymity threshold (smallest group shown)").fill("6")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    assert "Settings saved" in page.locator(".flash").first.inner_text()
    _flash_in_view(page)
    _check(page, folder, "06-settings-saved")

    # Close asks first; reopen.
    page.goto(base)
    with page.expect_navigation():
        page.get_by_role("link", name="Close…").click()
    assert "refuse answers" in page.locator("main").inner_text()
    _check(page, folder, "07-close-confirmation")
    with page.expect_navigation():
        page.get_by_role("button", name="Close the engagement").click()
    assert "The engagement is now closed." in page.locator(".flash").first.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Reopen for responses").click()
    assert "The engagement is now open." in page.locator(".flash").first.inner_text()

    # A report setting saved: on its section, in view.
    page.goto(f"{base}?tab=report")
    page.get_by_label("Prepared by").fill("Dana Smith")
    with page.expect_navigation():
        page.get_by_role("button", name="Save report settings").click()
    assert page.url.endswith("?tab=report")
    _flash_in_view(page)
    _check(page, folder, "08-report-settings-saved")

    # The next wave, named on the form.
    page.goto(f"{base}?tab=settings")
    assert page.get_by_label("Name of the next wave").input_value() == (
        "Baseline 2026 (all staff) (next wave)")
    page.get_by_label("Name of the next wave").fill("Follow-up 2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the next wave").click()
    assert "is the next wave of Baseline 2026 (all staff)" in page.locator(".flash").inner_text()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Follow-up 2027")
    _check(page, folder, "09-next-wave-created")

    # Deleting the first: the name typed exactly.
    page.goto(f"{base}/delete")
    _check(page, folder, "10-delete-confirmation")
    field = page.get_by_label("Type the engagement's name to confirm")
    field.fill("Baseline 2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Delete Baseline 2026 (all staff) and all it holds").click()
    assert "type it exactly" in page.locator("main").inner_text()
    page.get_by_label("Type the engagement's name to confirm").fill("Baseline 2026 (all staff)")
    with page.expect_navigation():
        page.get_by_role("button", name="Delete Baseline 2026 (all staff) and all it holds").click()
    assert page.url.rstrip("/") == live_server.url
    assert "Baseline 2026 (all staff) is deleted" in page.locator(".flash").first.inner_text()
    _flash_in_view(page)
    _check(page, folder, "11-deleted-dashboard")
