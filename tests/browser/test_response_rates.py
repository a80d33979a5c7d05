"""In a real browser: enter an open-link mailing count and watch the response rate
move; the dashboard with its filters, as a table at 1280 px and cards at 360 px;
the organisation's waves (issue 15). axe-core at 1280 and 360 px, no sideways
scroll; screenshots in test-artifacts/response-rates/ with ``ASSESS_TEST_ARTIFACTS=1``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE, assert_accessible


def _both_widths(page: Any, folder: Path | None, name: str) -> None:
    """axe at 1280 and 360 px; no sideways scroll at either; a screenshot of each."""
    for label, size in (("1280", DESKTOP), ("360", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if folder is not None:
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        wide = page.evaluate(
            "() => [...document.querySelectorAll('main *')].filter(e => "
            "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
            ".slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + "
            "Math.round(e.getBoundingClientRect().right))"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {label} px by {overflow} px: {wide}"
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def folder(artifacts_folder: Path | None) -> Path | None:
    if artifacts_folder is None:
        return None
    path = artifacts_folder / "response-rates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fieldwork(live_server: Any) -> int:
    """The demo workspace (two waves of its client) and an open engagement of
    another client with personal links and a week of responses."""

    def make() -> int:
        from assess.demo.generate import DEMO_WORKSPACE, load_demo
        from assess.engagements.models import Status
        from assess.engagements.services import create_engagement, set_status
        from assess.instruments.schema import Audience
        from assess.respondents import links
        from assess.respondents.codes import CodeLayout
        from assess.respondents.recording import NewResponse, record_submitted
        from tests.access import workspace_named

        load_demo(seed=11, staff=30, customers=60)
        engagement = create_engagement(
            workspace=workspace_named(DEMO_WORKSPACE), organisation="Contoso Energy",
            name="Pulse 2026", instrument_id="customer-centricity",
        )
        set_status(engagement, Status.OPEN)
        engagement.opened_on = date.today() - timedelta(days=6)
        links.create_single_use_links(engagement, Audience.STAFF, 20)
        links.create_single_use_links(engagement, Audience.CUSTOMER, 10)
        staff = CodeLayout.for_instrument(engagement.instrument(), "staff")
        customer = CodeLayout.for_instrument(engagement.instrument(), "customer")
        from assess.extensions import db
        from assess.respondents.models import Response

        for days_ago, n_staff, n_customer in ((6, 4, 1), (5, 3, 0), (3, 1, 2), (0, 2, 3)):
            ids = record_submitted(engagement.id, staff, [
                NewResponse(answers={"s_strat_plan": 4}, segments={}, comments={})
            ] * n_staff)
            if n_customer:
                ids += record_submitted(engagement.id, customer, [
                    NewResponse(answers={"c_ease_easy": 3}, segments={}, comments={})
                ] * n_customer)
            for response_id in ids:
                db.session.get(Response, response_id).submitted_on = (
                    date.today() - timedelta(days=days_ago)
                )
        return engagement.id

    return int(live_server.run(make))


@pytest.mark.slow
def test_watch_the_rate_move(page: Any, live_server: Any, folder: Path | None) -> None:
    from assess.demo.generate import DEMO_EMAIL, DEMO_PASSWORD

    engagement_id = _fieldwork(live_server)
    live_server.sign_in(page, DEMO_EMAIL, DEMO_PASSWORD)

    # The dashboard: both clients' engagements, counts and rates, sort and filter.
    page.goto(f"{live_server.url}/")
    rows = page.get_by_test_id("engagement-row")
    assert rows.count() == 3
    pulse = rows.filter(has_text="Pulse 2026")
    assert "10 of 20 (50%)" in pulse.inner_text()
    assert "6 of 10 (60%)" in pulse.inner_text()
    _both_widths(page, folder, "01-dashboard")
    page.get_by_label("Status").select_option("open")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "status=open" in page.url
    assert page.get_by_test_id("engagement-row").count() == 1
    _both_widths(page, folder, "02-dashboard-filtered")

    # The engagement: enter the open-link mailing for staff; the rate moves.
    page.goto(f"{live_server.url}/engagements/{engagement_id}")
    counts = page.get_by_test_id("response-counts")
    assert "50%" in counts.inner_text()
    page.get_by_text("Sent the open link yourself?").click()
    page.get_by_label("Staff sent the open link").fill("30")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the numbers").click()
    assert "Open-link mailing counts saved: staff 30." in page.locator("main").inner_text()
    counts = page.get_by_test_id("response-counts")
    assert "50" in counts.inner_text() and "20%" in counts.inner_text()
    assert page.get_by_test_id("responses-per-day").is_visible()
    _both_widths(page, folder, "03-engagement-overview")

    # The results page (the report on screen): the methodology's responses table.
    page.goto(f"{live_server.url}/engagements/{engagement_id}/results")
    responses = page.locator("table.responses")
    assert "20%" in responses.inner_text() and "50" in responses.inner_text()
    for label, size in (("1280", DESKTOP), ("360", PHONE)):
        page.set_viewport_size(size)
        if folder is not None:
            responses.screenshot(path=str(folder / f"05-report-responses-{label}.png"))
    page.set_viewport_size(DESKTOP)

    # The organisation with two waves: the table and the chart.
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Customer-centricity assessment 2026").click()
    with page.expect_navigation():
        page.locator("p.breadcrumb a").nth(1).click()
    assert page.get_by_test_id("waves").is_visible()
    assert page.get_by_test_id("wave-chart").is_visible()
    _both_widths(page, folder, "04-organisation-waves")
