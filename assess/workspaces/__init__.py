"""Workspaces: the tenant (a consulting firm, or a company assessing itself)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.workspaces import cli, first_run_views, member_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(first_run_views.bp)
    app.register_blueprint(member_views.bp)
    app.cli.add_command(cli.workspace_cli)
