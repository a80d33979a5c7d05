from flask import Flask


def init_app(app: Flask) -> None:
    from assess.jobs.queue import register_scan, register_task
    from assess.reports import cli, prerender, views

    app.register_blueprint(views.bp)
    register_task(prerender.REPORT_TASK, prerender.render_ahead)
    register_scan("report_prerender", prerender.schedule_prerenders)
    app.cli.add_command(cli.report_command)
