"""Helpers for the respondent tests: links, forms as a browser would fill them."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links as respondent_links
from assess.respondents.models import Answer, Link, Response, ResponseStatus

RADIO = re.compile(r'<input type="radio" name="([^"]+)" value="([^"]*)"( checked)?')
TEXTAREA = re.compile(r'<textarea id="([^"]+)" name="([^"]+)"[^>]*>([^<]*)</textarea>')


def open_token(engagement: Any, audience: str = "staff") -> str:
    _link, token = respondent_links.open_link(engagement, Audience(audience))
    db.session.commit()
    return token


def personal_tokens(engagement: Any, audience: str = "staff", count: int = 1) -> list[str]:
    tokens = respondent_links.create_single_use_links(engagement, Audience(audience), count)
    db.session.commit()
    return tokens


def first_choice(name: str, values: list[str]) -> str:
    numbers = [v for v in values if v.lstrip("-").isdigit()]
    return numbers[0] if numbers else values[0]


def fill(html: str, choose: Callable[[str, list[str]], str] = first_choice,
         comment: str = "Keep the friendly staff.") -> dict[str, str]:
    """The form a respondent would send from this page's HTML."""
    groups: dict[str, list[str]] = {}
    for name, value, _checked in RADIO.findall(html):
        groups.setdefault(name, []).append(value)
    form = {name: choose(name, values) for name, values in groups.items()}
    for _id, name, _text in TEXTAREA.findall(html):
        form[name] = comment
    return form


def checked(html: str) -> dict[str, str]:
    """What a page shows as already answered."""
    values = {name: value for name, value, mark in RADIO.findall(html) if mark}
    for _id, name, text in TEXTAREA.findall(html):
        if text:
            values[name] = text
    return values


def start(client: FlaskClient, token: str) -> str:
    """Press Start; the path of the page it leads to."""
    started = client.post(f"/r/{token}/start")
    assert started.status_code == 302, started.get_data(as_text=True)
    return started.headers["Location"]


def answer(client: FlaskClient, token: str, number: int, action: str = "next",
           choose: Callable[[str, list[str]], str] = first_choice) -> Any:
    """Fill page ``number`` from its HTML and send it with ``action``."""
    path = f"/r/{token}/page/{number}"
    html = client.get(path).get_data(as_text=True)
    form = {**fill(html, choose), "action": action}
    return client.post(path, data=form)


def answer_pages(client: FlaskClient, token: str, count: int) -> None:
    """Start, then answer the first ``count`` pages with Next."""
    start(client, token)
    for number in range(count):
        sent = answer(client, token, number)
        assert sent.status_code == 302, sent.get_data(as_text=True)


def count(model: Any, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def submitted(engagement_id: int | None = None) -> int:
    conditions = [Response.status == ResponseStatus.SUBMITTED]
    if engagement_id is not None:
        conditions.append(Response.engagement_id == engagement_id)
    return count(Response, *conditions)


def link_for(token: str) -> Link:
    token_hash = respondent_links.hash_token(token)
    link = db.session.scalar(select(Link).where(Link.token_hash == token_hash))
    assert link is not None
    return link


def answers_of(response_id: int) -> dict[str, int | None]:
    return {
        a.item_id: a.value
        for a in db.session.scalars(select(Answer).where(Answer.response_id == response_id))
    }


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; their results, or raise the first error."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            errors.append(error)

    # The test thread's own session must not hold SQLite's write lock meanwhile.
    db.session.commit()
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def csrf_app(make_app: Callable[..., Flask]) -> Any:
    """The app with CSRF protection on, as in production."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
