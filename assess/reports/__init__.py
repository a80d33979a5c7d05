from flask import Flask


def init_app(app: Flask) -> None:
    from assess.reports import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.report_command)
