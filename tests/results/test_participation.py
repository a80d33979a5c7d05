"""Response rates (docs/results.md, "Response rates"): invited = personal links
issued and not withdrawn + the open-link mailing count the consultant enters; in
``assess results``, on the engagement page and in the report; responses per day."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from assess.audit.models import AuditEntry
from assess.engagements.models import Engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links
from assess.results.participation import (
    engagement_participation,
    response_rate,
    responses_per_day,
)

STAFF_ANSWERS = {"s_strat_plan": 4, "s_strat_invest": 3}
CUSTOMER_ANSWERS = {"c_ease_easy": 4}


def sign_in(auth, make_user, role="consultant"):
    user = make_user(role)
    auth.login(user.email)
    return user


def results_json(runner, engagement_id) -> dict:
    outcome = runner.invoke(args=["results", str(engagement_id), "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


def test_rate_is_unknown_without_a_sound_count():
    assert response_rate(3, None) is None
    assert response_rate(0, 0) is None
    assert response_rate(5, 4) is None  # more answered than invited: the count is short
    assert response_rate(3, 12) == 0.25


def test_personal_links_and_mailings_make_the_number_invited(app, runner, make_engagement,
                                                             make_response):
    engagement = make_engagement()
    document = results_json(runner, engagement.id)
    # Nothing issued, nothing entered: unknown, not zero.
    assert document["audiences"]["staff"]["invited"] is None
    assert document["audiences"]["staff"]["response_rate"] is None

    links.create_single_use_links(engagement, Audience.STAFF, 8)
    db.session.commit()
    for _ in range(2):
        make_response(engagement, "staff", STAFF_ANSWERS)
    document = results_json(runner, engagement.id)
    assert document["audiences"]["staff"]["invited"] == 8
    assert document["audiences"]["staff"]["response_rate"] == 0.25
    assert document["audiences"]["customer"]["invited"] is None

    # Withdrawn personal links are no longer counted; the mailing count is added.
    withdrawn = links.withdraw_unused_single_use(engagement, Audience.STAFF)
    assert withdrawn == 8
    links.create_single_use_links(engagement, Audience.STAFF, 3)
    engagement.staff_invited = 5
    db.session.commit()
    document = results_json(runner, engagement.id)
    assert document["audiences"]["staff"]["invited"] == 8
    assert document["audiences"]["staff"]["response_rate"] == 0.25
    assert document["audiences"]["staff"]["responses"] == 2


def test_the_consultant_enters_the_open_link_mailings(client, auth, make_user, make_engagement,
                                                      make_response):
    user = sign_in(auth, make_user)
    engagement = make_engagement(created_by=user)
    for _ in range(3):
        make_response(engagement, "customer", CUSTOMER_ANSWERS)
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="response-counts"' in page
    assert "Sent the open link yourself?" in page

    done = client.post(f"/engagements/{engagement.id}/open-link-mailings",
                       data={"mailed-staff": "", "mailed-customer": "120"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Open-link mailing counts saved: customers 120." in page
    assert "<td>120</td>" in page
    assert "<td>2%</td>" in page  # 3 of 120 = 2.5%, shown without decimals
    stored = db.session.get(Engagement, engagement.id)
    assert (stored.staff_invited, stored.customer_invited) == (None, 120)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "open_link_mailing")
    ).one()
    assert entry.engagement_id == engagement.id
    assert entry.actor == user.email
    assert "customers 120" in entry.detail

    # A negative number is refused with a message; nothing changes.
    refused = client.post(f"/engagements/{engagement.id}/open-link-mailings",
                          data={"mailed-staff": "-4", "mailed-customer": "120"},
                          follow_redirects=True)
    assert "Give a whole number, 0 or more." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Engagement, engagement.id).staff_invited is None

    # Emptying a box makes the number unknown again.
    client.post(f"/engagements/{engagement.id}/open-link-mailings",
                data={"mailed-staff": "", "mailed-customer": ""})
    db.session.expire_all()
    assert db.session.get(Engagement, engagement.id).customer_invited is None


def test_a_reader_cannot_enter_mailings(client, auth, make_user, make_engagement):
    engagement = make_engagement()
    user = make_user("reader", organisations=[engagement.organisation])
    auth.login(user.email)
    refused = client.post(f"/engagements/{engagement.id}/open-link-mailings",
                          data={"mailed-customer": "5"})
    assert refused.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(Engagement, engagement.id).customer_invited is None


def test_more_answers_than_invited_asks_for_the_mailing_count(client, auth, make_user,
                                                              make_engagement, make_response):
    user = sign_in(auth, make_user)
    engagement = make_engagement(created_by=user)
    links.create_single_use_links(engagement, Audience.STAFF, 1)
    db.session.commit()
    for _ in range(2):
        make_response(engagement, "staff", STAFF_ANSWERS)
    figures = engagement_participation(engagement).audiences["staff"]
    assert (figures.invited, figures.rate, figures.exceeds_invited) == (1, None, True)
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="exceeds-invited"' in page


def test_responses_per_day_while_fieldwork_is_open(client, auth, make_user, make_engagement,
                                                   make_response):
    user = sign_in(auth, make_user)
    engagement = make_engagement(created_by=user)
    today = date.today()
    engagement.opened_on = today - timedelta(days=3)
    db.session.commit()
    first = make_response(engagement, "staff", STAFF_ANSWERS)
    first.submitted_on = today - timedelta(days=2)
    make_response(engagement, "customer", CUSTOMER_ANSWERS)
    make_response(engagement, "customer", CUSTOMER_ANSWERS)
    db.session.commit()
    daily = responses_per_day(engagement, today=today)
    assert daily is not None
    assert [(d.day, d.counts) for d in daily.days] == [
        (today, {"staff": 0, "customer": 2}),
        (today - timedelta(days=1), {"staff": 0, "customer": 0}),
        (today - timedelta(days=2), {"staff": 1, "customer": 0}),
        (today - timedelta(days=3), {"staff": 0, "customer": 0}),
    ]
    assert daily.most == 2
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="responses-per-day"' in page
    assert (today - timedelta(days=2)).strftime("%a %d %b") in page

    # A draft was never opened: no days to show.
    draft = make_engagement(status="draft", created_by=user)
    assert responses_per_day(draft) is None


def test_the_report_shows_the_rate(app, make_engagement, make_response):
    from assess.reports.data import audience_summary
    from assess.results.service import engagement_results

    engagement = make_engagement()
    links.create_single_use_links(engagement, Audience.CUSTOMER, 4)
    engagement.customer_invited = 6
    db.session.commit()
    for _ in range(5):
        make_response(engagement, "customer", CUSTOMER_ANSWERS)
    rows = audience_summary(engagement, engagement_results(engagement), engagement.instrument())
    customer = next(r for r in rows if r["id"] == "customer")
    assert (customer["invited"], customer["rate"]) == (10, 0.5)
    staff = next(r for r in rows if r["id"] == "staff")
    assert (staff["invited"], staff["rate"]) == (None, None)


def test_issuing_links_changes_the_cached_reports_key(app, make_engagement):
    from assess.reports.service import cache_key

    engagement = make_engagement()
    before = cache_key(engagement, "a4", None)
    links.create_single_use_links(engagement, Audience.STAFF, 2)
    db.session.commit()
    assert cache_key(engagement, "a4", None) != before
