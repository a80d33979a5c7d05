"""Responses in and out: import and export as CSV or XLSX (``assess responses``)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.transfer import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.responses_cli)
