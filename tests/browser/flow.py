"""Answering the questionnaire in the browser, page by page, as a person would."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tests.browser.support import LiveServer, Shots, assert_accessible

Choose = Callable[[str, list[str]], str]


def varied(name: str, values: list[str]) -> str:
    """A different but repeatable answer per question, now and then "don't know"."""
    return values[zlib.crc32(name.encode()) % len(values)]


def radio_groups(page: Any) -> dict[str, list[str]]:
    return page.evaluate(
        """() => {
          const groups = {};
          for (const r of document.querySelectorAll('form.questionnaire input[type=radio]')) {
            (groups[r.name] = groups[r.name] || []).push(r.value);
          }
          return groups;
        }"""
    )


def checked_values(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries(
          [...document.querySelectorAll('form.questionnaire input[type=radio]:checked')]
            .map(r => [r.name, r.value]))"""
    )


def answer_page(page: Any, choose: Choose = varied, comment: str = "") -> dict[str, str]:
    chosen: dict[str, str] = {}
    for name, values in radio_groups(page).items():
        value = choose(name, values)
        # force: skip Playwright's waiting for animations; still a real mouse click.
        page.check(f'input[name="{name}"][value="{value}"]', force=True)
        chosen[name] = value
    for area in page.locator("form.questionnaire textarea").all():
        text = comment or "Answer the phone faster."
        area.fill(text)
        chosen[area.get_attribute("name") or ""] = text
    return chosen


def press_next(page: Any) -> None:
    button = page.locator('button[value="next"], button[value="submit"]')
    with page.expect_navigation():
        button.click()


def start(page: Any, url: str, shots: Shots, label: str) -> None:
    page.goto(url)
    assert_accessible(page)
    shots(page, f"{label} welcome")
    with page.expect_navigation():
        page.get_by_role("link", name="Start").click()


def walk_to_the_end(
    page: Any, shots: Shots, label: str, choose: Choose = varied,
    on_page: Callable[[Any], None] | None = None,
) -> dict[str, str]:
    """From the current questionnaire page to the thank-you page; every answer given."""
    answers: dict[str, str] = {}
    for _ in range(30):
        assert "/page/" in page.url, page.url
        assert_accessible(page)
        number = page.url.rsplit("/", 1)[-1]
        if on_page:
            on_page(page)
        answers.update(answer_page(page, choose))
        shots(page, f"{label} page {int(number) + 1}")
        press_next(page)
        if page.url.endswith("/thanks"):
            assert_accessible(page)
            shots(page, f"{label} thank you")
            return answers
    raise AssertionError("the questionnaire never ended")


def stored_answers(live: LiveServer, engagement_id: int) -> list[dict[str, str]]:
    """Each submitted response of the engagement as form values."""

    def read() -> list[dict[str, str]]:
        from assess.extensions import db
        from assess.respondents.models import Response, ResponseStatus
        from assess.respondents.pages import saved_values

        responses = db.session.scalars(
            select(Response).where(
                Response.engagement_id == engagement_id,
                Response.status == ResponseStatus.SUBMITTED,
            )
        ).all()
        return [saved_values(r) for r in responses]

    return live.run(read)


def as_stored(answers: dict[str, str]) -> dict[str, str]:
    """What the server keeps of a set of form answers: "prefer not to say" is nothing."""
    return {k: v for k, v in answers.items() if v != ""}
