from flask import Flask


def init_app(app: Flask) -> None:
    from assess.results import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.results_command)
