"""Friendly error pages: never a stack trace to a user."""

from __future__ import annotations

import math
import time

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from assess.db import describe, unavailable
from assess.extensions import db, limiter, login_manager
from assess.respondents.texts import UI_TEXTS, best_language, ui_texts
from assess.respondents.views import LANGUAGE_COOKIE

#: Seconds a client is asked to wait after a 503 (the page says "a minute").
RETRY_AFTER = 60


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return (
            render_template(
                "errors/error.html",
                title="This form has expired",
                message=(
                    "The page was open too long or was sent twice, so nothing was saved "
                    "from it. Go back, reload the page and send it again."
                ),
            ),
            400,
        )

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException) -> ResponseReturnValue:
        # A rate limit (Flask-Limiter): say which, when it names itself, and how long
        # to wait; the Retry-After header says the same to programs.
        named = getattr(getattr(error, "limit", None), "error_message", None)
        lead = (named() if callable(named) else named) or (
            "Too many requests came from here in a short time."
        )
        current = limiter.current_limit
        wait = _wait_in_words(current.reset_at - time.time()) if current else "a while"
        return (
            render_template(
                "errors/error.html",
                title="Too many attempts",
                message=f"{lead} Try again in {wait}.",
            ),
            429,
        )

    @app.errorhandler(413)
    def too_large(error: HTTPException) -> ResponseReturnValue:
        # A body over its route's limit (assess/limits.py): refused before it is read.
        return (
            render_template(
                "errors/error.html",
                title="Too much was sent",
                message=(
                    "What this page sent is larger than it can take, so nothing was "
                    "saved from it. Go back, shorten what you typed and send it again."
                ),
            ),
            413,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        return (
            render_template(
                "errors/error.html",
                title=error.name,
                message=error.description,
            ),
            error.code or 500,
        )

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(error: Exception) -> ResponseReturnValue:
        if not unavailable(error):
            return server_error(error)
        return database_unavailable(app, error)

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return (
            render_template(
                "errors/error.html",
                title="Something went wrong",
                message="Nothing you sent was half-saved. Please try again in a moment.",
            ),
            500,
        )


def database_unavailable(app: Flask, error: Exception) -> ResponseReturnValue:
    """The database is unreachable, locked or too slow: 503, try again in a minute.

    The transaction is rolled back, so nothing is half-written. The page is drawn
    without the database: as for a signed-out visitor (no workspace header), and a
    respondent's in the language of their choice or browser, from the cookie and
    headers alone. The log line names the kind of failure and the route, never the
    address (it holds respondents' tokens) or what was sent.
    """
    try:
        db.session.rollback()
    except sa_exc.DBAPIError:
        # The connection is gone and the server rolled back with it: drop it unused.
        db.session().invalidate()
    app.logger.warning(
        "Database unavailable in %s %s: %s", request.method, request.endpoint, describe(error)
    )
    # Flask-Login's cache of this request's user: the page header would otherwise load
    # the user and their workspaces, from the database that just failed.
    g._login_user = login_manager.anonymous_user()
    if request.blueprint == "respondents":
        language = best_language(
            list(UI_TEXTS),
            request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE),
            request.accept_languages.values(),
        ) or "en"
        body = render_template(
            "respondents/try_again.html",
            t=ui_texts(language),
            lang=language,
            token=(request.view_args or {}).get("token"),
        )
    else:
        body = render_template(
            "errors/error.html",
            title="Please try again in a minute",
            message=(
                "The database is busy or briefly out of reach, so this page could not be "
                "shown or saved. Nothing was half-saved, and everything saved before is "
                "safe. Please try again in a minute."
            ),
        )
    return body, 503, {"Retry-After": str(RETRY_AFTER)}


def _wait_in_words(seconds: float) -> str:
    """'1 minute', '12 minutes', '3 hours': to the nearest minute (Retry-After is
    to the second), never 'now'."""
    minutes = max(1, round(seconds / 60))
    if minutes <= 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"
