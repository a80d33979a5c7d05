"""In a real browser: import the wrong file and undo it; paste a list with mistyped
addresses into the invitation form (issue 15). axe-core at 1280 and 360 px on the
changed panel and pages; screenshots in test-artifacts/import-undo/ with
``ASSESS_TEST_ARTIFACTS=1``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE, assert_accessible

WRONG_FILE = (
    "respondent,customer_length,c_ease_easy,c_recommend,c_open_change\n"
    "w1,1_3y,1,0,Meant for another client\n"
    "w2,,2,3,\n"
    "w3,1_3y,,,Only a comment\n"
)


def _both_widths(page: Any, folder: Path | None, name: str, selector: str | None = None) -> None:
    """axe at 1280 and 360 px; no sideways scroll at 360; a screenshot of each."""
    for label, size in (("1280", DESKTOP), ("360", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page, selector)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
            ".slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + "
            "Math.round(e.getBoundingClientRect().right) + ' in ' + "
            "(e.closest('section') || {}).getAttribute?.('aria-labelledby'))"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {label} px by {overflow} px: {wide}"
        if folder is not None:
            target = page.locator(selector) if selector else page
            options = {} if selector else {"full_page": True}
            target.screenshot(path=str(folder / f"{name}-{label}.png"), **options)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def folder(artifacts_folder: Path | None) -> Path | None:
    if artifacts_folder is None:
        return None
    path = artifacts_folder / "import-undo"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.slow
def test_import_the_wrong_file_and_undo_it(page: Any, live_server: Any, tmp_path: Path,
                                           folder: Path | None) -> None:
    live_server.consultant()
    live_server.sign_in(page)
    engagement = live_server.engagement()
    base = f"{live_server.url}/engagements/{engagement['id']}?tab=data"  # its Data section
    page.goto(base)
    assert page.get_by_test_id("no-imports").is_visible()

    wrong = tmp_path / "fabrikam-customers.csv"
    wrong.write_text(WRONG_FILE, encoding="utf-8")
    page.get_by_label("Whose answers").select_option("customer")
    page.get_by_label("File").set_input_files(str(wrong))
    with page.expect_navigation():
        page.get_by_test_id("import-button").click()
    # The import runs as a job; its page refreshes itself until it is done.
    page.get_by_test_id("import-done").wait_for(timeout=30_000)
    body = page.locator("main").inner_text()
    assert "Imported 2 customer responses" in body
    assert "1 row with no rated answer skipped, as no response (row 4)" in body
    page.goto(base)

    table = page.get_by_test_id("imports")
    assert "fabrikam-customers.csv" in table.inner_text()
    assert "consultant@example.com" in table.inner_text()
    _both_widths(page, folder, "01-import-panel", 'section[aria-labelledby="transfer-h"]')

    with page.expect_navigation():
        table.get_by_role("link", name="Remove the import of fabrikam-customers.csv").click()
    assert "2 customer responses" in page.get_by_test_id("remove-import-what").inner_text()
    _both_widths(page, folder, "02-remove-confirmation")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove 2 responses").click()
    assert page.get_by_text("Tick the box to confirm.").is_visible()  # nothing removed yet
    _both_widths(page, folder, "03-remove-unticked")
    page.get_by_label("I understand").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Remove 2 responses").click()
    assert page.url.rstrip("/") == base
    assert ("Removed the import of fabrikam-customers.csv: 2 customer responses deleted."
            in page.locator("main").inner_text())
    assert page.get_by_test_id("no-imports").is_visible()
    _both_widths(page, folder, "04-import-removed", 'section[aria-labelledby="transfer-h"]')


@pytest.mark.slow
def test_the_invitation_form_lists_each_mistyped_address(page: Any, live_server: Any,
                                                         folder: Path | None) -> None:
    # Sending configured (nothing is sent: the list is refused before any mail).
    live_server.app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9,
                                  SMTP_SENDER="survey@northwind.example")
    live_server.consultant()
    live_server.sign_in(page)
    engagement = live_server.engagement()
    page.goto(f"{live_server.url}/engagements/{engagement['id']}/respondents/customer/invitations")
    typed = "alice.acme.test, bob@acme.test, carol(at)acme.test"
    page.get_by_label("E-mail addresses").fill(typed)
    page.get_by_label("A note from you").fill("Please answer by Friday.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitations").click()
    problems = page.get_by_test_id("address-problems").inner_text()
    assert "Item 1, line 1: alice.acme.test has no @" in problems
    assert "Item 3, line 1: carol(at)acme.test has no @" in problems
    assert page.get_by_label("E-mail addresses").input_value() == typed
    assert page.get_by_label("A note from you").input_value() == "Please answer by Friday."
    _both_widths(page, folder, "05-invitations-refused")
