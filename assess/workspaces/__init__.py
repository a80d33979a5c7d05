"""Workspaces: the tenant (a consulting firm, or a company assessing itself)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.workspaces import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.workspace_cli)
