"""Sharing with a client reader, in a real browser: a consultant invites a reader from
the organisation's page (a link to copy: this server sends no mail) and releases
the engagement; the reader follows the link, chooses a password, finds the report
on their landing page, opens the results and the PDF, and is refused raw data
(403) and an engagement that was not released (404). axe-core at 1280 and 360 px
on each new page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.support import Shots, check_both_widths, new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONSULTANT = "dana@northwind.example"
PASSWORD = "plum orchard lantern"
READER = "cfo@contoso.example"
READER_PASSWORD = "quiet harbour morning"


def test_a_consultant_shares_a_report_with_a_reader_who_cannot_reach_raw_data(
    browser: Any, page: Any, live_server: Any, shots: Shots
) -> None:
    live_server.consultant(CONSULTANT, PASSWORD, name="Dana Smith", verified=True)
    baseline = live_server.engagement(name="Baseline 2026")
    live_server.with_responses(baseline["id"])
    hidden = live_server.engagement(name="Follow-up 2027")  # never released
    url = live_server.url

    # -- the consultant: the organisation's page, an invitation, the release ----------
    live_server.sign_in(page, CONSULTANT, PASSWORD)
    page.goto(f"{url}/engagements/{baseline['id']}")
    with page.expect_navigation():
        page.locator(".breadcrumb").get_by_role("link", name="Contoso Energy").click()
    assert page.inner_text("h1") == "Contoso Energy"
    assert "Nobody at Contoso Energy reads its results yet" in page.inner_text("main")
    check_both_widths(page, shots, "organisation page")

    page.get_by_label("E-mail address").fill(READER)
    with page.expect_navigation():
        page.get_by_role("button", name="Make an invitation link").click()
    invitation = page.locator("#invitation-url").input_value()
    assert f"{url}/invitations/" in invitation
    assert page.get_by_test_id("pending").count() == 1
    check_both_widths(page, shots, "organisation page with an invitation link")

    page.goto(f"{url}/engagements/{baseline['id']}?tab=report")  # Report & sharing
    panel = page.get_by_test_id("release-panel")
    assert "Not released" in panel.inner_text()
    check_both_widths(page, shots, "engagement page before release")
    panel.get_by_label("Yes, show Contoso Energy's readers these results").check()
    with page.expect_navigation():
        panel.get_by_role("button", name="Release to the readers").click()
    assert "Withdraw the release" in page.get_by_test_id("release-panel").inner_text()
    page.locator("#release").scroll_into_view_if_needed()
    check_both_widths(page, shots, "engagement page released")

    # -- the reader, in a browser of their own ----------------------------------------
    context = new_context(browser)
    try:
        reader = context.new_page()
        reader.set_default_timeout(10_000)
        reader.goto(invitation)
        assert "Contoso Energy" in reader.content()
        check_both_widths(reader, shots, "reader invitation")
        reader.get_by_label("Your name").fill("Chris Fo")
        reader.get_by_label("Choose a password").fill(READER_PASSWORD)
        reader.get_by_label("Password again").fill(READER_PASSWORD)
        with reader.expect_navigation():
            reader.get_by_role("button", name="Join Northwind Consulting").click()

        assert reader.inner_text("h1") == "Shared with you"
        shared = reader.get_by_test_id("shared")
        assert shared.count() == 1
        assert "Baseline 2026" in shared.inner_text()
        assert "Follow-up 2027" not in reader.content()
        check_both_widths(reader, shots, "reader landing page")

        with reader.expect_navigation():
            shared.get_by_role("link", name="See the results").click()
        assert f"/engagements/{baseline['id']}/results" in reader.url
        shots(reader, "reader results page")

        pdf = context.request.get(f"{url}/engagements/{baseline['id']}/report.pdf")
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")

        reader.goto(f"{url}/engagements/{baseline['id']}")
        text = reader.content()
        assert "See the results" in text
        for absent in ("Survey links", "Import and export", "Report settings",
                       "Release to the client", "/respondents/"):
            assert absent not in text, absent
        check_both_widths(reader, shots, "reader engagement page")

        base = f"{url}/engagements/{baseline['id']}"
        for raw in (f"{base}/responses.csv?audience=staff", f"{base}/responses.xlsx",
                    f"{base}/respondents/staff/invitations"):
            assert context.request.get(raw).status == 403, raw
        organisation = context.request.get(f"{url}/organisations/1")  # Contoso Energy's
        assert organisation.status == 403
        for gone in (f"{url}/engagements/{hidden['id']}",
                     f"{url}/engagements/{hidden['id']}/results",
                     f"{url}/engagements/{hidden['id']}/report.pdf"):
            assert context.request.get(gone).status == 404, gone
    finally:
        context.close()

    # The consultant now finds the reader on the organisation's page.
    page.goto(f"{url}/engagements/{baseline['id']}")
    with page.expect_navigation():
        page.locator(".breadcrumb").get_by_role("link", name="Contoso Energy").click()
    [reader_row] = page.get_by_test_id("reader").all()
    assert "Chris Fo" in reader_row.inner_text() and READER in reader_row.inner_text()
    assert page.get_by_test_id("pending").count() == 0
    reader_row.get_by_text("Remove access…").click()
    check_both_widths(page, shots, "organisation page with a reader")
