"""The questionnaire pages: welcome, segments, sections, open questions, thanks;
saving on Next and Back, resuming, and markup that works without JavaScript."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import pages as questionnaire_pages
from assess.respondents.models import Comment, Response, ResponseStatus, SegmentAnswer
from tests.respond import answer_questionnaire
from tests.respondents.conftest import (
    answer,
    answer_pages,
    answers_of,
    checked,
    count,
    fill,
    open_token,
    personal_tokens,
    start,
    submitted,
)


def test_welcome_page_says_who_why_how_long_and_what_is_stored(client, make_engagement):
    engagement = make_engagement(
        organisation="Contoso Energy", prepared_by="Dana Smith", anonymity_threshold=7
    )
    token = open_token(engagement, "staff")
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "How we treat our customers" in html  # the staff questionnaire's title
    assert "run by <bdi>Dana Smith</bdi> for <bdi>Contoso Energy</bdi>" in html
    assert "about 15 minutes" in html
    assert "What we store" in html and "What we never store" in html
    assert "your IP address" in html and "the time of day" in html
    assert "groups of at least 7 people" in html and "at least 14" in html
    assert "small cookie" in html  # an open link explains its cookie
    assert '<nav class="languages"' not in html  # one language: no choice offered
    [personal] = personal_tokens(engagement, "customer")
    customer = client.get(f"/r/{personal}").get_data(as_text=True)
    assert "records only that it has been used" in customer


def test_pages_come_in_order_with_progress_and_a_dont_know_choice(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    instrument = engagement.instrument()
    pages = questionnaire_pages.pages_for(instrument, Audience.STAFF)
    assert [p.kind for p in pages] == ["segments"] + ["section"] * 8 + ["open"]
    start(client, token)

    about_you = client.get(f"/r/{token}/page/0").get_data(as_text=True)
    assert "<h1>About you</h1>" in about_you
    assert "Page 1 of 10" in about_you and '<progress id="progress" max="10" value="1"' in about_you
    assert "Prefer not to say" in about_you
    assert 'value="back"' not in about_you  # nothing before the first page

    section = client.get(f"/r/{token}/page/1").get_data(as_text=True)
    first_section = instrument.questionnaires[Audience.STAFF].sections[0]
    assert f"<h1>{instrument.text(first_section.title)}</h1>" in section
    assert section.count('value="na"') == len(first_section.items)
    assert "Don&#39;t know / not applicable" in section
    assert 'value="back"' in section and 'value="next"' in section

    last = client.get(f"/r/{token}/page/9").get_data(as_text=True)
    assert "<h1>In your own words</h1>" in last
    assert 'value="submit"' in last and "<textarea" in last
    assert client.get(f"/r/{token}/page/10").status_code == 404


def test_a_staff_member_and_a_customer_complete_their_questionnaires(client, make_engagement):
    engagement = make_engagement()
    staff = open_token(engagement, "staff")
    [customer] = personal_tokens(engagement, "customer")
    assert "Thank you" in answer_questionnaire(client, f"http://testserver/r/{staff}")
    assert "Thank you" in answer_questionnaire(
        another_browser(client), f"http://testserver/r/{customer}"
    )
    instrument = engagement.instrument()
    for audience in Audience:
        [response] = db.session.scalars(
            select(Response).where(Response.audience == audience)
        ).all()
        assert response.status == ResponseStatus.SUBMITTED
        assert response.resume_key_hash is None
        assert set(answers_of(response.id)) == {i.id for i in instrument.items_for(audience)}
        assert count(Comment, Comment.response_id == response.id) == len(
            instrument.questionnaires[audience].open_questions
        )


def another_browser(client):
    """A second respondent: a browser of their own."""
    return client.application.test_client()


def test_next_and_back_both_save_the_page(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "staff")
    start(client, token)
    went_on = answer(client, token, 0)
    assert went_on.headers["Location"].endswith("/page/1")
    went_back = answer(client, token, 1, action="back", choose=lambda n, v: v[-2])  # "5"
    assert went_back.status_code == 302 and went_back.headers["Location"].endswith("/page/0")
    [response] = db.session.scalars(select(Response)).all()
    first_section = engagement.instrument().questionnaires[Audience.STAFF].sections[0]
    assert answers_of(response.id) == dict.fromkeys(first_section.items, 5)
    assert count(SegmentAnswer) == 4
    # Answering again replaces, never duplicates.
    answer(client, token, 1, choose=lambda n, v: "na")
    assert answers_of(response.id) == dict.fromkeys(first_section.items, None)


def test_skipped_questions_stay_unanswered(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    start(client, token)
    # "Continue anyway", after the page asked once (test_empty_answers.py).
    sent = client.post(f"/r/{token}/page/1", data={"action": "next", "empty_ok": "1"})
    assert sent.status_code == 302
    [response] = db.session.scalars(select(Response)).all()
    assert answers_of(response.id) == {}
    assert response.page == 2


def test_closing_the_browser_and_opening_the_open_link_again_resumes(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    answer_pages(client, token, 3)
    resume_cookie = client.get_cookie(next(
        c.key for c in _cookies(client) if c.key.startswith("assess_resume_")
    ), path=f"/r/{token}")
    assert resume_cookie is not None and resume_cookie.expires is not None  # survives a restart

    browser_again = client.application.test_client()  # the session cookie is gone
    browser_again.set_cookie(resume_cookie.key, resume_cookie.value, path=f"/r/{token}")
    welcome = browser_again.get(f"/r/{token}").get_data(as_text=True)
    assert "Continue where you left off" in welcome and "You stopped on page 4 of 10." in welcome
    assert start(browser_again, token).endswith("/page/3")
    earlier = browser_again.get(f"/r/{token}/page/1").get_data(as_text=True)
    assert checked(earlier) == fill(earlier)  # the first choice was given everywhere

    stranger = client.application.test_client()
    assert "Continue where" not in stranger.get(f"/r/{token}").get_data(as_text=True)


def _cookies(client):
    return list(client._cookies.values())  # noqa: SLF001 - the test client keeps them here


def test_a_personal_link_resumes_in_any_browser(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    answer_pages(client, token, 2)
    other_device = client.application.test_client()
    assert "You stopped on page 3 of 6." in other_device.get(f"/r/{token}").get_data(as_text=True)
    segments = other_device.get(f"/r/{token}/page/0").get_data(as_text=True)
    assert checked(segments) == fill(segments)


def test_the_thank_you_page_needs_a_submitted_response(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "customer")
    early = client.get(f"/r/{token}/thanks")
    assert early.status_code == 302 and early.headers["Location"].endswith(f"/r/{token}")
    answer_questionnaire(client, f"http://testserver/r/{token}")
    assert "Thank you" in client.get(f"/r/{token}/thanks").get_data(as_text=True)
    # The open link is answered once per browser.
    again = client.get(f"/r/{token}").get_data(as_text=True)
    assert "already been answered in this browser" in again
    assert submitted() == 1


class _Markup(HTMLParser):
    """Collects what the accessibility rules below look at."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.controls_outside_labels: list[str] = []
        self.label_for: set[str] = set()
        self.ids_needing_label: list[str] = []
        self.fieldsets = 0
        self.legends = 0
        self.scripts = 0
        self.inline_styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "style" in a:
            self.inline_styles += 1
        if tag == "script":
            self.scripts += 1
        if tag == "fieldset":
            self.fieldsets += 1
        if tag == "legend":
            self.legends += 1
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        if tag == "input" and a.get("type") == "radio" and "label" not in self.stack:
            self.controls_outside_labels.append(a.get("name") or "?")
        if tag == "textarea":
            self.ids_needing_label.append(a.get("id") or "?")
        if tag not in ("input", "br", "meta", "link"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def test_pages_are_plain_accessible_html_that_needs_no_javascript(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "customer")
    start(client, token)
    pages = [client.get(f"/r/{token}")] + [
        client.get(f"/r/{token}/page/{n}") for n in range(6)
    ]
    for page in pages:
        html = page.get_data(as_text=True)
        markup = _Markup()
        markup.feed(html)
        assert markup.scripts == 0, "respondent pages work without JavaScript"
        assert markup.inline_styles == 0, "the content security policy allows no inline style"
        assert markup.controls_outside_labels == []
        assert markup.fieldsets == markup.legends
        assert set(markup.ids_needing_label) <= markup.label_for
        assert re.search(r'<html lang="en">', html)
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
