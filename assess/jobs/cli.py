"""``assess worker``: an RQ worker for the jobs of this app (docs/jobs.md)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True,
              help="Run the jobs waiting now, then stop (no scans of due work).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs (imports, report renders) from Redis until stopped.

    Needs ASSESS_REDIS_URL; without it, jobs run on a thread of the web process
    and no worker is needed. Every few seconds (ASSESS_JOB_SCAN_SECONDS) it also
    looks for due work: reports to render ahead of time, jobs whose worker died.
    """
    from redis.exceptions import RedisError
    from rq import Worker

    from assess.jobs import queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["REDIS_URL"]:
        raise click.ClickException(
            "ASSESS_REDIS_URL is not set: without Redis, jobs run on a thread of the web "
            "process and need no worker."
        )
    job_queue = queue.rq_queue(app)
    try:
        job_queue.connection.ping()
    except RedisError as error:
        raise click.ClickException(
            f"Redis at ASSESS_REDIS_URL cannot be reached ({type(error).__name__})."
        ) from None
    queue.set_worker_app(app)
    if not burst:
        queue.start_scheduler(app)
    click.echo(f"Working on the queue '{job_queue.name}'" + (" (burst)" if burst else ""))
    Worker([job_queue], connection=job_queue.connection).work(burst=burst)
