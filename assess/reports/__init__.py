from flask import Flask


def init_app(app: Flask) -> None:
    from assess.reports import cli, views
    from assess.reports.settings import engagement_logo

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.report_command)
    # For templates/report/_settings_panel.html on the engagement page.
    app.add_template_global(engagement_logo, "report_logo")
