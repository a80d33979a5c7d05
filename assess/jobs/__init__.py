"""Background jobs: work a page must not wait for (an import, a report render).

A job is a row of ``jobs`` (:mod:`assess.jobs.models`): what it is, who asked,
its state, progress and outcome, so any web host shows it. It runs on an RQ
worker (``assess worker``) when ``ASSESS_REDIS_URL`` is set, else on a thread
of the web process that enqueued it (:mod:`assess.jobs.queue`). See docs/jobs.md.
"""

from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.jobs import cli, queue

    def stale_jobs(at: object) -> list[int]:
        queue.fail_stale_jobs(at)  # type: ignore[arg-type]  # a datetime, from run_scans
        return []

    queue.register_scan("stale_jobs", stale_jobs)
    app.cli.add_command(cli.worker_command)
    if app.config["REDIS_URL"] or app.config["TESTING"]:
        return  # `assess worker` runs the scans; tests run them with their own clock

    started_in: list[int] = []  # the process that started it (a fork starts its own)

    @app.before_request
    def _start_scheduler() -> None:
        # On the first request of each process (a gunicorn worker forks after the
        # app is built; threads do not survive a fork). Later requests only compare
        # a process id: no lock on every request.
        if started_in and started_in[0] == os.getpid():
            return
        queue.start_scheduler(app)
        started_in[:] = [os.getpid()]
