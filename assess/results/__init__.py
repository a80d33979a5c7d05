from flask import Flask


def init_app(app: Flask) -> None:
    from assess.results import cli

    app.cli.add_command(cli.results_command)
