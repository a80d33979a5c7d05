"""Logs without personal data: the app's log lines, one per request, and the
redaction gunicorn's access log shares (docs/deployment.md, "Logs").

- ``ASSESS_LOG_FORMAT=json``: one JSON object per line (``time``, ``level``,
  ``logger``, ``message``, and in a request ``request_id``, ``method``,
  ``endpoint``); ``text`` (the default, for ``make run``): one readable line.
- Every request ends in one line from ``assess.requests``: request id, method,
  endpoint (the route's name, never the path, which may hold a token), status and
  duration.
- Whatever a log line says passes :func:`scrubbed` first: tokens in paths,
  e-mail addresses and IP addresses are replaced by ``…``. A database error is
  written as its class, SQLSTATE and first line (``assess.db.describe``), never
  the statement or its parameters. Names, answers and comments are never passed
  to a logger: no generic pattern can find them, so that rule is held by the
  code and by ``tests/operations/test_logs.py``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
import sys
import time
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from flask import Flask, Response, g, has_request_context, request

#: The first path segment of every route that carries a secret in the next one:
#: respondents' links (``/r/<token>``), share links (``/s/<token>``), password
#: reset and e-mail verification (``/reset/<token>``, ``/verify/<token>``) and
#: members' and readers' invitations (``/invitations/<token>``).
#: ``tests/operations/test_logs.py`` fails when a route with a ``<token>`` is not
#: covered here.
TOKEN_PREFIXES = ("r", "s", "reset", "verify", "invitations")
REDACTED = "…"

#: Query parameters whose values are logged; every other value is redacted (``next``
#: holds a path that may hold a token, and a future parameter may hold anything).
PLAIN_QUERY_KEYS = frozenset({"page", "page_size", "audience", "lang", "format", "kind"})

_TOKEN_SEGMENT = re.compile(
    r"(?P<prefix>(?:^|/)(?:" + "|".join(TOKEN_PREFIXES) + r"))/+[^/?#\s\"']+"
)
#: Inside free text (a message, a traceback): a token path anywhere.
_TOKEN_IN_TEXT = re.compile(
    r"(?P<prefix>/(?:" + "|".join(TOKEN_PREFIXES) + r"))/+[^/?#\s\"'<>]+"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_QUERY_NAME = re.compile(r"[a-z_]{1,20}")
#: A request id sent by the trusted proxy (nginx's ``$request_id``) is kept when it
#: looks like one; anything else is replaced, so nothing else rides into the logs.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

REQUEST_ID_HEADER = "X-Request-ID"
#: Where the request id waits in the WSGI environ for gunicorn's access log.
REQUEST_ID_ENVIRON = "assess.request_id"
FORMATS = ("text", "json")

request_log = logging.getLogger("assess.requests")


# -- redaction -------------------------------------------------------------------------


def redacted_path(path: str) -> str:
    """``/r/abc123/page/2`` → ``/r/…/page/2``: the segment after a token prefix (and
    an e-mail address, should a mistyped URL hold one)."""
    path = _TOKEN_SEGMENT.sub(lambda m: f"{m.group('prefix')}/{REDACTED}", path)
    return _EMAIL.sub(REDACTED, path) if "@" in path else path


def redacted_query(query: str) -> str:
    """``page_size=a4&next=/r/abc`` → ``page_size=a4&next=…``: values only of the
    parameters known to be plain."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{_plain(key)}={_plain(value)}" if key in PLAIN_QUERY_KEYS
        # A name is kept when it looks like one (`next`), not like a token or address.
        else f"{key if _QUERY_NAME.fullmatch(key) else REDACTED}={REDACTED}"
        for key, value in pairs
    )


def redacted_url(url: str) -> str:
    """A whole URL (a Referer) with its path and query redacted; no fragment."""
    if not url or url == "-":
        return "-"
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]  # never a user name or password
    return urlunsplit(
        (parts.scheme, host, redacted_path(parts.path), redacted_query(parts.query), "")
    )


def truncated_address(address: str | None) -> str:
    """An IP address cut to its network (IPv4 /24, IPv6 /48): enough to tell
    networks apart, not people. Used only when an operator asks for ``%(h)s``."""
    if not address:
        return "-"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return REDACTED
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def scrubbed(text: str) -> str:
    """Free text for a log line without tokens in paths, e-mail or IP addresses
    (loopback excepted)."""
    # Each pattern only where its mark is (most lines have none): one per request.
    if "/" in text:
        text = _TOKEN_IN_TEXT.sub(lambda m: f"{m.group('prefix')}/{REDACTED}", text)
    if "@" in text:
        text = _EMAIL.sub(REDACTED, text)
    if text.count(".") >= 3:
        # Loopback is nobody's address (the dev server's "Running on 127.0.0.1").
        text = _IPV4.sub(lambda m: m[0] if m[0].startswith("127.") else REDACTED, text)
    if text.count(":") >= 2:
        text = _IPV6.sub(lambda m: REDACTED if _is_ipv6(m[0]) and m[0] != "::1" else m[0], text)
    return text


