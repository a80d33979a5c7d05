"""Issue 15: the consultant's preview walks the real questionnaire and stores nothing."""

from __future__ import annotations

import pytest

from assess.engagements.services import release
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import pages as questionnaire_pages
from assess.respondents.models import Answer, Comment, Link, Response, SegmentAnswer, SpentKey
from tests.access import give_reader
from tests.respondents.conftest import answer, checked, count, fill, open_token, start, submitted
from tests.respondents.test_language import bilingual  # noqa: F401  (a fixture)

BANNER = "Preview — nothing you enter is saved"


@pytest.fixture
def consultant(client, auth, make_user):
    user = make_user("consultant", email="c@example.com")
    auth.login("c@example.com")
    client.user = user
    return client


def _preview(engagement, audience="staff") -> str:
    return f"/engagements/{engagement.id}/respondents/{audience}/preview"


def _stored() -> dict[str, int]:
    return {model.__name__: count(model)
            for model in (Response, Answer, SegmentAnswer, Comment, SpentKey)}


@pytest.mark.parametrize("status", ["draft", "open", "closed"])
def test_the_preview_walks_every_page_and_stores_nothing(consultant, make_engagement, status):
    engagement = make_engagement(status=status, created_by=consultant.user)
    links_before = count(Link)
    base = _preview(engagement, "customer")
    welcome = consultant.get(base)
    assert welcome.status_code == 200
    html = welcome.get_data(as_text=True)
    assert BANNER in html and f'href="{base}/page/0?lang=en"' in html
    pages = questionnaire_pages.pages_for(engagement.instrument(), Audience.CUSTOMER)
    for number in range(len(pages)):
        path = f"{base}/page/{number}?lang=en"
        shown = consultant.get(path)
        assert shown.status_code == 200 and BANNER in shown.get_data(as_text=True)
        sent = consultant.post(path, data={**fill(shown.get_data(as_text=True)), "action": "next"})
        if number < len(pages) - 1:
            assert sent.status_code == 302, sent.get_data(as_text=True)
            assert sent.headers["Location"].endswith(f"{base}/page/{number + 1}?lang=en")
    end = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "End of the preview" in end and BANNER in end
    assert _stored() == dict.fromkeys(_stored(), 0)
    assert count(Link) == links_before
    # No cookie for any live link's path.
    assert not [c for c in consultant._cookies.values() if c.path.startswith("/r/")]


def test_the_preview_keeps_answers_between_pages_in_the_session(consultant, make_engagement):
    engagement = make_engagement(created_by=consultant.user)
    base = _preview(engagement)
    consultant.get(base)
    page = consultant.get(f"{base}/page/1").get_data(as_text=True)
    form = fill(page)
    assert consultant.post(f"{base}/page/1", data={**form, "action": "next"}).status_code == 302
    again = consultant.get(f"{base}/page/1").get_data(as_text=True)
    assert checked(again) == {k: v for k, v in form.items() if k.startswith("item-")}
    assert count(Response) == 0 and count(Answer) == 0
    # Opening the preview again starts it empty.
    consultant.get(base)
    assert checked(consultant.get(f"{base}/page/1").get_data(as_text=True)) == {}


def test_the_preview_validates_asks_and_refuses_an_empty_response(consultant, make_engagement):
    engagement = make_engagement(created_by=consultant.user)
    base = _preview(engagement)
    item = engagement.instrument().questionnaires[Audience.STAFF].sections[0].items[0]
    wrong = consultant.post(f"{base}/page/1", data={f"item-{item}": "99", "action": "next"})
    assert wrong.status_code == 400
    assert "Nothing on this page was saved yet" in wrong.get_data(as_text=True)
    asked = consultant.post(f"{base}/page/1", data={"action": "next"})
    assert asked.status_code == 200 and "Continue anyway" in asked.get_data(as_text=True)
    last = len(questionnaire_pages.pages_for(engagement.instrument(), Audience.STAFF)) - 1
    nothing = consultant.post(f"{base}/page/{last}", data={"action": "submit"})
    html = nothing.get_data(as_text=True)
    assert "Nothing was recorded" in html and f'href="{base}/page/1?lang=en"' in html
    later = consultant.post(f"{base}/page/1", data={"action": "later"}).get_data(as_text=True)
    assert "In this preview, nothing was saved." in later and BANNER in later
    assert count(Response) == 0


def test_the_preview_speaks_the_instrument_s_languages(consultant, bilingual):  # noqa: F811
    bilingual.created_by_id = consultant.user.id
    db.session.commit()
    base = _preview(bilingual, "customer")
    welcome = consultant.get(f"{base}?lang=de").get_data(as_text=True)
    assert "Ihre Anonymität" in welcome and f'href="{base}/page/0?lang=de"' in welcome
    section = consultant.get(f"{base}/page/1?lang=de").get_data(as_text=True)
    assert "<h1>Der Umgang mit ihnen</h1>" in section
    assert "Vorschau — nichts, was Sie eingeben, wird gespeichert" in section


def test_a_preview_never_locks_the_browser_out_of_the_open_link(consultant, make_engagement):
    engagement = make_engagement(created_by=consultant.user)
    token = open_token(engagement)
    base = _preview(engagement)
    pages = questionnaire_pages.pages_for(engagement.instrument(), Audience.STAFF)
    for number in range(len(pages)):
        consultant.post(f"{base}/page/{number}",
                        data={**fill(consultant.get(f"{base}/page/{number}")
                                     .get_data(as_text=True)), "action": "next"})
    # The same browser answers the live link, all the way.
    start(consultant, token)
    for number in range(len(pages)):
        assert answer(consultant, token, number).status_code == 302
    assert submitted() == 1


def test_the_links_panel_offers_a_preview_per_audience(consultant, make_engagement):
    engagement = make_engagement(created_by=consultant.user)
    html = consultant.get(f"/engagements/{engagement.id}?tab=respondents").get_data(as_text=True)
    for audience in ("staff", "customer"):
        assert f'href="{_preview(engagement, audience)}"' in html


def test_only_those_who_may_manage_the_engagement_preview(app, make_user, make_engagement):
    owner = make_user("consultant", email="owner@example.com")
    engagement = make_engagement(created_by=owner)
    reader = make_user("client", email="reader@example.com")
    give_reader(reader, engagement.organisation)
    release(engagement)  # a reader sees the engagement, never its preview
    make_user("consultant", email="stranger@example.com", workspace="Another firm")
    db.session.commit()
    expected = {"reader@example.com": 403, "stranger@example.com": 404, None: 302}
    for email, status in expected.items():
        browser = app.test_client()
        if email:
            browser.post("/login", data={"email": email, "password": "correct-horse"})
        assert browser.get(_preview(engagement)).status_code == status, email
        assert browser.get(f"{_preview(engagement)}/page/1").status_code == status, email
        assert browser.post(f"{_preview(engagement)}/page/1").status_code == status, email
