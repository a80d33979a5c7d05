"""Log lines without personal data (assess/logs.py): tokens redacted from paths and
queries on every route that carries one, JSON lines with the request's id, method,
endpoint, status and duration, and none of a respondent's or consultant's data in
what a whole session logs."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from sqlalchemy import text

from assess import logs
from assess.extensions import db
from tests.respond import answer_questionnaire
from tests.respondents.conftest import open_token

SECRET = "Zq9sEcReTtoKen42abc"
CLIENT_ADDRESS = "203.0.113.77"
#: Written here, so that the traceback's line of the test names no SQL.
FAILING_STATEMENT = text("SELECT CAST(:address AS INTEGER) + nope")


def _sample_url(rule: Any) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        values[name] = 7 if "Integer" in converter else SECRET
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
    return url


def test_every_route_with_a_token_is_redacted(make_app):
    """A route added with a ``<token>`` outside TOKEN_PREFIXES fails here."""
    app = make_app()
    carrying = [rule for rule in app.url_map.iter_rules()
                if any("token" in name and "Integer" not in type(
                    rule._converters[name]).__name__ for name in rule.arguments)]
    assert {rule.rule.split("/")[1] for rule in carrying} == set(logs.TOKEN_PREFIXES)
    for rule in carrying:
        url = _sample_url(rule)
        assert SECRET in url
        assert SECRET not in logs.redacted_path(url), rule.rule
        assert logs.REDACTED in logs.redacted_path(url)


@pytest.mark.parametrize("path", [
    f"/r/{SECRET}", f"/r/{SECRET}/page/3", f"//r/{SECRET}/thanks", f"/s/{SECRET}/report.pdf",
    f"/reset/{SECRET}", f"/verify/{SECRET}", f"/invitations/{SECRET}", f"/r//{SECRET}",
])
def test_paths_lose_their_token_and_keep_their_shape(path):
    redacted = logs.redacted_path(path)
    assert SECRET not in redacted
    assert redacted.count("/") <= path.count("/")
    assert logs.redacted_path("/engagements/3/results") == "/engagements/3/results"
    assert logs.redacted_path(f"/r/{SECRET}/page/3") == "/r/…/page/3"


def test_query_strings_keep_only_plain_values():
    assert logs.redacted_query(f"next=/r/{SECRET}&page_size=a4&token={SECRET}") == (
        "next=…&page_size=a4&token=…")
    assert logs.redacted_query("") == ""
    assert logs.redacted_query(f"{SECRET}&ana@example.org=1") == "…=…&…=…"
    assert logs.redacted_path("/no/such/ana@example.org") == "/no/such/…"
    assert logs.redacted_url("https://ana:pw@x.example/") == "https://x.example/"
    assert SECRET not in logs.redacted_url(f"https://x.example/r/{SECRET}?next=/s/{SECRET}")


def test_addresses_are_cut_to_their_network():
    assert logs.truncated_address("203.0.113.77") == "203.0.113.0"
    assert logs.truncated_address("2001:db8:1234:5678::1") == "2001:db8:1234::"
    assert logs.truncated_address("not an address") == logs.REDACTED


def test_free_text_loses_addresses_and_tokens_but_not_times():
    line = logs.scrubbed(
        f"to ana@example.org from 203.0.113.77 and 2001:db8::1 at /r/{SECRET}/page/2 13:29:14")
    assert "ana@example.org" not in line and "203.0.113.77" not in line
    assert "2001:db8::1" not in line and SECRET not in line
    assert "13:29:14" in line and "/r/…/page/2" in line
    assert logs.scrubbed("Running on http://127.0.0.1:5000") == "Running on http://127.0.0.1:5000"


def _lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def test_a_whole_session_logs_json_lines_without_personal_data(
        make_app, make_engagement, make_user, capsys):
    app = make_app(LOG_FORMAT="json", TRUSTED_PROXIES=0)
    comment = "Ask for Priya Raman at the Leeds branch"
    email = "priya.raman@example.org"
    with app.app_context():
        engagement = make_engagement()
        token = open_token(engagement, "customer")
        make_user("owner", email=email)
    capsys.readouterr()

    respondent = app.test_client()
    respondent.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    answer_questionnaire(respondent, f"http://testserver/r/{token}", comment=comment)
    consultant = app.test_client()
    consultant.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    assert consultant.post("/login", data={"email": email, "password": "wrong"}
                           ).status_code in (200, 401)
    consultant.post("/login", data={"email": email, "password": "correct-horse"})
    consultant.get(f"/engagements/{engagement.id}")
    consultant.post("/forgot", data={"email": email})  # no SMTP here: the failure is logged
    consultant.get(f"/login?next=/r/{token}")
    consultant.get(f"/reset/{SECRET}")
    # An error whose message holds data: the statement and parameters never reach the log.
    with app.app_context():
        try:
            db.session.execute(FAILING_STATEMENT, {"address": email})
        except Exception:
            db.session.rollback()
            logging.getLogger("assess").exception("A failing statement")

    captured = capsys.readouterr().err
    lines = _lines(captured)  # every line is one JSON object
    for secret in (token, SECRET, email, comment, "Priya", CLIENT_ADDRESS, "correct-horse"):
        assert secret not in captured, secret
    assert "[parameters" not in captured and "SELECT" not in captured

    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 12  # welcome, start, six pages (each POST and GET), thanks...
    for line in requests:
        assert re.fullmatch(r"[0-9a-f]{16}", line["request_id"])
        assert line["method"] in {"GET", "POST"}
        assert isinstance(line["status"], int) and isinstance(line["duration_ms"], float)
        assert line["logger"] == "assess.requests" and line["level"] == "INFO"
    endpoints = {line["endpoint"] for line in requests}
    assert {"respondents.welcome", "respondents.page", "respondents.thanks",
            "accounts.login"} <= endpoints
    assert any(line.get("exception") for line in lines)
    # Each request has its own id, and the reply carries it for support.
    assert len({line["request_id"] for line in requests}) == len(requests)


def test_text_lines_by_default_and_a_request_id_only_from_a_trusted_proxy(make_app, capsys):
    app = make_app()
    assert app.config["LOG_FORMAT"] == "text"
    capsys.readouterr()
    reply = app.test_client().get("/login", headers={"X-Request-ID": "chosen-by-client-1"})
    captured = capsys.readouterr().err
    assert reply.headers["X-Request-ID"] != "chosen-by-client-1"
    assert f"[{reply.headers['X-Request-ID']}]: GET accounts.login 200" in captured
    assert not captured.lstrip().startswith("{")

    proxied = make_app(TRUSTED_PROXIES=1).test_client().get(
        "/login", headers={"X-Request-ID": "0123456789abcdef0123", "X-Forwarded-For": "1.2.3.4"})
    assert proxied.headers["X-Request-ID"] == "0123456789abcdef0123"


def test_an_unknown_log_format_is_refused_at_start(make_app):
    with pytest.raises(ValueError, match="ASSESS_LOG_FORMAT"):
        make_app(LOG_FORMAT="xml")
