"""Respondents: links, the questionnaire pages, saving and submitting answers;
on the consultant's side, the links panel and invitations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.respondents import admin_views, cli, views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.cli.add_command(cli.links_command)
