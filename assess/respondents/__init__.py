"""Respondents: links, the questionnaire pages, saving and submitting answers;
on the consultant's side, the links panel and invitations."""

from collections.abc import Callable
from typing import Any

from flask import Flask, request


def init_app(app: Flask) -> None:
    from assess.accounts.session import ANONYMOUS_BLUEPRINTS
    from assess.extensions import csrf, limiter
    from assess.respondents import admin_views, cli, views

    # No default or application-wide limits on the questionnaire: a whole office
    # behind one address answers it, and bursts of submissions through an open link
    # have their own throttle (throttle.py). Skipping the limiter's checks is also
    # a share of each page's time (docs/performance.md).
    limiter.exempt(views.bp)
    views.forget_kept_pages()  # a new app may have new templates (tests make many)
    # The questionnaire's forms carry a token of their own, bound to the link and
    # the browser's resume cookie, that needs no session (views._form_token).
    csrf.exempt(views.bp)
    # Nobody signs in to answer: no account header, no account checks per request.
    ANONYMOUS_BLUEPRINTS.add(views.bp.name)
    _skip_for_blueprint(app, limiter._check_request_limit, views.bp.name)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.cli.add_command(cli.links_command)


def _skip_for_blueprint(app: Flask, hook: Callable[[], Any], blueprint: str) -> None:
    """The app-wide ``before_request`` ``hook`` (Flask-Limiter's check) not run for
    ``blueprint``'s requests at all: exempt, the limiter would still work out on
    every respondent request that no limit applies (a few percent of a page)."""
    hooks = app.before_request_funcs.get(None, [])
    for index, registered in enumerate(hooks):
        if registered == hook:

            def unless_blueprint() -> Any:
                return None if request.blueprint == blueprint else hook()

            hooks[index] = unless_blueprint
            return
    # Not registered (the limiter is off, ``RATELIMIT_ENABLED``): nothing to skip.
