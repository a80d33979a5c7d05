"""Friendly error pages: never a stack trace to a user."""

from __future__ import annotations

import math
import time

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from assess.extensions import db, limiter


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


def _wait_in_words(seconds: float) -> str:
    """'1 minute', '12 minutes', '3 hours': to the nearest minute (Retry-After is
    to the second), never 'now'."""
    minutes = max(1, round(seconds / 60))
    if minutes <= 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"
