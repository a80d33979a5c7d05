"""Respondents: links, the questionnaire pages, saving and submitting answers;
on the consultant's side, the links panel and invitations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.extensions import limiter
    from assess.respondents import admin_views, cli, views

    # No default or application-wide limits on the questionnaire: a whole office
    # behind one address answers it, and bursts of submissions through an open link
    # have their own throttle (throttle.py). Skipping the limiter's checks is also
    # a share of each page's time (docs/performance.md).
    limiter.exempt(views.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.cli.add_command(cli.links_command)
