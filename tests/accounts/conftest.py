"""A fake clock for the tests of limits and expiry."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


class Clock:
    """``time.time`` under the test's control: Flask-Limiter's counters (the
    ``limits`` memory storage) and the session cookie's signature (itsdangerous)
    both read it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0) -> None:
        self.now += seconds + 60 * minutes + 3600 * hours


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock(time.time())
    monkeypatch.setattr(time, "time", fake.time)
    yield fake
