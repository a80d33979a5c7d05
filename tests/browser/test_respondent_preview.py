"""In a real browser (issue 15): a consultant previews the staff questionnaire of a
draft engagement from the links panel, meets the "no answer on this page" question,
"Finish later", the end of the preview and "Nothing was recorded"; nothing is stored.
axe-core at 1280 and 360 px on every kind of page; screenshots in
test-artifacts/respondent-preview/ with ``ASSESS_TEST_ARTIFACTS=1``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import Shots, check_both_widths

BANNER = "Preview — nothing you enter is saved"


@pytest.fixture
def preview_shots(artifacts_folder: Path | None) -> Shots:
    if artifacts_folder is None:
        return Shots(None)
    folder = artifacts_folder / "respondent-preview"
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder)


def _stored(live_server: Any) -> int:
    def rows() -> int:
        from sqlalchemy import func, select

        from assess.extensions import db
        from assess.respondents.models import Answer, Response, SpentKey

        return sum(
            db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Response, Answer, SpentKey)
        )

    return int(live_server.run(rows))


def _press(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


@pytest.mark.slow
def test_a_consultant_previews_the_questionnaire(page: Any, live_server: Any,
                                                 preview_shots: Shots) -> None:
    live_server.consultant()
    live_server.sign_in(page)
    engagement = live_server.engagement(status="draft")
    page.goto(f"{live_server.url}/engagements/{engagement['id']}?tab=respondents")
    with page.expect_navigation():
        page.get_by_test_id("preview-staff").click()
    assert page.get_by_test_id("preview-banner").inner_text() == BANNER
    check_both_widths(page, preview_shots, "welcome")

    with page.expect_navigation():
        page.get_by_test_id("preview-start").click()
    assert "Page 1 of" in page.locator("main").inner_text()
    check_both_widths(page, preview_shots, "about you")
    _press(page, "Next")

    # A page of statements sent on empty asks once.
    _press(page, "Next")
    assert page.get_by_test_id("empty-page").is_visible()
    assert page.get_by_test_id("preview-banner").is_visible()
    check_both_widths(page, preview_shots, "no answer on this page")
    page.locator("fieldset.rated").first.locator("label.point").first.click()
    _press(page, "Continue anyway")
    assert "Page 3 of" in page.locator("main").inner_text()

    # Finish later says how respondents come back.
    _press(page, "Finish later")
    assert "In this preview, nothing was saved." in page.locator("main").inner_text()
    check_both_widths(page, preview_shots, "finish later")
    with page.expect_navigation():
        page.get_by_role("link", name="Continue now").click()

    # On to the end, with a Back on the way: the answer on page 2 was kept.
    _press(page, "Back")
    assert page.locator("fieldset.rated").first.locator("input:checked").count() == 1
    while page.get_by_role("button", name="Submit my answers").count() == 0:
        _press(page, "Next")
        if page.get_by_test_id("empty-page").count():
            _press(page, "Continue anyway")
    check_both_widths(page, preview_shots, "last page")
    _press(page, "Submit my answers")
    assert page.get_by_role("heading", name="End of the preview").is_visible()
    check_both_widths(page, preview_shots, "end of the preview")

    # A preview with no rated answer ends like a live one: nothing recorded.
    last = page.url  # the end page was shown in answer to the last page's form
    page.goto(f"{live_server.url}/engagements/{engagement['id']}/respondents/staff/preview")
    page.goto(last)
    _press(page, "Submit my answers")
    assert page.get_by_role("heading", name="Nothing was recorded").is_visible()
    check_both_widths(page, preview_shots, "nothing recorded")
    assert _stored(live_server) == 0


@pytest.mark.slow
def test_finish_later_through_the_open_link_shows_the_link(page: Any, live_server: Any,
                                                           preview_shots: Shots) -> None:
    engagement = live_server.engagement()
    link = engagement["links"]["staff"]
    page.goto(link)
    with page.expect_navigation():
        page.get_by_role("link", name="Start", exact=True).click()
    _press(page, "Next")
    page.locator("fieldset.rated").first.locator("label.point").nth(3).click()
    _press(page, "Finish later")
    assert page.get_by_test_id("later-link").input_value() == link
    check_both_widths(page, preview_shots, "live finish later")
    page.goto(link)
    assert "You stopped on page 2" in page.locator("main").inner_text()
