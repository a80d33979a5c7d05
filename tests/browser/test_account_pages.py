"""The account pages in a real browser: axe-core at 1280 and 360 px on each —
forgot password, an invalid link, the account page, the members page with an
invitation link, the second factor's set-up and its challenge at sign-in."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from tests.browser.support import Shots, check_both_widths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL = "olivia@northwind.example"
PASSWORD = "plum orchard lantern"


def test_account_members_and_second_factor_pages_are_accessible(
    page: Any, live_server: Any, shots: Shots
) -> None:
    def owner() -> None:
        from assess.accounts.services import create_user
        from assess.workspaces.models import MemberRole
        from assess.workspaces.services import add_member
        from tests.access import workspace_named

        user = create_user(EMAIL, PASSWORD, name="Olivia Owusu", verified=True)
        add_member(workspace_named("Northwind Consulting"), user, MemberRole.OWNER)

    live_server.run(owner)
    url = live_server.url

    page.goto(f"{url}/forgot")
    check_both_widths(page, shots, "forgot")
    page.goto(f"{url}/reset/not-a-real-token-but-long-enough-1234")
    check_both_widths(page, shots, "invalid link")

    live_server.sign_in(page, EMAIL, PASSWORD)
    page.goto(f"{url}/account")
    assert "Your account" in page.inner_text("h1")
    check_both_widths(page, shots, "account")

    page.goto(f"{url}/members")
    page.get_by_label("E-mail address").fill("ana@northwind.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Make an invitation link").click()
    assert "/invitations/" in page.content()
    check_both_widths(page, shots, "members with an invitation link")

    page.goto(f"{url}/account/second-factor")
    check_both_widths(page, shots, "second factor set-up")
    secret = page.get_by_test_id("secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on").click()
    check_both_widths(page, shots, "recovery codes")

    # Signing in again now asks for the code.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    live_server.sign_in(page, EMAIL, PASSWORD)
    assert "/login/second-factor" in page.url
    check_both_widths(page, shots, "second factor challenge")
