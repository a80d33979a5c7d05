"""A phone-sized screen, keyboard-only use, and the pages for links that do not work."""

from __future__ import annotations

import zlib
from typing import Any

import pytest

from tests.browser.flow import as_stored, start, stored_answers, walk_to_the_end
from tests.browser.support import PHONE, assert_accessible, new_context

pytestmark = pytest.mark.browser


def _no_sideways_scrolling(page: Any) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide in a {widths[1]}px screen"


@pytest.mark.slow
def test_a_customer_answers_on_a_360_pixel_phone(browser: Any, live_server, shots):
    engagement = live_server.engagement()
    phone = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        page.goto(engagement["links"]["customer"])
        _no_sideways_scrolling(page)
        start(page, engagement["links"]["customer"], shots, "phone")

        def stacked(page: Any) -> None:
            _no_sideways_scrolling(page)
            if page.locator(".matrix").count():
                # Phones get a stacked list: every answer with its own visible label.
                assert not page.locator(".matrix-head").first.is_visible()
                assert page.locator("fieldset.rated .point-label").first.is_visible()
            box = page.locator('button[value="next"], button[value="submit"]').bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

        answers = walk_to_the_end(page, shots, "phone", on_page=stacked)
        _no_sideways_scrolling(page)
    finally:
        phone.close()
    assert stored_answers(live_server, engagement["id"]) == [as_stored(answers)]


def _focused(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          const style = getComputedStyle(e);
          return {tag: e.tagName, type: e.type || '', name: e.name || '', value: e.value || '',
                  text: (e.textContent || '').trim(),
                  outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
        }"""
    )


def _tab_to(page: Any, wanted: Any, limit: int = 25) -> dict[str, Any]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            return focused
    raise AssertionError("the keyboard never reached the control")


def _checked(page: Any, name: str) -> str | None:
    return page.evaluate(
        "(name) => { const r = document.querySelector(`input[name='${name}']:checked`);"
        " return r ? r.value : null; }",
        name,
    )


@pytest.mark.slow
def test_the_whole_questionnaire_can_be_answered_with_the_keyboard_alone(
    page: Any, live_server, shots
):
    engagement = live_server.engagement()
    page.goto(engagement["links"]["customer"])
    start_button = _tab_to(page, lambda f: f["text"] == "Start")
    assert start_button["tag"] == "A" and start_button["outline"], "focus must show"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    answers: dict[str, str] = {}
    for _ in range(10):
        assert "/page/" in page.url
        groups: dict[str, list[str]] = page.evaluate(
            """() => { const g = {};
              for (const r of document.querySelectorAll('form.questionnaire input[type=radio]'))
                (g[r.name] = g[r.name] || []).push(r.value);
              return g; }"""
        )
        for name, values in groups.items():
            focused = _tab_to(page, lambda f, name=name: f["name"] == name)
            assert focused["outline"], f"no visible focus on {name}"
            target = values[zlib.crc32(name.encode()) % len(values)]
            if focused["value"] == target:
                page.keyboard.press("Space")
            for _ in range(len(values) + 1):
                if _checked(page, name) == target:
                    break
                page.keyboard.press("ArrowDown")
            assert _checked(page, name) == target
            answers[name] = target
        for area in page.locator("form.questionnaire textarea").all():
            name = area.get_attribute("name")
            _tab_to(page, lambda f, name=name: f["name"] == name)
            page.keyboard.type("Typed with the keyboard.")
            answers[name] = "Typed with the keyboard."
        shots(page, f"keyboard page {int(page.url.rsplit('/', 1)[-1]) + 1}")
        button = _tab_to(page, lambda f: f["tag"] == "BUTTON")
        assert button["value"] in ("next", "submit") and button["outline"]
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if page.url.endswith("/thanks"):
            break
    assert page.get_by_role("heading", name="Thank you").is_visible()
    shots(page, "keyboard thank you")
    assert stored_answers(live_server, engagement["id"]) == [as_stored(answers)]


def test_links_that_do_not_work_get_clear_accessible_pages(browser: Any, live_server, shots):
    closed = live_server.engagement(status="closed", name="Last year")
    draft = live_server.engagement(status="draft", name="Next year")
    context = new_context(browser)
    try:
        page = context.new_page()
        cases = [
            (f"{live_server.url}/r/{'x' * 43}", 404, "This link does not work", "unknown link"),
            (f"{live_server.url}/r/short", 404, "This link does not work", "malformed link"),
            (closed["links"]["staff"], 404, "This questionnaire is not available", "closed"),
            (draft["links"]["staff"], 404, "This questionnaire is not available", "draft"),
        ]
        for url, status, heading, step in cases:
            response = page.goto(url)
            assert response.status == status
            assert page.get_by_role("heading", name=heading).is_visible()
            assert_accessible(page)
            shots(page, step)
    finally:
        context.close()
