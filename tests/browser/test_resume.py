"""Closing the browser mid-way loses nothing; an expired page says so politely."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.flow import (
    answer_page,
    as_stored,
    checked_values,
    press_next,
    start,
    stored_answers,
    walk_to_the_end,
)
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, assert_accessible, new_context

pytestmark = pytest.mark.browser


def _persistent(playwright_instance: Any, profile: Any) -> Any:
    """A browser with a profile on disk, as a person's own browser is."""
    return playwright_instance.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
        viewport=DESKTOP, locale="en-GB", bypass_csp=True,
    )


@pytest.mark.slow
def test_closing_the_browser_and_opening_the_link_again_resumes(
    playwright_instance: Any, live_server, shots, tmp_path
):
    engagement = live_server.engagement()
    link = engagement["links"]["customer"]
    profile = tmp_path / "profile"

    first = _persistent(playwright_instance, profile)
    page = first.new_page()
    start(page, link, shots, "first visit")
    about_you = answer_page(page)
    press_next(page)
    section_one = answer_page(page)
    shots(page, "first visit page 2 answered")
    press_next(page)
    assert page.url.endswith("/page/2")
    shots(page, "first visit page 3 then the browser closes")
    first.close()  # the whole browser: session cookies go, the resume cookie stays

    again = _persistent(playwright_instance, profile)
    try:
        page = again.new_page()
        page.goto(link)
        assert page.get_by_text("You stopped on page 3 of 6.").is_visible()
        assert_accessible(page)
        shots(page, "second visit welcome back")
        with page.expect_navigation():
            page.get_by_role("link", name="Continue where you left off").click()
        assert page.url.endswith("/page/2")
        with page.expect_navigation():
            page.get_by_role("button", name="Back").click()
        assert page.url.endswith("/page/1")
        assert checked_values(page) == section_one
        shots(page, "second visit earlier answers filled in")
        with page.expect_navigation():
            page.get_by_role("button", name="Back").click()
        assert checked_values(page) == about_you
        rest = walk_to_the_end(page, shots, "second visit")
    finally:
        again.close()
    [stored] = stored_answers(live_server, engagement["id"])
    assert stored == as_stored({**about_you, **section_one, **rest})


def test_a_personal_link_resumes_on_another_device(browser: Any, live_server, shots):
    engagement = live_server.engagement()
    [link] = live_server.personal_links(engagement["id"], "customer")

    laptop = new_context(browser)
    page = laptop.new_page()
    start(page, link, shots, "laptop")
    answer_page(page)
    press_next(page)
    section_one = answer_page(page)
    press_next(page)
    laptop.close()

    phone = new_context(browser, viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        page = phone.new_page()
        page.goto(link)
        assert page.get_by_text("You stopped on page 3 of 6.").is_visible()
        with page.expect_navigation():
            page.get_by_role("link", name="Continue where you left off").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Back").click()
        assert checked_values(page) == section_one
        shots(page, "phone earlier answers filled in")
    finally:
        phone.close()


def test_a_page_whose_form_token_no_longer_matches_saves_nothing_and_says_so(
    context: Any, page: Any, live_server, shots
):
    engagement = live_server.engagement()
    start(page, engagement["links"]["customer"], shots, "customer")
    answer_page(page)
    press_next(page)
    # A browser restart that kept the tab drops the session cookies: the resume
    # cookie stays, and the form's token is bound to it, so the page still saves.
    kept = [c for c in context.cookies() if not c.get("expires") or c["expires"] > 0]
    context.clear_cookies()
    context.add_cookies(kept)
    answer_page(page)
    press_next(page)
    assert page.get_by_text("Page 3 of 6").first.is_visible()
    # A form whose token does not match (made for another browser, or forged).
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'x'.repeat(64)")
    answer_page(page)
    press_next(page)
    assert page.get_by_role("heading", name="This page had expired").is_visible()
    assert_accessible(page)
    shots(page, "expired page")
    with page.expect_navigation():
        page.get_by_role("link", name="Continue the questionnaire").click()
    assert page.get_by_text("You stopped on page 3 of 6.").is_visible()
    shots(page, "welcome back after the expired page")
