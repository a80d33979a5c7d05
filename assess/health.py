"""``/healthz``: may this web worker be sent requests? (docs/deployment.md)

200 and ``{"status": "ok", "database": "ok", "redis": "ok"}`` when the database
answers ``SELECT 1`` and, when ``ASSESS_REDIS_URL`` is set, Redis answers ``PING``;
503 and the part that failed otherwise. For load balancers and monitors: no
sign-in, no session cookie, no rate limit, no template, no more than one short
query and one ping. The reply names no host, address or error text.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from assess.db import describe
from assess.extensions import db, limiter

bp = Blueprint("health", __name__)
_log = logging.getLogger(__name__)

#: Seconds Redis may take to answer: a monitor asks again soon, a stuck check helps no one.
REDIS_TIMEOUT = 2.0


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    checks = {"database": _database()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis(str(current_app.config["REDIS_URL"]))
    healthy = all(state == "ok" for state in checks.values())
    reply = jsonify({"status": "ok" if healthy else "unavailable", **checks})
    reply.status_code = 200 if healthy else 503
    reply.headers["Cache-Control"] = "no-store"
    return reply


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()  # nothing to keep: the connection goes back to the pool idle
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as error:
        db.session.rollback()
        _log.warning("healthz: database unavailable: %s", describe(error))
        return "unavailable"
    return "ok"


_clients: dict[str, Any] = {}


def _redis(url: str) -> str:
    import redis

    client = _clients.get(url)
    if client is None:
        # One client (and its connection pool) per process: a ping per check, not a connect.
        client = _clients[url] = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
    try:
        client.ping()
    except redis.RedisError as error:
        _log.warning("healthz: Redis unavailable: %s", type(error).__name__)
        return "unavailable"
    return "ok"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    limiter.exempt(bp)
