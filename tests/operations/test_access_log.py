"""gunicorn's access log (assess/gunicorn_config.py, RedactingLogger): no token in a
path, query or Referer, no client address beyond its network, no cookie or header;
one JSON object a line with ``ASSESS_LOG_FORMAT=json``. Through gunicorn's logger API,
then (slow) through a real gunicorn serving the app."""

from __future__ import annotations

import importlib
import json
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from tests.hardening.test_database_faults_under_gunicorn import Browser, gunicorn  # noqa: F401
from tests.respondents.conftest import open_token

SECRET = "Zq9sEcReTtoKen42abc"
COOKIE = "session=eyJjc3JmX3Rva2VuIjoiYWJjIn0.secretcookie"


@pytest.fixture
def access_logger(tmp_path: Path, monkeypatch):
    """A factory: gunicorn's logger as the shipped configuration makes it, writing the
    access log to a file (closed after the test)."""
    made = []

    def factory(log_format: str):
        monkeypatch.setenv("ASSESS_LOG_FORMAT", log_format)
        from assess import gunicorn_config

        module = importlib.reload(gunicorn_config)
        config = Config()
        config.set("accesslog", str(tmp_path / "access.log"))
        config.set("access_log_format", module.access_log_format)
        logger = module.RedactingLogger(config)
        made.append(logger)
        return logger, tmp_path / "access.log"

    yield factory
    for logger in made:
        for handler in list(logger.access_log.handlers):
            if getattr(handler, "_gunicorn", False):
                logger.access_log.removeHandler(handler)
                handler.close()


def _environ(**extra: str) -> dict[str, str]:
    return {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": f"/r/{SECRET}/page/2",
        "QUERY_STRING": f"lang=de&next=/r/{SECRET}", "RAW_URI": f"/r/{SECRET}/page/2",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.77",
        "HTTP_REFERER": f"https://survey.example/r/{SECRET}/page/1",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux) Firefox/140.0",
        "HTTP_COOKIE": COOKIE, "assess.request_id": "0123abcd0123abcd", **extra,
    }


def _access(logger, environ) -> None:
    reply = SimpleNamespace(status="200 OK", sent=1234, headers=[("Set-Cookie", COOKIE)])
    logger.access(reply, SimpleNamespace(headers=[("Cookie", COOKIE)]), environ,
                  timedelta(milliseconds=12.5))


def test_the_shipped_format_holds_no_token_address_or_cookie(access_logger):
    logger, path = access_logger("text")
    _access(logger, _environ())
    line = path.read_text()
    assert line.strip() == (
        '0123abcd0123abcd "GET /r/…/page/2?lang=de&next=… HTTP/1.1" 200 1234 12ms')


def test_every_atom_an_operator_may_ask_for_is_safe(access_logger):
    """Even the combined format, cookies and headers asked by name: nothing leaks."""
    logger, path = access_logger("text")
    logger.cfg.set("access_log_format", (
        '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(U)s %(q)s '
        '%({cookie}i)s %({set-cookie}o)s %({http_cookie}e)s %({remote_addr}e)s'))
    _access(logger, _environ())
    line = path.read_text()
    for secret in (SECRET, "203.0.113.77", "secretcookie", "Firefox"):
        assert secret not in line, secret
    assert line.startswith("203.0.113.0 - - [")
    assert '"https://survey.example/r/…/page/1"' in line


def test_gunicorn_s_own_lines_name_no_token_or_address(access_logger, capsys):
    logger, _path = access_logger("text")
    try:
        raise ValueError(f"bad chunk from /r/{SECRET}/page/2")
    except ValueError:
        logger.exception("Error handling request %s", f"/r/{SECRET}/page/2?next=/s/{SECRET}")
    logger.warning("Invalid request from ip=%s: %s", "203.0.113.77", "Bad header")
    written = capsys.readouterr().err
    assert "Error handling request /r/…/page/2" in written and "ValueError" in written
    assert SECRET not in written and "203.0.113.77" not in written


def test_json_access_lines(access_logger):
    logger, path = access_logger("json")
    _access(logger, _environ())
    entry = json.loads(path.read_text())
    assert entry["event"] == "access" and entry["logger"] == "gunicorn.access"
    assert (entry["method"], entry["path"], entry["query"], entry["status"]) == (
        "GET", "/r/…/page/2", "lang=de&next=…", 200)
    assert entry["request_id"] == "0123abcd0123abcd"
    assert entry["bytes"] == 1234 and entry["duration_ms"] == 12.5
    assert SECRET not in json.dumps(entry)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gunicorn_serving_the_app_logs_redacted_lines(gunicorn, make_engagement):  # noqa: F811
    """The shipped configuration, as bench/load.py and docs/deployment.md start it."""
    app, base, log = gunicorn
    token = open_token(make_engagement(), "staff")
    browser = Browser(base)
    welcome = browser.send(f"/r/{token}?lang=de")
    assert welcome.status == 200
    assert browser.send("/healthz").status == 200
    assert browser.send(f"/reset/{SECRET}").status == 404
    written = log.read_text()
    assert token not in written and SECRET not in written
    request_id = welcome.headers["X-Request-ID"]
    assert re.search(rf'{request_id} "GET /r/…\?lang=de HTTP/1.1" 200 \d+ \d+ms', written), written
    assert re.search(r'"GET /healthz HTTP/1.1" 200', written)
    # The app's own line for the same request, with its endpoint.
    assert f"[{request_id}]: GET respondents.welcome 200" in written
