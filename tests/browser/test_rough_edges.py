"""Rough edges a consultant met, in a real browser: each label ticks its own box, an
engagement nobody has answered offers no empty report, and a server without e-mail
says so in the consultant's words. Screenshots (ASSESS_TEST_ARTIFACTS=1) go to
``test-artifacts/rough-edges/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE, assert_accessible

pytestmark = pytest.mark.browser

CONSULTANT = "dana@northwind.test"
PASSWORD = "correct-horse-battery"


def _both_widths(page: Any, folder: Path | None, name: str) -> None:
    """axe at 1280 and 360 px, no sideways scroll, and a screenshot of each."""
    for width, size in (("1280", DESKTOP), ("360", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
            ".slice(0, 6).map(e => e.tagName + '.' + e.className + '#' + e.id)"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width} px by {overflow} px: {wide}"
        if folder is not None:
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_labels_tick_their_own_box_and_empty_engagements_explain_themselves(
    page: Any, live_server: Any, artifacts_folder: Path | None
) -> None:
    folder = None
    if artifacts_folder is not None:
        folder = artifacts_folder / "rough-edges"
        folder.mkdir(parents=True, exist_ok=True)

    live_server.consultant(CONSULTANT, PASSWORD, name="Dana Smith", verified=True)
    draft = live_server.engagement(status="draft", name="Spring 2027")
    opened = live_server.engagement(name="Autumn 2026")
    live_server.personal_links(opened["id"], "staff", 2)
    url = live_server.url
    live_server.sign_in(page, CONSULTANT, PASSWORD)

    # -- nothing to report: no buttons to a PDF of empty sections -----------------------
    page.goto(f"{url}/engagements/{draft['id']}")
    notice = page.get_by_test_id("nothing-to-report")
    assert "Nothing to report yet" in notice.inner_text()
    assert page.locator("a[href$='report.pdf']").count() == 0
    _both_widths(page, folder, "draft-overview")
    page.goto(f"{url}/engagements/{draft['id']}/report.pdf")
    assert page.locator("h1").inner_text() == "Nothing to report yet"
    _both_widths(page, folder, "draft-pdf-route")

    # -- the links panel: the withdraw label ticks the withdraw box ----------------------
    page.goto(f"{url}/engagements/{opened['id']}?tab=respondents")
    panel = page.locator("#links-staff")
    panel.get_by_text("Replace the open link").click()
    panel.get_by_text("Withdraw unused personal links").click()
    replace = panel.locator("#staff-replace-confirm")
    withdraw = panel.locator("#staff-withdraw-confirm")
    panel.locator("label[for='staff-withdraw-confirm']").click()
    assert withdraw.is_checked() and not replace.is_checked()
    panel.locator("label[for='staff-replace-confirm']").click()
    assert replace.is_checked()
    # E-mail is off on the test server: said in the consultant's words.
    mail_off = page.get_by_test_id("mail-off")
    assert "ask your administrator" in mail_off.inner_text()
    assert "ASSESS_" not in page.inner_text("main")
    _both_widths(page, folder, "respondents-tab-mail-off")

    page.goto(f"{url}/engagements/{opened['id']}/respondents/staff/invitations")
    assert "ASSESS_" not in page.inner_text("main")
    _both_widths(page, folder, "invitations-mail-off")
