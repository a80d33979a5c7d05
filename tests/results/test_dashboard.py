"""The dashboard (``/`` for owners and consultants; docs/results.md, "Dashboard"):
status, responses and response rate per audience, last response; sort and filter by
query parameters; a fixed number of queries however many engagements."""

from __future__ import annotations

import re
from datetime import date, timedelta

from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links
from tests.respondents.test_page_cost import statements

STAFF_ANSWERS = {"s_strat_plan": 4, "s_strat_invest": 3}


def sign_in(auth, make_user, role="consultant"):
    user = make_user(role)
    auth.login(user.email)
    return user


def row_names(html: str) -> list[str]:
    """The engagements' names, in the order the dashboard lists them."""
    rows = re.findall(
        r'<tr data-testid="engagement-row">.*?<th scope="row"[^>]*><a [^>]*>(.*?)</a>',
        html, flags=re.S,
    )
    return [re.sub(r"<[^>]+>", "", name) for name in rows]


def test_counts_rates_and_last_response(client, auth, make_user, make_engagement,
                                        make_response):
    sign_in(auth, make_user)
    engagement = make_engagement(organisation="Acme Ltd", name="Spring")
    links.create_single_use_links(engagement, Audience.STAFF, 4)
    db.session.commit()
    response = make_response(engagement, "staff", STAFF_ANSWERS)
    response.submitted_on = date(2026, 3, 2)
    db.session.commit()
    make_engagement(organisation="Birch plc", name="Quiet", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert row_names(html) == ["Spring", "Quiet"]
    assert "<strong>1</strong> of 4 <span class=\"rate\">(25%)</span>" in html
    assert "02 Mar 2026" in html
    assert "none yet" in html  # the draft has no response
    assert "rate not known" in html  # nobody invited to the draft
    # No sideways scroll region: a card per engagement on phones instead.
    assert "table-scroll" not in html


def test_sort_and_filter_by_query_parameters(client, auth, make_user, make_engagement,
                                             make_response):
    sign_in(auth, make_user)
    alpha = make_engagement(organisation="Zeta AG", name="Alpha")
    beta = make_engagement(organisation="Acme Ltd", name="Beta", status="closed")
    make_engagement(organisation="Mid Co", name="Gamma", status="draft")
    for engagement, days_ago in ((alpha, 5), (beta, 1)):
        response = make_response(engagement, "staff", STAFF_ANSWERS)
        response.submitted_on = date.today() - timedelta(days=days_ago)
    db.session.commit()

    assert row_names(client.get("/").get_data(as_text=True)) == ["Beta", "Gamma", "Alpha"]
    assert row_names(client.get("/?sort=name").get_data(as_text=True)) == [
        "Alpha", "Beta", "Gamma"]
    assert row_names(client.get("/?sort=name&order=desc").get_data(as_text=True)) == [
        "Gamma", "Beta", "Alpha"]
    # Status in the order of an engagement's life: draft, open, closed.
    assert row_names(client.get("/?sort=status").get_data(as_text=True)) == [
        "Gamma", "Alpha", "Beta"]
    # Last response: newest first by default; never answered last.
    assert row_names(client.get("/?sort=last_response").get_data(as_text=True)) == [
        "Beta", "Alpha", "Gamma"]
    assert row_names(client.get("/?status=open").get_data(as_text=True)) == ["Alpha"]
    html = client.get(f"/?organisation={beta.organisation_id}").get_data(as_text=True)
    assert row_names(html) == ["Beta"]
    assert "1 of 3 engagements" in html
    assert f'<option value="{beta.organisation_id}" selected>' in html
    # Unknown values fall back to the defaults rather than failing.
    assert client.get("/?sort=evil&status=gone&organisation=x").status_code == 200
    html = client.get("/?status=closed&organisation=" + str(alpha.organisation_id))
    assert 'data-testid="dashboard-empty"' in html.get_data(as_text=True)


def test_another_workspaces_engagements_are_not_listed(client, auth, make_user,
                                                       make_engagement):
    sign_in(auth, make_user)
    make_engagement(name="Ours")
    make_engagement(name="Theirs", organisation="Other Ltd", workspace="Other firm")
    assert row_names(client.get("/").get_data(as_text=True)) == ["Ours"]


def test_a_few_queries_however_many_engagements(client, auth, make_user, make_engagement,
                                                 make_response):
    sign_in(auth, make_user)
    for n in range(2):
        engagement = make_engagement(organisation=f"Org {n}")
        make_response(engagement, "staff", STAFF_ANSWERS)
    client.get("/")  # the instrument parsed once in this process
    db.session.commit()  # each measured request starts from an empty session
    db.session.expire_all()
    with statements() as few:
        assert client.get("/").status_code == 200
    for n in range(2, 10):
        engagement = make_engagement(organisation=f"Org {n}")
        links.create_single_use_links(engagement, Audience.CUSTOMER, 2)
        make_response(engagement, "staff", STAFF_ANSWERS)
    db.session.commit()
    db.session.expire_all()
    with statements() as many:
        html = client.get("/").get_data(as_text=True)
    assert len(row_names(html)) == 10
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 12
