"""Friendly error pages: never a stack trace to a user."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from assess.extensions import db


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