def _is_ipv6(candidate: str) -> bool:
    # The pattern also matches clock times ("13:29:14"): only a real address counts.
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


def _plain(value: str) -> str:
    # A value that is logged stays on its line and cannot forge another one.
    return "".join(c if c.isprintable() and c not in "\"\\" else "?" for c in value)[:100]


def safe_exception(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
                   ) -> str:
    """A traceback for the log: the frames (code, not data) and, for each exception in
    the chain, its class and a message with nothing personal in it."""
    from assess.db import describe

    lines: list[str] = []
    error: BaseException | None = exc_info[1]
    seen: set[int] = set()
    chain: list[BaseException] = []
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.__cause__ or error.__context__
    for position, error in enumerate(reversed(chain)):
        if position:
            lines.append("The above led to:")
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in traceback.format_tb(error.__traceback__))
        module = type(error).__module__ or ""
        if module.split(".")[0] in {"sqlalchemy", "psycopg", "sqlite3", "psycopg2"}:
            # Statements and their parameters hold answers, comments and addresses.
            message = describe(error)
        else:
            first_line = (str(error).splitlines() or [""])[0]
            message = f"{type(error).__name__}: {scrubbed(first_line)}"
        lines.append(message)
    return "\n".join(lines)


# -- formatting -----------------------------------------------------------------------


def _context(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if has_request_context():
        fields["request_id"] = g.get("request_id")
        fields["method"] = request.method
        fields["endpoint"] = request.endpoint
    for name in ("event", "request_id", "method", "endpoint", "path", "query", "status",
                 "bytes", "duration_ms"):
        value = getattr(record, name, None)
        if value is not None:
            fields[name] = value
    return fields


class JSONFormatter(logging.Formatter):
    """One JSON object per line, scrubbed (``ASSESS_LOG_FORMAT=json``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrubbed(record.getMessage()),
        }
        entry.update(_context(record))
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = safe_exception(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """One readable line, scrubbed the same way (the default)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        fields = _context(record)
        ident = f" [{fields['request_id']}]" if fields.get("request_id") else ""
        line = f"{stamp} {record.levelname} {record.name}{ident}: {scrubbed(record.getMessage())}"
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + safe_exception(record.exc_info)
        return line


class ScrubbingFormatter(logging.Formatter):
    """Any ``%``-style format (gunicorn's own error log), its message scrubbed and its
    tracebacks written as :func:`safe_exception` writes them."""

    def format(self, record: logging.LogRecord) -> str:
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args = scrubbed(record.getMessage()), None
        return super().format(copy)

    def formatException(self, ei: Any) -> str:  # noqa: N802  (logging's name)
        return safe_exception(ei)


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        raise ValueError(
            f"ASSESS_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}"
        )
    return JSONFormatter() if log_format == "json" else TextFormatter()


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (tests swap it; a stored stream may
    have been closed)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


#: The one handler on the root logger, shared by every app in the process.
_handler: logging.Handler | None = None


def configure_logging(log_format: str, level: str = "INFO") -> logging.Handler:
    """Send every log line (the app's, its libraries', the dev server's) through one
    scrubbing handler on standard error; idempotent."""
    global _handler
    if _handler is None:
        _handler = _StandardError()
        logging.getLogger().addHandler(_handler)
    _handler.setFormatter(formatter(log_format))
    logging.getLogger("assess").setLevel(level.upper())
    return _handler


# -- the request line -------------------------------------------------------------------


def init_app(app: Flask) -> None:
    configure_logging(str(app.config["LOG_FORMAT"]), str(app.config["LOG_LEVEL"]))
    trust_request_id = int(app.config["TRUSTED_PROXIES"]) > 0

    @app.before_request
    def start_request() -> None:
        g.request_started = time.perf_counter()
        sent = request.headers.get(REQUEST_ID_HEADER, "") if trust_request_id else ""
        g.request_id = sent if _REQUEST_ID.fullmatch(sent) else secrets.token_hex(8)
        request.environ[REQUEST_ID_ENVIRON] = g.request_id

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        request_id = g.get("request_id")
        if request_id:
            response.headers.setdefault(REQUEST_ID_HEADER, request_id)
        if request_log.isEnabledFor(logging.INFO):
            # The record made directly: `info()` would also walk the stack to name the
            # caller, a third of the line's cost, to say what is always this function.
            record = request_log.makeRecord(
                request_log.name, logging.INFO, __file__, 0, "%s %s %s %s ms",
                (request.method, request.endpoint, response.status_code, duration), None,
                extra={"event": "request", "status": response.status_code,
                       "duration_ms": duration},
            )
            request_log.handle(record)
        return response
