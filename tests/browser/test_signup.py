"""A company signs up in the browser and runs its own survey: sign up, open the first
engagement from the first-run page, answer as one staff member and one customer,
see the counts move, and (with enough further answers imported to pass the
anonymity threshold) read the results. axe-core on each new page at 1280 and 360 px.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.flow import start, walk_to_the_end
from tests.browser.support import DESKTOP, Shots, check_both_widths

pytestmark = pytest.mark.browser

PASSWORD = "plum orchard lantern"
IMPORTED = 5  # further answers per audience: with the one given online, past the threshold


@pytest.fixture
def signup_shots(artifacts_folder: Path | None, request: pytest.FixtureRequest) -> Shots:
    """Screenshots of the new pages, in ``test-artifacts/signup/<test>/`` (only when
    ``ASSESS_TEST_ARTIFACTS=1``)."""
    if artifacts_folder is None:
        return Shots(None)
    name = request.node.name.removeprefix("test_").replace("_", "-")
    folder = artifacts_folder / "signup" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Shots(folder)


def response_counts(page: Any) -> dict[str, str]:
    """The engagement page's "Submitted" column: audience → count."""
    rows = page.locator(
        "section[aria-labelledby=responses-h] [data-testid=response-counts] tbody tr"
    )
    return {
        rows.nth(n).locator("th").inner_text(): rows.nth(n).locator("td").first.inner_text()
        for n in range(rows.count())
    }


def import_answers(engagement_id: int) -> None:
    """``IMPORTED`` varied responses per audience, through the import."""
    from assess.engagements.models import Engagement
    from assess.extensions import db
    from assess.transfer.layout import Layout
    from assess.transfer.services import import_responses

    engagement = db.session.get(Engagement, engagement_id)
    assert engagement is not None
    instrument = engagement.instrument()
    for audience in instrument.audiences():
        layout = Layout.of(instrument, audience)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(layout.header)
        for n in range(IMPORTED):
            values = []
            for k, item in enumerate(layout.items):
                scale = instrument.scale(item.scale)
                values.append(scale.min + (n + k) % (scale.max - scale.min + 1))
            writer.writerow(
                [f"panel-{n}", *[""] * len(layout.segments), *values,
                 *[""] * len(layout.open_questions)]
            )
        import_responses(engagement, str(audience), io.BytesIO(out.getvalue().encode()),
                         "answers.csv")


@pytest.mark.slow
def test_a_company_signs_up_and_runs_its_own_survey(
    browser: Any, context: Any, page: Any, live_server: Any, shots: Shots,
    signup_shots: Shots,
) -> None:
    live_server.app.config["ALLOW_SIGNUP"] = True

    page.goto(f"{live_server.url}/login")
    check_both_widths(page, signup_shots, "sign in")
    with page.expect_navigation():
        page.get_by_role("link", name="Sign up").click()
    check_both_widths(page, signup_shots, "sign up")

    # Sent empty: every field says what it needs, and the page stays accessible.
    with page.expect_navigation():
        page.get_by_role("button", name="Create my account").click()
    assert page.locator("p.error").count() == 6
    check_both_widths(page, signup_shots, "sign up with errors")

    page.get_by_label("Our own company").check()
    page.get_by_label("Name of your company or firm").fill("Contoso Energy")
    page.get_by_label("Your name").fill("Ana Lima")
    page.get_by_label("E-mail").fill("ana@contoso.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create my account").click()

    # Signed in at once, on the first-run page.
    assert page.url == f"{live_server.url}/welcome"
    assert page.get_by_test_id("current-workspace").inner_text() == "Contoso Energy"
    assert page.get_by_role("heading", name="What staff are asked").is_visible()
    check_both_widths(page, signup_shots, "first run")

    with page.expect_navigation():
        page.get_by_role("button", name="Open the survey and get the two links").click()
    assert page.get_by_role("heading", name="Your survey is open").is_visible()
    check_both_widths(page, signup_shots, "first run with the links")

    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    links = {a: page.get_by_test_id(f"open-link-{a}").input_value() for a in ("staff", "customer")}
    page.locator('[data-copy-target="open-link-customer"]').click()
    assert page.evaluate("() => navigator.clipboard.readText()") == links["customer"]

    with page.expect_navigation():
        page.get_by_role("link", name="Go to the survey's page").click()
    engagement_url = page.url
    engagement_id = int(engagement_url.rstrip("/").rsplit("/", 1)[-1])
    assert response_counts(page) == {"Staff": "0", "Customers": "0"}

    # One staff member and one customer answer, each in a browser of their own.
    for audience, url in links.items():
        respondent = browser.new_context(bypass_csp=True, viewport=DESKTOP, locale="en-GB")
        try:
            other = respondent.new_page()
            other.set_default_timeout(10_000)
            start(other, url, shots, audience)
            walk_to_the_end(other, shots, audience)
        finally:
            respondent.close()
    page.reload()
    assert response_counts(page) == {"Staff": "1", "Customers": "1"}
    shots(page, "engagement page with the counts")

    # Enough further answers, imported, to pass the anonymity threshold.
    live_server.run(lambda: import_answers(engagement_id))
    page.reload()
    assert response_counts(page) == {"Staff": str(1 + IMPORTED), "Customers": str(1 + IMPORTED)}
    with page.expect_navigation():
        page.get_by_role("link", name="See the results").click()
    assert page.url == f"{engagement_url}/results"
    assert "Maturity level" in page.locator('[data-rule="position"]').inner_text()
    assert page.get_by_role("heading", name="Executive summary").is_visible()
    shots(page, "results")


def test_a_company_s_staff_read_that_their_employer_runs_the_survey(
    page: Any, live_server: Any, signup_shots: Shots
) -> None:
    """The staff welcome page of a company's own survey, at both widths."""

    def company_survey() -> str:
        from assess.engagements.services import create_engagement
        from assess.instruments.schema import Audience
        from assess.respondents import links as respondent_links
        from assess.workspaces.models import WorkspaceKind
        from assess.workspaces.services import create_workspace

        workspace = create_workspace("Contoso Energy", kind=WorkspaceKind.COMPANY)
        engagement = create_engagement(
            workspace=workspace, organisation="Contoso Energy", name="2026"
        )
        respondent_links.open_engagement(engagement)
        _link, token = respondent_links.open_link(engagement, Audience.STAFF)
        return respondent_links.link_url(token)

    page.goto(live_server.run(company_survey))
    assert "Contoso Energy, your employer, runs this questionnaire itself." in (
        page.locator(".lead").first.inner_text()
    )
    assert "Contoso Energy sees the results only for groups of at least" in (
        page.locator(".privacy").inner_text()
    )
    check_both_widths(page, signup_shots, "staff welcome of a company survey")
