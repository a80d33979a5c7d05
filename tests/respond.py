"""Answer a questionnaire through the real pages with the test client."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

RADIO = re.compile(r'<input type="radio" name="([^"]+)" value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea id="([^"]+)" name="([^"]+)"')
PAGE_PATH = re.compile(r"/r/[^/]+/page/\d+")


def choose_highest(name: str, values: list[str]) -> str:
    points = [v for v in values if v.lstrip("-").isdigit()]
    return max(points, key=int) if points else values[0]


def answer_questionnaire(
    client: FlaskClient,
    link: str,
    choose: Callable[[str, list[str]], str] = choose_highest,
    comment: str = "More people on the phones, please.",
    max_pages: int = 40,
) -> str:
    """Walk from the welcome page to the thank-you page; return the final page's HTML."""
    path = link.split("://", 1)[-1].split("/", 1)[1]
    path = "/" + path
    welcome = client.get(path)
    assert welcome.status_code == 200, welcome.get_data(as_text=True)
    started = client.post(f"{path}/start")
    assert started.status_code == 302
    location = started.headers["Location"]
    for _ in range(max_pages):
        page = client.get(location)
        assert page.status_code == 200, page.get_data(as_text=True)
        html = page.get_data(as_text=True)
        options: dict[str, list[str]] = {}
        for name, value in RADIO.findall(html):
            options.setdefault(name, []).append(value)
        form = {name: choose(name, values) for name, values in options.items()}
        for _id, name in TEXTAREA.findall(html):
            form[name] = comment
        action = "submit" if 'value="submit"' in html else "next"
        form["action"] = action
        posted = client.post(location, data=form)
        assert posted.status_code == 302, posted.get_data(as_text=True)
        location = posted.headers["Location"]
        if location.endswith("/thanks"):
            return client.get(location).get_data(as_text=True)
    raise AssertionError("the questionnaire never ended")
