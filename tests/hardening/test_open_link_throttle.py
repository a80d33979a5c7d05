"""Bursts of submissions through an open link, throttled per source (issue #16).

Every submission here comes from a fresh cookie jar (a new test client), as the
script in the issue sent them. The limiter's clock (its memory storage's) and
the throttle's day are moved by :class:`Clock` instead of sleeping a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import limits.storage.memory
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.engagements.services import snapshot_of
from assess.extensions import db, limiter
from assess.instruments.schema import Audience, Instrument
from assess.respondents import pages, throttle
from assess.respondents.models import Comment, Link, Response, ResponseStatus
from tests.respondents.conftest import link_for, open_token, personal_tokens, submitted

OFFICE = "198.51.100.20"  # one address for a whole office (or a script)
ELSEWHERE = "203.0.113.9"


class Clock:
    """The time the limiter's memory storage and the throttle's day key read."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moved = Clock(1_900_000_000.0)  # a fixed moment, far from a day's boundary
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=moved.time))
    monkeypatch.setattr(throttle, "_now", moved.time)
    yield moved


def _throttle_app(make_app: Any, **config: Any) -> Iterator[Flask]:
    app = make_app(**config)
    with app.app_context():
        yield app


@pytest.fixture
def app(make_app: Any) -> Iterator[Flask]:
    """The app with a small limit, so a burst is a few requests (the default is 20)."""
    yield from _throttle_app(make_app, OPEN_LINK_SUBMISSIONS_PER_MINUTE=3)


def _last_page(engagement: Any, audience: str = "staff") -> int:
    return len(pages.pages_for(engagement.instrument(), Audience(audience))) - 1


def _respondent(app: Flask, address: str, forwarded_for: str | None = None) -> FlaskClient:
    """A browser with a fresh cookie jar at ``address`` (or behind a proxy)."""
    environ = {"REMOTE_ADDR": address}
    if forwarded_for:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    browser = app.test_client()
    browser.environ_base.update(environ)
    return browser


def _submit(browser: FlaskClient, token: str, last: int, comment: str, *, start: bool = True
            ) -> Any:
    """Press Start (a new browser) and send the last page with Submit."""
    if start:
        assert browser.post(f"/r/{token}/start").status_code == 302
        # One rated answer: a response with none is no response (rule 1, amended).
        assert browser.post(f"/r/{token}/page/1",
                            data={"item-s_strat_plan": "4", "action": "next"}).status_code == 302
    return browser.post(
        f"/r/{token}/page/{last}",
        data={"open-s_open_change": comment, "action": "submit"},
    )


def _accepted(answer: Any) -> bool:
    return answer.status_code == 302 and answer.headers["Location"].endswith("/thanks")


def test_the_default_lets_twenty_through_a_minute_and_refuses_the_twenty_first(
    make_app: Any, make_engagement: Any, clock: Clock
) -> None:
    for app in _throttle_app(make_app):  # the default limit
        assert app.config["OPEN_LINK_SUBMISSIONS_PER_MINUTE"] == 20
        engagement = make_engagement()
        token, last = open_token(engagement), _last_page(engagement)
        for number in range(20):
            clock.advance(0.3)  # 20 in 6 s: the burst of the issue, twice over
            assert _accepted(_submit(_respondent(app, OFFICE), token, last, f"Answer {number}"))
        refused = _submit(_respondent(app, OFFICE), token, last, "The twenty-first")
        assert refused.status_code == 429
        assert submitted() == 20


def test_a_throttled_respondent_keeps_every_answer_and_submits_after_a_minute(
    app: Flask, make_engagement: Any, clock: Clock
) -> None:
    engagement = make_engagement()
    token, last = open_token(engagement), _last_page(engagement)
    for number in range(3):
        assert _accepted(_submit(_respondent(app, OFFICE), token, last, f"Answer {number}"))

    browser = _respondent(app, OFFICE)
    refused = _submit(browser, token, last, "Please keep this one")
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Not submitted yet: please try again in a minute" in html
    assert "Everything you answered is saved" in html
    assert ">Please keep this one</textarea>" in html  # the same page, filled in
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Kept: in progress, on the last page, with its comment.
    waiting = db.session.scalars(
        select(Response).where(Response.status == ResponseStatus.IN_PROGRESS)
    ).one()
    assert waiting.page == last
    assert [c.text for c in db.session.scalars(
        select(Comment).where(Comment.response_id == waiting.id))] == ["Please keep this one"]
    assert submitted() == 3

    clock.advance(30)  # still within the minute: still refused, still kept
    assert _submit(browser, token, last, "Please keep this one", start=False).status_code == 429
    clock.advance(31)  # the minute is over
    again = _submit(browser, token, last, "Please keep this one", start=False)
    assert _accepted(again)
    assert submitted() == 4
    assert "Please keep this one" in db.session.scalars(select(Comment.text)).all()
    db.session.expire_all()
    assert link_for(token).throttled == 2


def test_another_source_is_not_affected(app: Flask, make_engagement: Any, clock: Clock) -> None:
    engagement = make_engagement()
    token, last = open_token(engagement), _last_page(engagement)
    for _ in range(3):
        assert _accepted(_submit(_respondent(app, OFFICE), token, last, "Fine"))
    assert _submit(_respondent(app, OFFICE), token, last, "Fine").status_code == 429
    for _ in range(3):
        assert _accepted(_submit(_respondent(app, ELSEWHERE), token, last, "Fine"))
    # Nor is the other audience's open link from the same address.
    customer_token, customer_last = open_token(engagement, "customer"), _last_page(
        engagement, "customer")
    browser = _respondent(app, OFFICE)
    assert browser.post(f"/r/{customer_token}/start").status_code == 302
    assert browser.post(f"/r/{customer_token}/page/1",
                        data={"item-c_ease_easy": "4", "action": "next"}).status_code == 302
    sent = browser.post(f"/r/{customer_token}/page/{customer_last}",
                        data={"open-c_open_change": "Fine", "action": "submit"})
    assert _accepted(sent), sent.get_data(as_text=True)[:300]


