"""Staff and customers answer the whole default questionnaire in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.flow import as_stored, start, stored_answers, walk_to_the_end
from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.slow
def test_a_staff_member_answers_the_whole_questionnaire(page: Any, live_server, shots):
    engagement = live_server.engagement()
    start(page, engagement["links"]["staff"], shots, "staff")

    def wide_grid(page: Any) -> None:
        if page.locator(".matrix").count() == 0:
            return
        # Wide screen: one row per statement, the scale's labels once above them.
        assert page.locator(".matrix-head").first.is_visible()
        first = page.locator("fieldset.rated").first
        tops = {round(box["y"]) for box in (
            r.bounding_box() for r in first.locator("input[type=radio]").all()
        ) if box}
        assert len(tops) == 1, "the answers of one statement should sit on one row"

    answers = walk_to_the_end(page, shots, "staff", on_page=wide_grid)
    assert page.get_by_role("heading", name="Thank you").is_visible()
    assert stored_answers(live_server, engagement["id"]) == [as_stored(answers)]


@pytest.mark.slow
def test_a_customer_answers_with_a_personal_link(page: Any, live_server, shots):
    engagement = live_server.engagement()
    [link] = live_server.personal_links(engagement["id"], "customer")
    start(page, link, shots, "customer")
    answers = walk_to_the_end(page, shots, "customer")
    assert stored_answers(live_server, engagement["id"]) == [as_stored(answers)]

    # The same link again: already submitted, nothing more accepted.
    page.goto(link)
    assert page.get_by_role("heading", name="Already submitted").is_visible()
    assert_accessible(page)
    shots(page, "customer link used again")
