"""Responses in and out: import and export as CSV or XLSX (``assess responses``)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.jobs.queue import register_scan, register_task
    from assess.transfer import cli, jobs, views

    app.register_blueprint(views.bp)
    register_task(jobs.IMPORT_TASK, jobs.run_import)
    register_scan("import_uploads", jobs.forget_finished_uploads)
    app.cli.add_command(cli.responses_cli)
