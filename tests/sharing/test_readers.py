"""Client readers (docs/sharing.md, "Readers"): invited from the organisation's page
by e-mail or by a link, they read the released engagements of their organisations
(results, PDF, logo, a reader's engagement page) and nothing else: unreleased
engagements do not exist for them (404), raw data, links and settings are refused
(403); a consultant takes access away again. On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.accounts.services import find_user
from assess.audit.models import AuditEntry
from assess.engagements.access import actor_in, visible_engagements
from assess.engagements.services import release, withdraw_release
from assess.extensions import db
from assess.reports import views as report_views
from assess.reports.settings import update_report_settings
from assess.workspaces.models import MemberRole, Membership, ReaderAccess
from assess.workspaces.services import membership_of
from tests.accounts.inbox import Inbox, free_port, link_in, serve

PASSWORD = "correct-horse"
NEW_PASSWORD = "lighthouse-keeper-tea"
LINK = re.compile(r'readonly>http://testserver(/invitations/[^<]+)</textarea>')


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    controller = serve(box)
    yield box
    controller.stop()


def signed_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def readable(email: str) -> set[int]:
    db.session.rollback()  # read what the requests committed
    user = find_user(email)
    assert user is not None
    return set(db.session.scalars(
        select(ReaderAccess.organisation_id)
        .join(Membership, Membership.id == ReaderAccess.membership_id)
        .where(Membership.user_id == user.id)
    ))


def join(app: Flask, path: str, name: str = "Rita Reader") -> FlaskClient:
    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200
    joined = newcomer.post(path, data={"name": name, "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD})
    assert joined.status_code == 302, joined.get_data(as_text=True)
    return newcomer


@pytest.fixture
def consultant(app: Flask, make_user: Any) -> FlaskClient:
    make_user("consultant", email="con@example.com")
    return signed_in(app, "con@example.com")


def test_a_consultant_invites_a_reader_by_link_who_then_reads_only_what_is_released(
    app: Flask, consultant: FlaskClient, make_engagement: Any,
) -> None:
    acme = make_engagement(organisation="Acme Ltd", name="Spring wave")
    make_engagement(organisation="Beta plc", name="Beta's survey")
    organisation_id = acme.organisation_id
    page = consultant.get(f"/organisations/{organisation_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Spring wave" in html and "Beta" not in html and "Not released" in html

    made = consultant.post(f"/organisations/{organisation_id}/readers/invite",
                           data={"email": "Rita@Client.example"})
    assert made.status_code == 200
    [path] = LINK.findall(made.get_data(as_text=True))
    assert "rita@client.example" in consultant.get(
        f"/organisations/{organisation_id}").get_data(as_text=True)  # pending
    assert "read the assessment results it shares with you for <bdi>Acme Ltd</bdi>" in (
        app.test_client().get(path).get_data(as_text=True))

    reader = join(app, path)
    assert readable("rita@client.example") == {organisation_id}
    user = find_user("rita@client.example")
    assert membership_of(user, acme.organisation.workspace).role == MemberRole.READER
    # The invitation was used: the link works once.
    assert app.test_client().get(path).status_code == 404

    # Nothing is released yet: the landing page is empty and the engagement is not there.
    landing = reader.get("/").get_data(as_text=True)
    assert "Shared with you" in landing and "Spring wave" not in landing
    for url in (f"/engagements/{acme.id}", f"/engagements/{acme.id}/results",
                f"/engagements/{acme.id}/report.pdf", f"/engagements/{acme.id}/report/logo"):
        assert reader.get(url).status_code == 404, url
    assert reader.get(f"/engagements/{acme.id}/responses.csv?audience=staff").status_code == 404

    release(acme)
    db.session.commit()
    landing = reader.get("/").get_data(as_text=True)
    assert "Spring wave" in landing and "Beta" not in landing
    assert f'href="/engagements/{acme.id}/results"' in landing
    assert f'href="/engagements/{acme.id}/report.pdf"' in landing
    detail = reader.get(f"/engagements/{acme.id}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "See the results" in text
    for absent in ("respondents/", "responses.csv", "/status", "report/settings",
                   "share-links", "/release", "Submitted"):
        assert absent not in text, absent
    assert reader.get(f"/engagements/{acme.id}/results").status_code == 200
    # Raw data, links and settings: refused, since the reader can see the engagement.
    for method, url in (
        ("get", f"/engagements/{acme.id}/responses.csv?audience=staff"),
        ("get", f"/engagements/{acme.id}/responses.xlsx"),
        ("get", f"/engagements/{acme.id}/respondents/staff/invitations"),
        ("post", f"/engagements/{acme.id}/release/withdraw"),
        ("post", f"/engagements/{acme.id}/report/settings"),
        ("get", f"/organisations/{organisation_id}"),
    ):
        assert getattr(reader, method)(url).status_code == 403, url

    # Withdrawn: gone again, as if it had never been there.
    withdraw_release(acme)
    db.session.commit()
    assert reader.get(f"/engagements/{acme.id}/results").status_code == 404
    assert "Spring wave" not in reader.get("/").get_data(as_text=True)


def test_the_pdf_and_the_logo_reach_a_reader_of_a_released_engagement(
    app: Flask, make_user: Any, make_engagement: Any, make_response: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []

    def stub(engagement: Any, page_size: str = "a4", *, released_only: bool = False) -> bytes:
        seen.append(released_only)
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr(report_views, "engagement_report_pdf", stub)
    engagement = make_engagement()
    # One counted response: without any there is no report to download (docs/report.md).
    item = engagement.instrument().items_for("staff")[0]
    make_response(engagement, "staff", {item.id: 4})
    from tests.reports.test_views_and_settings import png  # a small PNG

    update_report_settings(engagement, prepared_by="Con", accent_colour="#1f4e79", logo=png())
    release(engagement)
    make_user("reader", email="rita@client.example", organisations=[engagement.organisation])
    make_user("consultant", email="con@example.com")
    reader = signed_in(app, "rita@client.example")
    assert reader.get(f"/engagements/{engagement.id}/report.pdf").status_code == 200
    assert reader.get(f"/engagements/{engagement.id}/report/logo").status_code == 200
    consultant = signed_in(app, "con@example.com")
    assert consultant.get(f"/engagements/{engagement.id}/report.pdf").status_code == 200
    assert seen == [True, False]  # a reader's trend compares released waves only


def test_a_reader_of_another_organisation_or_workspace_sees_nothing(
    app: Flask, make_user: Any, make_engagement: Any,
) -> None:
    acme = make_engagement(organisation="Acme Ltd")
    beta = make_engagement(organisation="Beta plc")
    theirs = make_engagement(organisation="Acme Ltd", workspace="Other firm")
    for engagement in (acme, beta, theirs):
        release(engagement)
    make_user("reader", email="rita@client.example", organisations=[acme.organisation])
    reader = signed_in(app, "rita@client.example")
    assert reader.get(f"/engagements/{acme.id}/results").status_code == 200
    for engagement in (beta, theirs):
        assert reader.get(f"/engagements/{engagement.id}/results").status_code == 404
        assert reader.get(f"/organisations/{engagement.organisation_id}").status_code == 404
    user = find_user("rita@client.example")
    actor = actor_in(user, acme.organisation.workspace_id)
    assert actor is not None
    assert [e.id for e in visible_engagements(actor)] == [acme.id]


def test_inviting_someone_who_already_reads_here_gives_the_organisation_at_once(
    app: Flask, consultant: FlaskClient, make_user: Any, make_engagement: Any,
) -> None:
    acme = make_engagement(organisation="Acme Ltd")
    beta = make_engagement(organisation="Beta plc")
    make_user("reader", email="rita@client.example", organisations=[acme.organisation])
    made = consultant.post(f"/organisations/{beta.organisation_id}/readers/invite",
                           data={"email": "rita@client.example"}, follow_redirects=True)
    assert "now reads Beta plc too" in made.get_data(as_text=True)
    assert readable("rita@client.example") == {acme.organisation_id, beta.organisation_id}
    # A consultant sees everything already: refused, with the reason at the field.
    make_user("consultant", email="ana@example.com")
    refused = consultant.post(f"/organisations/{beta.organisation_id}/readers/invite",
                              data={"email": "ana@example.com"})
    assert refused.status_code == 400
    assert "see every organisation already" in refused.get_data(as_text=True)
    bad = consultant.post(f"/organisations/{beta.organisation_id}/readers/invite",
                          data={"email": "not an address"})
    assert bad.status_code == 400


def test_a_second_invitation_to_the_same_address_covers_both_organisations(
    app: Flask, consultant: FlaskClient, make_engagement: Any,
) -> None:
    acme = make_engagement(organisation="Acme Ltd")
    beta = make_engagement(organisation="Beta plc")
    first = consultant.post(f"/organisations/{acme.organisation_id}/readers/invite",
                            data={"email": "rita@client.example"})
    [old] = LINK.findall(first.get_data(as_text=True))
    second = consultant.post(f"/organisations/{beta.organisation_id}/readers/invite",
                             data={"email": "rita@client.example"})
    [new] = LINK.findall(second.get_data(as_text=True))
    assert app.test_client().get(old).status_code == 404  # replaced
    join(app, new)
    assert readable("rita@client.example") == {acme.organisation_id, beta.organisation_id}


def test_withdrawing_an_invitation_and_removing_a_reader(
    app: Flask, consultant: FlaskClient, make_user: Any, make_engagement: Any,
) -> None:
    acme = make_engagement(organisation="Acme Ltd")
    beta = make_engagement(organisation="Beta plc")
    release(acme)
    db.session.commit()
    made = consultant.post(f"/organisations/{acme.organisation_id}/readers/invite",
                           data={"email": "sam@client.example"})
    [path] = LINK.findall(made.get_data(as_text=True))
    from assess.accounts import tokens

    [pending] = tokens.pending_invitations(acme.organisation.workspace_id)
    # Another organisation's page does not reach it.
    assert consultant.post(
        f"/organisations/{beta.organisation_id}/invitations/{pending.id}/withdraw"
    ).status_code == 404
    assert consultant.post(
        f"/organisations/{acme.organisation_id}/invitations/{pending.id}/withdraw"
    ).status_code == 302
    assert app.test_client().get(path).status_code == 404

    make_user("reader", email="rita@client.example",
              organisations=[acme.organisation, beta.organisation])
    rita = signed_in(app, "rita@client.example")
    assert rita.get(f"/engagements/{acme.id}/results").status_code == 200
    membership = membership_of(find_user("rita@client.example"), acme.organisation.workspace)
    assert membership is not None
    url = f"/organisations/{acme.organisation_id}/readers/{membership.id}/remove"
    unticked = consultant.post(url)
    assert unticked.status_code == 302
    assert readable("rita@client.example") == {acme.organisation_id, beta.organisation_id}
    assert consultant.post(url, data={"confirm": "y"}).status_code == 302
    assert readable("rita@client.example") == {beta.organisation_id}
    # From her next click on: gone, while she still reads Beta.
    assert rita.get(f"/engagements/{acme.id}/results").status_code == 404
    assert rita.get("/").status_code == 200
    # Removed from the last organisation, she leaves the workspace and is signed out.
    last = f"/organisations/{beta.organisation_id}/readers/{membership.id}/remove"
    assert consultant.post(last, data={"confirm": "y"}).status_code == 302
    db.session.rollback()
    assert membership_of(find_user("rita@client.example"), acme.organisation.workspace) is None
    assert "/login" in rita.get("/").headers["Location"]
    # Again: no such reader any more.
    assert consultant.post(last, data={"confirm": "y"}).status_code == 404
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.in_(["member_invited",
                                                               "member_removed"]))
    ).all()
    assert sorted(actions) == ["member_invited", "member_removed", "member_removed"]


def test_a_reader_invitation_by_e_mail_names_the_organisation(
    make_app: Any, app: Flask, make_user: Any, make_engagement: Any, inbox: Inbox,
) -> None:
    smtp = make_app(**inbox.config())
    acme = make_engagement(organisation="Acme Ltd")
    make_user("consultant", email="con@example.com")
    consultant = signed_in(smtp, "con@example.com")
    sent = consultant.post(f"/organisations/{acme.organisation_id}/readers/invite",
                           data={"email": "rita@client.example"})
    assert sent.status_code == 302
    [message] = inbox.to("rita@client.example")
    assert message["Subject"] == "Test firm shares results with you"
    assert "for Acme Ltd" in message.get_content()
    join(smtp, link_in(message))
    assert readable("rita@client.example") == {acme.organisation_id}
    assert find_user("rita@client.example").email_verified_at is not None


def test_reader_invitations_count_against_the_mail_limits(
    make_app: Any, app: Flask, make_user: Any, make_engagement: Any, inbox: Inbox,
) -> None:
    smtp = make_app(**inbox.config(), MAIL_LIMITS="2/hour")
    acme = make_engagement(organisation="Acme Ltd")
    make_user("consultant", email="con@example.com")
    consultant = signed_in(smtp, "con@example.com")
    answers = [
        consultant.post(f"/organisations/{acme.organisation_id}/readers/invite",
                        data={"email": f"p{n}@client.example"}).status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]
    assert len(inbox.received) == 2


def test_a_reader_never_gets_comments_below_the_comment_threshold(
    app: Flask, make_user: Any, make_engagement: Any, make_response: Any,
) -> None:
    engagement = make_engagement(anonymity_threshold=3)  # comments from 6 responses
    instrument = engagement.instrument()
    answers = {item.id: instrument.scale(item.scale).max
               for item in instrument.items_for("customer")}
    for n in range(5):
        make_response(engagement, "customer", answers,
                      comments={"c_open_change": f"A private remark {n}"})
    release(engagement)
    make_user("reader", email="rita@client.example", organisations=[engagement.organisation])
    db.session.commit()
    reader = signed_in(app, "rita@client.example")
    page = reader.get(f"/engagements/{engagement.id}/results").get_data(as_text=True)
    assert "A private remark" not in page