def test_an_office_answering_at_a_normal_pace_is_never_throttled(
    make_app: Any, make_engagement: Any, clock: Clock
) -> None:
    for app in _throttle_app(make_app):  # 20 a minute
        engagement = make_engagement()
        token, last = open_token(engagement), _last_page(engagement)
        for number in range(45):  # 20 a minute, evenly, for over two minutes
            assert _accepted(_submit(_respondent(app, OFFICE), token, last, f"Answer {number}"))
            clock.advance(3)
        assert submitted() == 45
        assert link_for(token).throttled == 0


def test_personal_links_are_not_throttled(app: Flask, make_engagement: Any, clock: Clock) -> None:
    engagement = make_engagement()
    last = _last_page(engagement)
    for token in personal_tokens(engagement, count=5):
        assert _accepted(_submit(_respondent(app, OFFICE), token, last, "Fine"))
    assert submitted() == 5


def test_behind_a_trusted_proxy_each_client_is_its_own_source(
    make_app: Any, make_engagement: Any, clock: Clock
) -> None:
    for app in _throttle_app(make_app, OPEN_LINK_SUBMISSIONS_PER_MINUTE=3, TRUSTED_PROXIES=1):
        engagement = make_engagement()
        token, last = open_token(engagement), _last_page(engagement)
        proxy = "10.0.0.1"
        for _ in range(3):
            assert _accepted(_submit(_respondent(app, proxy, OFFICE), token, last, "Fine"))
        assert _submit(_respondent(app, proxy, OFFICE), token, last, "Fine").status_code == 429
        assert _accepted(_submit(_respondent(app, proxy, ELSEWHERE), token, last, "Fine"))


def test_the_message_is_in_the_respondent_s_language(
    app: Flask, make_engagement: Any, clock: Clock
) -> None:
    engagement = make_engagement()
    data = engagement.instrument().snapshot()
    data["languages"] = ["en", "de"]  # German page furniture (texts.py); questions fall back
    engagement.snapshot = snapshot_of(Instrument.from_snapshot(data))
    db.session.commit()
    token, last = open_token(engagement), _last_page(engagement)
    for _ in range(3):
        assert _accepted(_submit(_respondent(app, OFFICE), token, last, "Gut"))
    browser = _respondent(app, OFFICE)
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    refused = _submit(browser, token, last, "Gut")
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Bitte versuchen Sie es in einer Minute erneut" in html
    assert "Alles, was Sie beantwortet haben, ist gespeichert" in html


def test_the_limiter_keeps_no_address_and_no_token(
    app: Flask, make_engagement: Any, clock: Clock
) -> None:
    engagement = make_engagement()
    token, last = open_token(engagement), _last_page(engagement)
    for _ in range(4):
        _submit(_respondent(app, OFFICE), token, last, "Fine")
    stored = " ".join(str(key) for key in limiter.storage.storage)  # type: ignore[attr-defined]
    assert throttle.SCOPE in stored  # the counts are there...
    assert OFFICE not in stored and token not in stored  # ...but not who sent them
    link = link_for(token)
    secret = str(app.config["SECRET_KEY"])
    today = throttle.source_key(link, OFFICE, secret, at=clock.now)
    assert today in stored
    # The key changes every day and with the secret key.
    assert throttle.source_key(link, OFFICE, secret, at=clock.now + 86_400) != today
    assert throttle.source_key(link, OFFICE, "another secret", at=clock.now) != today


def test_the_consultant_sees_how_many_were_throttled(
    app: Flask, make_engagement: Any, make_user: Any, auth: Any, clock: Clock
) -> None:
    engagement = make_engagement()
    token, last = open_token(engagement), _last_page(engagement)
    user = make_user()
    auth.login(user.email)
    consultant = app.test_client()
    consultant.post("/login", data={"email": user.email, "password": "correct-horse"})
    before = consultant.get(f"/engagements/{engagement.id}?tab=respondents").get_data(as_text=True)
    assert "submissions throttled" not in before  # shown only when there were some
    for _ in range(6):
        _submit(_respondent(app, OFFICE), token, last, "Fine")
    db.session.expire_all()
    counted = select(Link.throttled).where(Link.id == link_for(token).id)
    assert db.session.scalars(counted).one() == 3
    page = consultant.get(f"/engagements/{engagement.id}?tab=respondents").get_data(as_text=True)
    assert "3 submissions throttled (too many from one source in a minute" in page


def test_a_failing_limiter_storage_lets_submissions_through(
    app: Flask, make_engagement: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis down: answers matter more than the throttle (no 500, nothing refused)."""

    def unreachable(*args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("the limiter's storage is unreachable")

    monkeypatch.setattr(limiter.limiter, "hit", unreachable)
    engagement = make_engagement()
    token, last = open_token(engagement), _last_page(engagement)
    for _ in range(5):
        assert _accepted(_submit(_respondent(app, OFFICE), token, last, "Fine"))
    assert submitted() == 5
