"""The consultant's links panel: open links, personal-link CSVs, replacing, withdrawing."""

from __future__ import annotations

import csv
import io
import re

import pytest

from assess.engagements.services import release
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links as respondent_links
from assess.respondents.models import Link, LinkKind
from tests.access import give_reader
from tests.respond import answer_questionnaire
from tests.respondents.conftest import count, open_token, personal_tokens

OPEN_LINK = re.compile(r'value="(http://testserver/r/[^"]+)"[^>]*data-testid="open-link-(\w+)"')


@pytest.fixture
def signed_in(client, auth, make_user, make_engagement):
    user = make_user("consultant", email="c@example.com")
    auth.login("c@example.com")
    client.engagement = make_engagement(created_by=user)
    for audience in Audience:
        respondent_links.open_link(client.engagement, audience)
    db.session.commit()
    return client


def _base(client) -> str:
    return f"/engagements/{client.engagement.id}/respondents"


def test_the_panel_shows_the_open_links_and_the_response_rate(signed_in, make_engagement):
    engagement = signed_in.engagement
    [used, _unused] = personal_tokens(engagement, "customer", 2)
    answer_questionnaire(signed_in.application.test_client(), f"http://testserver/r/{used}")
    html = signed_in.get(f"/engagements/{engagement.id}?tab=respondents").get_data(as_text=True)
    links = {audience: url for url, audience in OPEN_LINK.findall(html)}
    assert links == {
        "staff": respondent_links.link_url(open_token(engagement, "staff")),
        "customer": respondent_links.link_url(open_token(engagement, "customer")),
    }
    assert re.search(r"Personal links used</th><td>1 \(50%\)", html)
    assert "Download personal links for customers (CSV)" in html
    assert "Replace the open link" in html
    assert "js/links-panel.js" in html  # the Copy button, an enhancement


def test_a_closed_engagement_shows_counts_but_no_links(signed_in):
    from assess.engagements.models import Status
    from assess.engagements.services import set_status

    set_status(signed_in.engagement, Status.CLOSED)
    db.session.commit()
    respondents = f"/engagements/{signed_in.engagement.id}?tab=respondents"
    html = signed_in.get(respondents).get_data(as_text=True)
    assert "no longer accept answers" in html
    assert "data-testid=\"open-link" not in html and "Download personal links" not in html
    refused = signed_in.post(f"{_base(signed_in)}/staff/links.csv", data={"staff-count": "5"})
    assert refused.status_code == 302 and count(Link, Link.kind == LinkKind.SINGLE_USE) == 0


def test_personal_links_download_as_a_csv_for_a_mail_merge(signed_in):
    download = signed_in.post(f"{_base(signed_in)}/staff/links.csv", data={"staff-count": "5"})
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert len(rows) == 5 and {r["audience"] for r in rows} == {"staff"}
    respondent = signed_in.application.test_client()
    for row in rows:
        assert respondent.get(row["link"].removeprefix("http://testserver")).status_code == 200
    assert count(Link, Link.kind == LinkKind.SINGLE_USE) == 5


@pytest.mark.parametrize("wrong", ["0", "10001", "many", ""])
def test_a_wrong_number_of_links_is_explained(signed_in, wrong):
    refused = signed_in.post(f"{_base(signed_in)}/customer/links.csv",
                             data={"customer-count": wrong}, follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert "flash-error" in html
    assert count(Link, Link.kind == LinkKind.SINGLE_USE) == 0


def test_replacing_the_open_link_needs_a_confirmation(signed_in):
    old = open_token(signed_in.engagement, "customer")
    unconfirmed = signed_in.post(f"{_base(signed_in)}/customer/open-link/replace",
                                 follow_redirects=True)
    assert "Tick the box to confirm." in unconfirmed.get_data(as_text=True)
    assert open_token(signed_in.engagement, "customer") == old
    confirmed = signed_in.post(f"{_base(signed_in)}/customer/open-link/replace",
                               data={"customer-confirm": "y"}, follow_redirects=True)
    assert "The customer open link was replaced" in confirmed.get_data(as_text=True)
    new = open_token(signed_in.engagement, "customer")
    assert new != old and new in confirmed.get_data(as_text=True)
    assert signed_in.get(f"/r/{old}").status_code == 404
    assert open_token(signed_in.engagement, "staff")  # the other audience's link is untouched


def test_withdrawing_unused_personal_links(signed_in):
    tokens = personal_tokens(signed_in.engagement, "staff", 3)
    withdrawn = signed_in.post(f"{_base(signed_in)}/staff/personal-links/withdraw",
                               data={"staff-confirm": "y"}, follow_redirects=True)
    assert "3 unused staff personal links withdrawn." in withdrawn.get_data(as_text=True)
    assert all(signed_in.get(f"/r/{t}").status_code == 404 for t in tokens)


def test_only_those_who_manage_the_engagement_may_touch_its_links(
    client, auth, make_user, make_engagement
):
    owner = make_user("consultant", email="owner@example.com")
    engagement = make_engagement(created_by=owner)
    viewer = make_user("client", email="viewer@example.com")
    give_reader(viewer, engagement.organisation)
    release(engagement)  # a reader sees it (403 below), never its links
    make_user("consultant", email="stranger@example.com", workspace="Another firm")
    db.session.commit()
    base = f"/engagements/{engagement.id}/respondents/staff"
    actions = [
        ("post", f"{base}/links.csv", {"staff-count": "3"}),
        ("post", f"{base}/open-link/replace", {"staff-confirm": "y"}),
        ("post", f"{base}/personal-links/withdraw", {"staff-confirm": "y"}),
        ("get", f"{base}/invitations", {}),
        ("get", f"{base}/reminder", {}),
    ]
    for method, url, data in actions:  # signed out: to the sign-in page
        assert "/login" in getattr(client, method)(url, data=data).headers["Location"]
    for email, status in (("viewer@example.com", 403), ("stranger@example.com", 404)):
        auth.login(email)
        for method, url, data in actions:
            assert getattr(client, method)(url, data=data).status_code == status, (email, url)
        auth.logout()
    assert count(Link) == 0


def test_an_audience_that_does_not_exist_is_not_found(signed_in):
    assert signed_in.post(f"{_base(signed_in)}/suppliers/links.csv").status_code == 404
