"""The audit log: who did what, when, from where (see docs/audit.md)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.audit import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.audit_cli)
