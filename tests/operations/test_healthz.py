"""``/healthz`` (assess/health.py): 200 with a small JSON when the database, and
Redis when configured, answer; 503 naming the part that does not; no sign-in, no
cookie, no rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from assess import create_app


@pytest.fixture
def default_limit_restored():
    """``RATELIMIT_DEFAULT`` is added to the one shared Limiter's defaults, which
    outlive the app: put them back, or every later test in this process is limited."""
    from assess.extensions import limiter

    saved = list(limiter.limit_manager._default_limits)
    yield
    limiter.limit_manager.set_default_limits(saved)


def test_healthy_is_200_with_no_cookie_and_no_rate_limit(make_app, default_limit_restored):
    app = make_app(RATELIMIT_DEFAULT="2/minute")
    client = app.test_client()
    for _ in range(5):
        reply = client.get("/healthz")
        assert reply.status_code == 200
        assert reply.get_json() == {"status": "ok", "database": "ok"}
        assert "Set-Cookie" not in reply.headers
        assert reply.headers["Cache-Control"] == "no-store"
    # The same default limit does apply to an ordinary page: the exemption is real.
    statuses = [client.get("/login").status_code for _ in range(3)]
    assert statuses[-1] == 429


def test_redis_is_checked_when_configured(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:6379/15", RATELIMIT_ENABLED=False)
    reply = app.test_client().get("/healthz")
    assert (reply.status_code, reply.get_json()) == (
        200, {"status": "ok", "database": "ok", "redis": "ok"})


def test_redis_unreachable_is_503(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:9/0", RATELIMIT_ENABLED=False)
    reply = app.test_client().get("/healthz")
    assert (reply.status_code, reply.get_json()) == (
        503, {"status": "unavailable", "database": "ok", "redis": "unavailable"})


@pytest.mark.parametrize("url", ["sqlite:////nonexistent-folder/assess.sqlite",
                                 "postgresql://nobody@127.0.0.1:9/none"])
def test_database_unreachable_is_503_without_details(url, tmp_path: Path):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x",
                      "INSTANCE_PATH": str(tmp_path), "DATABASE_CONNECT_TIMEOUT": 1})
    reply = app.test_client().get("/healthz")
    assert reply.status_code == 503
    assert reply.get_json() == {"status": "unavailable", "database": "unavailable"}
    assert "127.0.0.1" not in reply.get_data(as_text=True)
