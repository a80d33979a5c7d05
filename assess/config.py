"""Configuration: defaults in code, then ``ASSESS_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

DEFAULTS: dict[str, object] = {
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "SECRET_KEY": None,  # None: generated once, kept in the instance folder
    "BASE_URL": "http://127.0.0.1:5000",
    # The database gives up before gunicorn gives up on the worker, so a stuck lock or
    # a slow statement ends in a polite 503, never a killed worker (docs/hardening.md,
    # "Database faults"): each of these waits is shorter than WORKER_TIMEOUT.
    "WORKER_TIMEOUT": 30,  # seconds gunicorn lets a request run (assess/gunicorn_config.py)
    "SQLITE_BUSY_TIMEOUT_MS": 15000,
    "DATABASE_STATEMENT_TIMEOUT_MS": 20000,  # PostgreSQL: one statement, at most
    "DATABASE_LOCK_TIMEOUT_MS": 10000,  # PostgreSQL: waiting for a row or table lock
    "DATABASE_CONNECT_TIMEOUT": 5,  # seconds to open a connection (PostgreSQL)
    # Tests only, never in production: a request may ask for a fault (assess/faults.py).
    "FAULT_INJECTION": False,
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # uploads (CSV/XLSX imports, logos)
    # The most any other route reads (docs/hardening.md): a short form; a
    # questionnaire page (open questions up to 10,000 characters each); invitations
    # and reminders (up to 2,000 addresses).
    "MAX_FORM_BYTES": 64 * 1024,
    "MAX_ANSWER_PAGE_BYTES": 1024 * 1024,
    "MAX_ADDRESS_LIST_BYTES": 4 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,  # a questionnaire page may stay open for hours
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REPORT_CACHE": True,
    # A download the cache cannot serve renders on a background job (a page shows
    # its progress, then the download) instead of holding a web worker for seconds.
    "REPORT_DOWNLOAD_JOBS": True,
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "SMTP_SENDER": "assess@localhost",
    "SMTP_CAFILE": None,  # a private certificate authority for the SMTP server's TLS
    "REDIS_URL": None,  # rate limits (and background jobs) in Redis; None: in memory
    # Background jobs (docs/jobs.md): RQ's queue name on REDIS_URL; the longest a job
    # may run there; how often a running job writes its heartbeat and progress; after
    # how long without one it is reported failed (its worker died), and a job no
    # worker took; how often due work (reports to render, dead jobs) is looked for.
    "JOB_QUEUE": "assess",
    "JOB_TIMEOUT": 3600,
    "JOB_HEARTBEAT_SECONDS": 2,
    "JOB_STALE_SECONDS": 300,
    "JOB_QUEUED_TIMEOUT_SECONDS": 1800,
    "JOB_SCAN_SECONDS": 30,
    # A report is rendered ahead of time once its engagement has been quiet (no new
    # response, no settings change) this many seconds; 0: never ahead of time.
    "REPORT_PRERENDER_DELAY": 120,
    "TRUSTED_PROXIES": 0,  # reverse proxies in front of the app whose X-Forwarded-For counts
    # Log lines: "text" (one readable line) or "json" (one object per line); never
    # tokens, addresses, names or answers (assess/logs.py, docs/deployment.md).
    "LOG_FORMAT": "text",
    "LOG_LEVEL": "INFO",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,  # Retry-After on a 429
    "ALLOW_SIGNUP": False,  # companies and firms may sign up on their own
    # Sign-up attempts per client address (Flask-Limiter syntax), refused ones too.
    "SIGNUP_LIMITS": "10/hour;50/day",
    # Sign-in attempts that failed, per client address and per account (the e-mail
    # typed), Flask-Limiter syntax: several windows make the wait grow (docs/accounts.md).
    "LOGIN_LIMITS_ADDRESS": "20/minute;100/hour",
    "LOGIN_LIMITS_ACCOUNT": "5/minute;20/hour;50/day",
    # Final submissions through one open link from one source (client address) in a
    # minute; beyond it the respondent keeps their answers and tries again in a
    # minute (docs/hardening.md).
    "OPEN_LINK_SUBMISSIONS_PER_MINUTE": 20,
    # A signed-in session ends after this many hours without a request.
    "IDLE_TIMEOUT_HOURS": 8,
    # werkzeug's method for new password hashes, e.g. "scrypt:32768:8:1"; older
    # hashes still check and are re-hashed at the next sign-in.
    "PASSWORD_HASH_METHOD": "scrypt",  # werkzeug's default
    # Account e-mail (verification, password reset, members' invitations): at most
    # this many per workspace, per person and per client address (Flask-Limiter syntax).
    "MAIL_LIMITS": "10/hour;50/day",
    # How long a link sent by e-mail works (account tokens, assess/accounts/tokens.py).
    "VERIFY_EMAIL_HOURS": 48,
    "RESET_PASSWORD_HOURS": 1,
    "INVITATION_DAYS": 7,
    # The audit log (and the client addresses in it) is kept this long.
    "AUDIT_RETENTION_DAYS": 365,
    # An import file is refused unread beyond these (assess/transfer/reading.py,
    # docs/results.md): a workbook's size uncompressed and its number of cells, and
    # the length of one cell (CSV or workbook).
    "IMPORT_MAX_UNCOMPRESSED_MB": 200,
    "IMPORT_MAX_CELLS": 5_000_000,
    "IMPORT_MAX_CELL_CHARS": 10_000,
}


def configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("ASSESS")
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'assess.sqlite'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    if str(app.config["BASE_URL"]).lower().startswith("https://"):
        # Served over HTTPS: the session cookie never travels over plain HTTP.
        app.config["SESSION_COOKIE_SECURE"] = True
    problems = database_waits_beyond(float(app.config["WORKER_TIMEOUT"]), app.config)
    if problems:
        raise ValueError("; ".join(problems))


#: The settings that bound a wait on the database, with their unit in seconds.
DATABASE_WAITS: dict[str, float] = {
    "SQLITE_BUSY_TIMEOUT_MS": 0.001,
    "DATABASE_STATEMENT_TIMEOUT_MS": 0.001,
    "DATABASE_LOCK_TIMEOUT_MS": 0.001,
    "DATABASE_CONNECT_TIMEOUT": 1,
}


def database_waits_beyond(worker_timeout: float, settings: Mapping[str, object]) -> list[str]:
    """What is wrong with the database waits for a worker timeout of ``worker_timeout``
    seconds: each must be set (positive) and end before it (checked at start-up, by the
    app and by the gunicorn configuration)."""
    problems = []
    for name, unit in DATABASE_WAITS.items():
        value = settings.get(name)
        try:
            seconds = float(value) * unit  # type: ignore[arg-type]  # checked just below
        except (TypeError, ValueError):
            problems.append(f"ASSESS_{name} must be a number, not {value!r}")
            continue
        if not 0 < seconds < worker_timeout:
            problems.append(
                f"ASSESS_{name} ({value}) must be more than 0 and less than the worker "
                f"timeout ({worker_timeout:g} s), so the database gives up first"
            )
    return problems


def _instance_secret(path: Path) -> str:
    """Generate the secret key once and keep it, so sessions survive restarts."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
