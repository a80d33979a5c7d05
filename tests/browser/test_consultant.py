"""The consultant's walking skeleton in the browser: sign in, create, open, copy links."""

from __future__ import annotations

import csv
from typing import Any

import pytest

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.slow
def test_consultant_creates_an_engagement_and_copies_its_links(
    context: Any, page: Any, live_server, shots
):
    live_server.consultant()
    live_server.sign_in(page)

    page.goto(f"{live_server.url}/engagements/new")
    page.get_by_label("Organisation (the client)").fill("Fabrikam Foods")
    page.get_by_label("Engagement name").fill("Baseline 2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Create engagement").click()
    shots(page, "engagement created as a draft")
    with page.expect_navigation():
        page.get_by_role("button", name="Open for responses").click()
    with page.expect_navigation():  # the links are in the page's Respondents section
        page.get_by_role("navigation", name="Engagement sections").get_by_role(
            "link", name="Respondents").click()

    panel = page.locator(".links-panel")
    assert_accessible(page, ".links-panel")
    shots(page, "engagement open with its links")

    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    staff_link = page.get_by_test_id("open-link-staff").input_value()
    assert staff_link.startswith(f"{live_server.url}/r/")
    panel.locator('[data-copy-target="open-link-staff"]').click()
    assert page.evaluate("() => navigator.clipboard.readText()") == staff_link
    assert panel.locator('[data-copy-target="open-link-staff"]').inner_text() == "Copied"

    page.get_by_label("How many personal links").first.fill("3")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download personal links for staff (CSV)").click()
    path = download_info.value.path()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 and {r["audience"] for r in rows} == {"staff"}

    respondent = context.browser.new_context(bypass_csp=True)
    try:
        other = respondent.new_page()
        for url in (staff_link, rows[0]["link"]):
            assert other.goto(url).status == 200
            assert other.get_by_role("link", name="Start").is_visible()
        shots(other, "a copied link opens the questionnaire")
    finally:
        respondent.close()
    page.reload()
    assert "Personal links issued" in panel.inner_text()
    shots(page, "panel counts the personal links")
