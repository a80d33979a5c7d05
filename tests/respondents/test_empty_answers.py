"""Issue 15: a page with no answer asks once; a response with no rated answer is no
response (scoring rule 1, amended); "Finish later" saves the page and says how to
come back."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links as respondent_links
from assess.respondents import pages as questionnaire_pages
from assess.respondents.models import Response, ResponseStatus, SpentKey
from assess.respondents.texts import ENGLISH, ui_texts
from assess.results.service import engagement_results, response_counts
from tests.respondents.conftest import (
    answer,
    answers_of,
    checked,
    count,
    fill,
    link_for,
    open_token,
    personal_tokens,
    start,
    submitted,
)


def _pages(engagement, audience="staff"):
    return questionnaire_pages.pages_for(engagement.instrument(), Audience(audience))


# -- a page with no answer asks once -------------------------------------------------


def test_a_page_with_no_answer_asks_once_then_goes_on(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement)
    start(client, token)
    asked = client.post(f"/r/{token}/page/1", data={"action": "next"})
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "You have not answered any question on this page" in html
    assert '<input type="hidden" name="empty_ok" value="1">' in html
    assert 'value="next" class="button">Continue anyway</button>' in html
    assert count(Response) == 0  # the question stores nothing
    went_on = client.post(f"/r/{token}/page/1", data={"action": "next", "empty_ok": "1"})
    assert went_on.status_code == 302
    assert went_on.headers["Location"].endswith(f"/r/{token}/page/2")


def test_an_answer_or_dont_know_goes_on_without_asking(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement)
    start(client, token)
    assert answer(client, token, 1).status_code == 302
    assert answer(client, token, 2, choose=lambda name, values: "na").status_code == 302


def test_about_you_back_and_finish_later_never_ask(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement)
    start(client, token)
    assert client.post(f"/r/{token}/page/0", data={"action": "next"}).status_code == 302
    assert client.post(f"/r/{token}/page/1", data={"action": "back"}).status_code == 302
    later = client.post(f"/r/{token}/page/1", data={"action": "later"})
    assert later.status_code == 200 and "Your answers are saved" in later.get_data(as_text=True)


# -- a response with no rated answer is no response ----------------------------------


def _walk_without_answering(client, token, pages):
    start(client, token)
    for number in range(len(pages)):
        sent = client.post(f"/r/{token}/page/{number}", data={"action": "next", "empty_ok": "1"})
        if number < len(pages) - 1:
            assert sent.status_code == 302, sent.get_data(as_text=True)
    return sent


def test_a_response_with_no_rated_answer_is_not_submitted(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    pages = _pages(engagement, "customer")
    last = _walk_without_answering(client, token, pages)
    assert last.status_code == 200
    html = last.get_data(as_text=True)
    assert "<h1>Nothing was recorded</h1>" in html and "Thank you" not in html
    first_section = next(n for n, p in enumerate(pages) if p.kind == "section")
    assert f'href="/r/{token}/page/{first_section}"' in html
    # Not submitted, the link not used, no key spent: the respondent may still answer.
    assert submitted() == 0 and count(SpentKey) == 0
    assert link_for(token).used is False
    [response] = db.session.scalars(select(Response)).all()
    assert response.status == ResponseStatus.IN_PROGRESS
    assert client.get(f"/r/{token}/thanks").status_code == 302  # no thank-you page
    # The way back: answer one statement, submit again, and it counts.
    assert client.get(f"/r/{token}/page/{first_section}").status_code == 200
    assert answer(client, token, first_section).status_code == 302
    done = client.post(f"/r/{token}/page/{len(pages) - 1}", data={"action": "submit"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/thanks")
    assert submitted() == 1


def test_only_dont_know_answers_are_no_response(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    pages = _pages(engagement)
    start(client, token)
    for number in range(len(pages)):
        sent = answer(client, token, number, choose=lambda name, values: "na"
                      if "na" in values else "")
    assert sent.status_code == 200
    assert "Nothing was recorded" in sent.get_data(as_text=True)
    assert submitted() == 0
    # The open link does not mark this browser as done.
    assert client.get_cookie(f"assess_done_{link_for(token).id}", path=f"/r/{token}") is None


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_nothing_recorded_page_speaks_every_shipped_language(language):
    words = ui_texts(language)
    for key in ("nothing_title", "nothing_text", "nothing_back", "empty_page_title",
                "continue_anyway", "finish_later", "later_title", "preview_banner"):
        assert words[key] and words[key] != ENGLISH[key], key


def test_a_stored_response_without_rated_answers_counts_nowhere(
    client, auth, make_user, make_engagement, make_response
):
    """Responses stored before the rule (or by an old import): the results, the
    counts, the links panel and the export leave them out."""
    user = make_user("consultant", email="c@example.com")
    auth.login("c@example.com")
    engagement = make_engagement(created_by=user)
    items = [
        item for section in engagement.instrument().questionnaires[Audience.STAFF].sections
        for item in section.items
    ]
    make_response(engagement, "staff", dict.fromkeys(items, 4))
    make_response(engagement, "staff", dict.fromkeys(items, None))  # all "don't know"
    make_response(engagement, "staff", {})  # all skipped
    assert submitted() == 3  # stored as submitted, before the rule

    assert response_counts(engagement.id)["staff"]["submitted"] == 1
    assert respondent_links.audience_stats(engagement.id, Audience.STAFF).submitted == 1
    results = engagement_results(engagement).to_dict()
    assert results["audiences"]["staff"]["responses"] == 1
    export = client.get(f"/engagements/{engagement.id}/responses.csv?audience=staff")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == 2  # the header and the one response


# -- finish later --------------------------------------------------------------------


def test_finish_later_is_on_every_page(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement)
    start(client, token)
    for number in range(len(_pages(engagement))):
        html = client.get(f"/r/{token}/page/{number}").get_data(as_text=True)
        assert 'name="action" value="later" class="button secondary">Finish later<' in html


def test_finish_later_through_the_open_link_saves_and_says_come_back_here(
    client, make_engagement
):
    engagement = make_engagement()
    token = open_token(engagement)
    start(client, token)
    form = {**fill(client.get(f"/r/{token}/page/1").get_data(as_text=True)), "action": "later"}
    later = client.post(f"/r/{token}/page/1", data=form)
    assert later.status_code == 200
    html = later.get_data(as_text=True)
    assert "<h1>Your answers are saved</h1>" in html
    assert "open the same link again in this browser" in html
    assert "continue on page 2" in html
    assert respondent_links.link_url(token) in html
    [response] = db.session.scalars(select(Response)).all()
    assert response.page == 1 and response.status == ResponseStatus.IN_PROGRESS
    assert len(answers_of(response.id)) == sum(k.startswith("item-") for k in form)
    welcome = client.get(f"/r/{token}").get_data(as_text=True)
    assert "You stopped on page 2" in welcome
    again = client.get(f"/r/{token}/page/1").get_data(as_text=True)
    assert checked(again) == {k: v for k, v in form.items() if k.startswith("item-")}


def test_finish_later_through_a_personal_link_points_to_that_link(app, client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    start(client, token)
    form = {**fill(client.get(f"/r/{token}/page/1").get_data(as_text=True)), "action": "later"}
    html = client.post(f"/r/{token}/page/1", data=form).get_data(as_text=True)
    assert "open your personal link again" in html and "any browser" in html
    assert respondent_links.link_url(token) in html
    # Another browser, the same link: the saved page, filled in.
    other = app.test_client()
    assert other.post(f"/r/{token}/start").headers["Location"].endswith("/page/1")
    assert checked(other.get(f"/r/{token}/page/1").get_data(as_text=True)) == {
        k: v for k, v in form.items() if k.startswith("item-")
    }
