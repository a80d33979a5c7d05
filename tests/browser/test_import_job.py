"""In a real browser: an import through the page runs as a job whose page refreshes
itself (no JavaScript) until the outcome; axe-core at 1280 and 360 px; screenshots
of the running, done and refused pages in test-artifacts/jobs/ with
``ASSESS_TEST_ARTIFACTS=1``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE
from tests.browser.test_import_undo import _both_widths

GOOD_FILE = "respondent,c_ease_easy,c_recommend\n" + "".join(
    f"r{n},{1 + n % 5},{n % 11}\n" for n in range(400)
)
BAD_FILE = "respondent,c_ease_easy,c_recommend\nr1,9,3\nr2,x,11\n"


@pytest.fixture
def folder(artifacts_folder: Path | None) -> Path | None:
    if artifacts_folder is None:
        return None
    path = artifacts_folder / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.slow
def test_an_import_job_page_from_running_to_done(page: Any, live_server: Any, tmp_path: Path,
                                                 folder: Path | None) -> None:
    live_server.consultant()
    live_server.sign_in(page)
    engagement = live_server.engagement()

    def running_job() -> int:
        # A job as a worker leaves it mid-way (the real one below is too quick to catch).
        from assess.extensions import db
        from assess.jobs.models import Job, JobState
        from assess.jobs.queue import now

        job = Job(task="import", arguments={"filename": "year-end-export.csv",
                                            "audience": "customer"},
                  label="Import of year-end-export.csv (customer)",
                  engagement_id=engagement["id"], state=JobState.RUNNING, created_at=now(),
                  started_at=now(), heartbeat_at=now(), progress_label="Checking the file",
                  progress_done=37, progress_total=100)
        db.session.add(job)
        db.session.flush()
        return job.id

    job_id = live_server.run(running_job)
    job_page = f"{live_server.url}/engagements/{engagement['id']}/imports/jobs/{job_id}"
    page.goto(job_page)
    assert "Checking the file: 37%" in page.locator("main").inner_text()
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    for label, size in (("1280", DESKTOP), ("360", PHONE)):
        if folder is not None:
            page.set_viewport_size(size)
            page.screenshot(path=str(folder / f"01-import-running-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    # axe flags any page that reloads itself (meta-refresh); the page offers "Stop
    # refreshing" (WCAG 2.2.1): the rest of it is checked there.
    with page.expect_navigation():
        page.get_by_test_id("stop-refreshing").click()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    _both_widths(page, folder, "01b-import-running-not-refreshing")

    good = tmp_path / "customers.csv"
    good.write_text(GOOD_FILE, encoding="utf-8")
    page.goto(f"{live_server.url}/engagements/{engagement['id']}?tab=data")
    page.get_by_label("Whose answers").select_option("customer")
    page.get_by_label("File").set_input_files(str(good))
    with page.expect_navigation():
        page.get_by_test_id("import-button").click()
    assert "/imports/jobs/" in page.url
    page.get_by_test_id("import-done").wait_for(timeout=30_000)  # refreshed itself
    assert "Imported 400 customer responses" in page.locator("main").inner_text()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    _both_widths(page, folder, "02-import-done")

    bad = tmp_path / "mistakes.csv"
    bad.write_text(BAD_FILE, encoding="utf-8")
    page.goto(f"{live_server.url}/engagements/{engagement['id']}?tab=data")
    page.get_by_label("Whose answers").select_option("customer")
    page.get_by_label("File").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_test_id("import-button").click()
    page.get_by_test_id("import-refused").wait_for(timeout=30_000)
    assert "is not on this question" in page.get_by_test_id("import-errors").inner_text()
    assert page.get_by_test_id("import-errors").locator("tbody tr").count() >= 2
    _both_widths(page, folder, "03-import-refused")

    # The Data section lists the refused import (and the abandoned running one).
    page.goto(f"{live_server.url}/engagements/{engagement['id']}?tab=data")
    listed = page.get_by_test_id("import-jobs").inner_text()
    assert "mistakes.csv" in listed and "not imported" in listed
    _both_widths(page, folder, "04-data-section", 'section[aria-labelledby="transfer-h"]')
