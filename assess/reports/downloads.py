"""A report download the cache cannot serve: rendered on a job, never in the request.

The download route (the consultant's, and a share link's) queues the render
(:func:`assess.reports.prerender.queue_download`: one job per PDF however many ask)
and redirects to a page that follows the job and then offers the PDF, now in the
cache. A web worker never spends seconds in WeasyPrint while respondents wait.
Off (``ASSESS_REPORT_DOWNLOAD_JOBS=false``, or no cache), the request renders.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assess.jobs.queue import JobView

#: How often the page of a report being prepared reloads itself.
REFRESH_SECONDS = 2


def rendering_in_background() -> bool:
    """Whether a download the cache cannot serve is rendered on a job (the default)
    rather than in the request (no cache, or ``REPORT_DOWNLOAD_JOBS`` off)."""
    config = current_app.config
    return bool(config["REPORT_CACHE"] and config["REPORT_DOWNLOAD_JOBS"])


def preparing_page(job: JobView, *, download: str, page_url: str, back_url: str,
                   back_label: str, **url_values: Any) -> ResponseReturnValue:
    """The page of a download's render: progress (reloading itself until the job
    ends, unless asked not to), then the download (``download``: its endpoint, with
    ``url_values`` and the job's page size), or why it failed and a retry."""
    page_size = job.arguments["slots"][0][0]
    if page_size != "a4":
        url_values["page_size"] = page_size
    refreshing = not job.finished and request.args.get("refresh") != "off"
    return render_template(
        "report/preparing.html", job=job, page_url=page_url,
        download_url=url_for(download, **url_values),
        retry_url=url_for(download, retry=1, **url_values),
        back_url=back_url, back_label=back_label, refresh_seconds=REFRESH_SECONDS,
        # A page that reloads itself must let a person stop it (WCAG 2.2.1).
        refreshing=refreshing,
    )
