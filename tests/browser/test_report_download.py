"""A report the cache cannot serve, in a real browser: the download shows a page that
follows the render's job (refreshing itself, no JavaScript), then the PDF; a render
that fails says so and offers to try again. Screenshots: ASSESS_TEST_ARTIFACTS=1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import LiveServer, Shots, check_both_widths

pytestmark = pytest.mark.browser

CONSULTANT = "dana@northwind.test"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def rendering_on_jobs(live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server as deployed: a cache, and downloads rendered on jobs."""
    config = live_server.app.config
    kept = config["REPORT_CACHE"], config["REPORT_DOWNLOAD_JOBS"]
    config["REPORT_CACHE"] = config["REPORT_DOWNLOAD_JOBS"] = True
    try:
        yield live_server
    finally:
        config["REPORT_CACHE"], config["REPORT_DOWNLOAD_JOBS"] = kept


def test_a_report_being_prepared_then_downloaded(page: Any, rendering_on_jobs: LiveServer,
                                                 shots: Shots, monkeypatch) -> None:
    live_server = rendering_on_jobs
    engagement_id = int(live_server.engagement(name="Autumn 2026")["id"])
    live_server.with_responses(engagement_id)
    live_server.consultant(CONSULTANT, PASSWORD, name="Dana Smith", verified=True)
    live_server.sign_in(page, CONSULTANT, PASSWORD)
    # The overview's "Download the PDF report" link.
    page.goto(f"{live_server.url}/engagements/{engagement_id}/report.pdf")
    assert "/report/jobs/" in page.url
    job_page = page.url
    if page.locator("h1").inner_text() == "Preparing the PDF report":  # not done yet
        assert page.get_by_test_id("report-progress").is_visible()
        assert page.locator('meta[http-equiv="refresh"]').count() == 1
        # axe flags any page that reloads itself (meta-refresh); the page offers "Stop
        # refreshing" (WCAG 2.2.1): the rest of it is checked there.
        with page.expect_navigation():
            page.get_by_test_id("stop-refreshing").click()
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        check_both_widths(page, shots, "report being prepared")
        page.goto(job_page)  # refreshing itself again
    page.get_by_role("heading", name="The PDF report is ready").wait_for(timeout=90_000)
    check_both_widths(page, shots, "report ready")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # A render that fails says why, in words, and offers to try again.
    from assess.reports import prerender

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the layout engine stopped")

    monkeypatch.setattr(prerender, "build_report_pdf", broken)
    page.goto(f"{live_server.url}/engagements/{engagement_id}/report.pdf?page_size=letter")
    page.get_by_role("heading", name="The report could not be prepared").wait_for(
        timeout=60_000)
    assert page.get_by_test_id("retry").is_visible()
    check_both_widths(page, shots, "report failed")
