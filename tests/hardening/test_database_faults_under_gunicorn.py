"""Database faults against the real server: gunicorn, started with
``-c python:assess.gunicorn_config`` on a loopback port, with a small worker timeout
and short database waits, and the fault-injection hook on (assess/faults.py).

- a worker killed (SIGKILL) mid-submission: nothing half-written, and the respondent
  resumes with the same cookie and submits;
- PostgreSQL connections terminated while respondents answer: every request
  succeeds or gets a 503, and everyone finishes with the answers they gave;
- a lock held past the timeout: a 503 at once, not a killed worker; service resumes
  when the lock goes.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.faults import HEADER, KILL_BEFORE_COMMIT
from assess.respondents.models import Answer, Response, ResponseStatus, SpentKey
from tests.hardening.locks import held_lock, pg_connect
from tests.respondents.conftest import count, fill, open_token, submitted
from tests.results.helpers import assert_codes_match_answers

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
START = re.compile(r'<a class="button" href="([^"]+)" data-testid="start">')
WORKER_TIMEOUT = 4  # seconds; the database waits below end well before it


class Reply:
    def __init__(self, status: int, headers: Any, body: str) -> None:
        self.status, self.headers, self.body = status, headers, body


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 302 is an answer to look at, as the test client gives it


class Browser:
    """One respondent's browser: its own cookies, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _KeepRedirects()
        )

    def send(self, path: str, form: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as reply:
                return Reply(reply.status, reply.headers, reply.read().decode())
        except urllib.error.HTTPError as error:  # 3xx, 4xx and 5xx arrive here
            return Reply(error.code, error.headers, error.read().decode())

    def form(self, path: str) -> tuple[str, dict[str, str]]:
        """The page at ``path`` and its CSRF token, as a form's hidden field."""
        page = self.send(path)
        assert page.status == 200, (path, page.status, page.body[:300])
        [token] = CSRF.findall(page.body)[:1]
        return page.body, {"csrf_token": token}


#: The server's connections to PostgreSQL carry this name, so that a test ends
#: those and no others.
SERVER_NAME = f"assess-gunicorn-test-{os.getpid()}"


def _named(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        return database_url
    joiner = "&" if "?" in database_url else "?"
    return f"{database_url}{joiner}application_name={SERVER_NAME}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gunicorn(make_app: Callable[..., Any], database_url: str, tmp_path: Path
             ) -> Iterator[tuple[Any, str, Path]]:
    """The app (for setting up and checking data) and the address of gunicorn serving
    the same database; gunicorn's log file."""
    app = make_app()
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "ASSESS_DATABASE_URL": _named(database_url),
        "ASSESS_SECRET_KEY": "gunicorn-test-secret",
        "ASSESS_INSTANCE_PATH": str(tmp_path / "served"),
        "ASSESS_BASE_URL": f"http://127.0.0.1:{port}",
        "ASSESS_WORKERS": "2",
        "ASSESS_WORKER_TIMEOUT": str(WORKER_TIMEOUT),
        "ASSESS_SQLITE_BUSY_TIMEOUT_MS": "1000",
        "ASSESS_DATABASE_LOCK_TIMEOUT_MS": "1000",
        "ASSESS_DATABASE_STATEMENT_TIMEOUT_MS": "2000",
        "ASSESS_DATABASE_CONNECT_TIMEOUT": "2",
        "ASSESS_FAULT_INJECTION": "true",
        "ASSESS_RATELIMIT_ENABLED": "false",  # every respondent here comes from 127.0.0.1
        # gunicorn 25+ opens a control socket there: one per server, not one per machine.
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:assess.gunicorn_config",
             "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if Browser(base).send("/login").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        with app.app_context():
            yield app, base, log
    finally:
        # Quick shutdown; then the whole group it leads (master and workers), which
        # this fixture started in a session of its own, without waiting for stragglers.
        server.send_signal(signal.SIGQUIT)
        try:
            server.wait(timeout=1)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _pages(browser: Browser, token: str) -> str:
    """Open the welcome page (it gives the resume cookie); Start's link: the first
    page's path."""
    welcome = browser.send(f"/r/{token}")
    assert welcome.status == 200, welcome.body[:300]
    [path] = START.findall(welcome.body)[:1]
    return path


def _choose(offset: int) -> Callable[[str, list[str]], str]:
    def choose(name: str, values: list[str]) -> str:
        numbers = [v for v in values if v.lstrip("-").isdigit()]
        pool = numbers or values
        return pool[offset % len(pool)]

    return choose


def _answers(form: dict[str, str]) -> dict[str, int]:
    """The scale answers in a page's form, by item id (as stored)."""
    return {name.removeprefix("item-"): int(value) for name, value in form.items()
            if name.startswith("item-") and value.lstrip("-").isdigit()}


def test_a_worker_killed_mid_submission_leaves_nothing_half_written(gunicorn, make_engagement):
    app, base, log = gunicorn
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    browser = Browser(base)
    path = _pages(browser, token)
    while True:
        html, form = browser.form(path)
        last = 'value="submit"' in html
        sent = {**form, **fill(html), "action": "submit" if last else "next"}
        if last:
            break
        moved = browser.send(path, sent)
        assert moved.status == 302, moved.body[:300]
        path = urllib.parse.urlsplit(moved.headers["Location"]).path

    # The worker dies with the whole submission written but not committed.
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        browser.send(path, sent, headers={HEADER: KILL_BEFORE_COMMIT})
    db.session.expire_all()
    [response] = db.session.scalars(select(Response)).all()
    assert response.status == ResponseStatus.IN_PROGRESS and response.answer_codes is None
    assert count(SpentKey) == 0 and submitted() == 0
    assert count(Answer) > 0  # the pages finished before the last one are there
    db.session.rollback()  # this test's reads must not hold SQLite's write lock

    # The respondent comes back with the same cookie: resumes, and submits.
    welcome = browser.send(f"/r/{token}")
    assert welcome.status == 200 and "Continue where you left off" in welcome.body
    html, form = browser.form(path)
    done = browser.send(path, {**form, **fill(html), "action": "submit"})
    assert done.status == 302 and done.headers["Location"].endswith("/thanks"), done.body[:300]
    assert browser.send(f"/r/{token}/thanks").status == 200
    db.session.expire_all()
    assert submitted() == 1 and count(Response) == 1
    assert assert_codes_match_answers(engagement) == 1
    assert "WORKER TIMEOUT" not in log.read_text()


@pytest.fixture
def postgresql_only(database_url: str) -> str:
    """Before the server starts: skipped on SQLite, which has no connections to end."""
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL connections")
    return database_url


def test_terminated_postgresql_connections_cost_at_most_a_503(postgresql_only, gunicorn,
                                                             make_engagement):
    database_url = postgresql_only
    app, base, log = gunicorn
    engagement = make_engagement()
    token = open_token(engagement, "customer")
    respondents = 4
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    sent_answers: list[dict[str, int]] = []
    finished = threading.Event()

    def send(browser: Browser, path: str, form: dict[str, str] | None = None) -> Reply:
        """A person who gets the 503 page tries again, as it asks."""
        for _ in range(50):
            reply = browser.send(path, form)
            statuses[reply.status] += 1
            if reply.status != 503:
                return reply
            time.sleep(0.2)
        raise AssertionError(f"{path} answered 503 for ten seconds")

    def respond(number: int) -> None:
        try:
            browser = Browser(base)
            welcome = send(browser, f"/r/{token}")
            assert welcome.status == 200, (welcome.status, welcome.body[:300])
            [path] = START.findall(welcome.body)[:1]
            answers: dict[str, int] = {}
            for _ in range(40):
                page = send(browser, path)
                assert page.status == 200, (path, page.status)
                last = 'value="submit"' in page.body
                form = {**fill(page.body, _choose(number)),
                        "csrf_token": CSRF.findall(page.body)[0],
                        "action": "submit" if last else "next"}
                answers.update(_answers(form))
                busy_before = statuses[503]
                moved = send(browser, path, form)
                if last and moved.status == 409 and statuses[503] > busy_before:
                    # The submission's COMMIT arrived but its answer was lost with the
                    # connection (a 503); sent again, it is refused as already done.
                    assert "Already submitted" in moved.body
                    sent_answers.append(answers)
                    return
                assert moved.status == 302, (path, moved.status, moved.body[:200])
                path = urllib.parse.urlsplit(moved.headers["Location"]).path
                if path.endswith("/thanks"):
                    sent_answers.append(answers)
                    return
            raise AssertionError("the questionnaire never ended")
        except Exception as error:  # noqa: BLE001 - reported by the test thread
            problems.append(repr(error))

    terminated = 0

    def terminate() -> None:
        """Every 0.2 s, end every connection of the server (by its application name:
        only those; in the select list, so only the rows the WHERE kept)."""
        nonlocal terminated
        with pg_connect(database_url) as admin:
            while not finished.wait(0.2):
                terminated += sum(ended for (ended,) in admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = %s", (SERVER_NAME,)
                ))

    killer = threading.Thread(target=terminate)
    killer.start()
    threads = [threading.Thread(target=respond, args=(n,)) for n in range(respondents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    finished.set()
    killer.join()
    assert problems == []
    assert terminated > 0
    assert set(statuses) <= {200, 302, 409, 503}, statuses  # never a 500 or a dropped request
    # Service resumed by itself, and every respondent's answers are stored once.
    assert Browser(base).send(f"/r/{token}").status == 200
    db.session.expire_all()
    assert submitted() == respondents and count(Response) == respondents
    assert assert_codes_match_answers(engagement) == respondents
    stored = []
    for response_id in db.session.scalars(select(Response.id)):
        values = db.session.execute(
            select(Answer.item_id, Answer.value).where(Answer.response_id == response_id)
        ).all()
        stored.append({item: value for item, value in values if value is not None})
    key = sorted  # compare as multisets of answer sets
    assert key(map(repr, map(sorted, (a.items() for a in stored)))) == key(
        map(repr, map(sorted, (a.items() for a in sent_answers)))
    )


def test_a_lock_held_past_the_timeout_is_a_quick_503_not_a_killed_worker(
    gunicorn, make_engagement, database_url
):
    app, base, log = gunicorn
    token = open_token(make_engagement(), "staff")
    browser = Browser(base)
    path = _pages(browser, token)
    html, form = browser.form(path)
    sent = {**form, **fill(html), "action": "next"}
    with held_lock(database_url):
        replies = [browser.send(path, sent) for _ in range(2)]
    assert [r.status for r in replies] == [503] * 2, [r.body[:300] for r in replies]
    assert "Please try again in a minute" in replies[0].body
    assert replies[0].headers["Retry-After"] == "60"
    assert "WORKER TIMEOUT" not in log.read_text()
    moved = browser.send(path, sent)
    assert moved.status == 302, moved.body[:300]
    db.session.expire_all()
    assert count(Response) == 1
