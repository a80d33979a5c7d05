"""The server checks every value; tampered or stale forms store nothing; CSRF on every POST."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import pages as questionnaire_pages
from assess.respondents.models import Answer, Comment, Response, SegmentAnswer
from tests.respondents.conftest import (
    answer,
    answers_of,
    count,
    fill,
    open_token,
    personal_tokens,
    start,
)


def _section_item(engagement, audience: Audience, section_index: int = 0) -> str:
    return engagement.instrument().questionnaires[audience].sections[section_index].items[0]


def _tampered_forms(engagement) -> dict[str, tuple[int, dict[str, str] | list[tuple[str, str]]]]:
    """Page number and form data of each kind of tampering, for the customer questionnaire."""
    instrument = engagement.instrument()
    customer = instrument.questionnaires[Audience.CUSTOMER]
    staff_item = f"item-{_section_item(engagement, Audience.STAFF)}"
    item = f"item-{customer.sections[0].items[0]}"
    recommend = next(i.id for i in instrument.items_for(Audience.CUSTOMER) if i.scale == "nps11")
    overall = 1 + next(
        n for n, s in enumerate(customer.sections) if recommend in s.items
    )
    segment = f"segment-{customer.segments[0].id}"
    comment = f"open-{customer.open_questions[0].id}"
    last = len(questionnaire_pages.pages_for(instrument, Audience.CUSTOMER)) - 1
    return {
        "above the scale": (1, {item: "6"}),
        "below the scale": (1, {item: "0"}),
        "negative": (1, {item: "-1"}),
        "a fraction": (1, {item: "3.5"}),
        "a full-width digit": (1, {item: "３"}),
        "an exponent": (1, {item: "1e0"}),
        "words": (1, {item: "strongly agree" * 20}),
        "don't know where the scale has none": (overall, {f"item-{recommend}": "na"}),
        "an item of another page": (1, {f"item-{customer.sections[1].items[0]}": "3"}),
        "an item of the staff questionnaire": (1, {staff_item: "3"}),
        "an item that does not exist": (1, {"item-made_up": "3"}),
        "a segment option that does not exist": (0, {segment: "astronaut"}),
        "a staff segment question": (0, {"segment-staff_level": "leadership"}),
        "an answer given twice": (1, [(item, "2"), (item, "4")]),
        "a comment that is too long": (last, {comment: "x" * 2001}),
    }


@pytest.mark.parametrize(
    "case",
    [
        "above the scale", "below the scale", "negative", "a fraction", "a full-width digit",
        "an exponent", "words", "don't know where the scale has none", "an item of another page",
        "an item of the staff questionnaire", "an item that does not exist",
        "a segment option that does not exist", "a staff segment question",
        "an answer given twice", "a comment that is too long",
    ],
)
def test_tampered_values_are_refused_with_a_clear_message_and_nothing_is_stored(
    client, make_engagement, case
):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    start(client, token)
    number, data = _tampered_forms(engagement)[case]
    form = MultiDict(data)
    form.add("action", "next")
    refused = client.post(f"/r/{token}/page/{number}", data=form)
    assert refused.status_code == 400, case
    html = refused.get_data(as_text=True)
    assert "Nothing on this page was saved yet" in html
    assert re.search(r'<div class="error-summary" role="alert"', html)
    assert count(Response) == 0 and count(Answer) == 0
    assert count(SegmentAnswer) == 0 and count(Comment) == 0


def test_a_refused_page_keeps_earlier_answers_and_shows_what_was_sent(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    start(client, token)
    answer(client, token, 0)
    answer(client, token, 1)
    [response] = db.session.scalars(select(Response)).all()
    before = answers_of(response.id)
    customer = engagement.instrument().questionnaires[Audience.CUSTOMER]
    items = customer.sections[0].items
    refused = client.post(
        f"/r/{token}/page/1",
        data={f"item-{items[0]}": "9", f"item-{items[1]}": "4", "action": "next"},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f'href="#item-{items[0]}"' in html  # the summary links to the question
    assert f'name="item-{items[1]}" value="4" checked' in html  # what was sent, kept on screen
    db.session.expire_all()
    assert answers_of(response.id) == before


def test_comments_are_cleaned_and_line_breaks_count_once(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    start(client, token)
    assert answer(client, token, 1).status_code == 302  # a rated answer: a response
    customer = engagement.instrument().questionnaires[Audience.CUSTOMER]
    question = customer.open_questions[0]
    last = len(questionnaire_pages.pages_for(engagement.instrument(), Audience.CUSTOMER)) - 1
    # Exactly the limit once browsers' CRLF is read as one character, with a NUL
    # (PostgreSQL refuses it in text) and other control characters mixed in.
    text = ("a\r\n" * (question.max_length // 2))[: question.max_length * 3 // 2]
    sent = client.post(
        f"/r/{token}/page/{last}",
        data={f"open-{question.id}": "\x00\x07" + text, "action": "submit"},
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    stored = db.session.scalar(select(Comment.text))
    assert "\r" not in stored and "\x00" not in stored and "\x07" not in stored
    assert len(stored) <= question.max_length
    assert stored.startswith("a\na\n")


def test_parse_page_accepts_every_honest_answer(app, make_engagement):
    instrument = make_engagement().instrument()
    customer = instrument.questionnaires[Audience.CUSTOMER]
    pages = questionnaire_pages.pages_for(instrument, Audience.CUSTOMER)
    section = customer.sections[0]
    form = MultiDict({f"item-{section.items[0]}": " 5 ", f"item-{section.items[1]}": "na",
                      f"item-{section.items[2]}": "1", "csrf_token": "x", "action": "next"})
    parsed = questionnaire_pages.parse_page(instrument, Audience.CUSTOMER, pages[1], form)
    assert parsed.errors == {}
    assert parsed.answers == {section.items[0]: 5, section.items[1]: None, section.items[2]: 1}
    assert set(parsed.skipped) == set(section.items[3:])
    segments = questionnaire_pages.parse_page(
        instrument, Audience.CUSTOMER, pages[0],
        MultiDict({f"segment-{customer.segments[0].id}": customer.segments[0].options[0].id}),
    )
    assert segments.errors == {}
    assert segments.segments[customer.segments[0].id] == customer.segments[0].options[0].id
    assert segments.segments[customer.segments[1].id] is None  # prefer not to say


def test_save_page_refuses_input_with_errors(app, make_engagement):
    engagement = make_engagement()
    instrument = engagement.instrument()
    page = questionnaire_pages.pages_for(instrument, Audience.STAFF)[1]
    bad = questionnaire_pages.parse_page(
        instrument, Audience.STAFF, page, MultiDict({"item-x": "1"})
    )
    assert bad.errors
    with pytest.raises(ValueError):
        questionnaire_pages.save_page(Response(audience=Audience.STAFF), page, bad, instrument)


# -- CSRF -------------------------------------------------------------------------------


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _start_link(html: str) -> str:
    match = re.search(r'<a class="button" href="([^"]+)" data-testid="start">', html)
    assert match, "the welcome page has no Start link"
    return match.group(1)


def test_every_respondent_post_needs_the_forms_csrf_token(csrf_app, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    client = csrf_app.test_client()
    welcome = client.get(f"/r/{token}").get_data(as_text=True)

    # The Start of an older welcome page (a POST) needs a token too.
    forged = client.post(f"/r/{token}/start")
    assert forged.status_code == 400
    assert "This page had expired" in forged.get_data(as_text=True)
    assert "Continue the questionnaire" in forged.get_data(as_text=True)

    path = _start_link(welcome)
    page = client.get(path).get_data(as_text=True)
    no_token = client.post(path, data={"action": "next"})
    assert no_token.status_code == 400
    assert count(Response) == 0
    with_token = client.post(path, data={"action": "next", "csrf_token": _csrf_token(page)})
    assert with_token.status_code == 302
    assert count(Response) == 1
    # ... and the older Start with the token of a page.
    assert client.post(f"/r/{token}/start",
                       data={"csrf_token": _csrf_token(page)}).status_code == 302


def test_start_is_one_request_and_the_welcome_page_gives_the_resume_cookie(client,
                                                                           make_engagement):
    """An open link's welcome page gives the browser its resume cookie (a random
    code) and Start is a link straight to the page: nothing is stored until the
    first page is saved; a personal link needs no cookie."""
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    welcome = client.get(f"/r/{token}")
    [cookie] = [c for c in welcome.headers.getlist("Set-Cookie") if c.startswith("assess_resume_")]
    assert f"Path=/r/{token}" in cookie and "HttpOnly" in cookie
    assert _start_link(welcome.get_data(as_text=True)) == f"/r/{token}/page/0"
    assert client.get(f"/r/{token}/page/0").status_code == 200
    assert count(Response) == 0
    again = client.get(f"/r/{token}")  # the browser has its cookie: no new one
    assert not [c for c in again.headers.getlist("Set-Cookie") if c.startswith("assess_resume_")]
    [personal] = personal_tokens(engagement)
    personal_welcome = client.get(f"/r/{personal}")
    assert "assess_resume_" not in " ".join(personal_welcome.headers.getlist("Set-Cookie"))


def test_a_forged_post_to_a_wrong_token_gets_the_wrong_link_page(csrf_app):
    client = csrf_app.test_client()
    refused = client.post(f"/r/{'A' * 43}/page/0", data={"action": "next"})
    assert refused.status_code == 404
    assert "This link does not work" in refused.get_data(as_text=True)


def test_a_form_token_works_only_in_the_browser_it_was_made_for(csrf_app, make_engagement):
    """The token is bound to the link and to this browser's resume cookie: a page
    shown to one respondent gives nothing another browser can post with, and a
    respondent gets no session cookie at all."""
    token = open_token(make_engagement(), "staff")
    mine, theirs = csrf_app.test_client(), csrf_app.test_client()
    for client in (mine, theirs):
        welcome = client.get(f"/r/{token}")
        assert "session=" not in " ".join(welcome.headers.getlist("Set-Cookie"))
    path = f"/r/{token}/page/0"
    my_page = mine.get(path).get_data(as_text=True)
    their_page = theirs.get(path).get_data(as_text=True)
    assert _csrf_token(my_page) != _csrf_token(their_page)
    form = {**fill(my_page), "action": "next"}
    refused = theirs.post(path, data={**form, "csrf_token": _csrf_token(my_page)})
    assert refused.status_code == 400
    assert "This page had expired" in refused.get_data(as_text=True)
    assert count(Response) == 0
    saved = mine.post(path, data={**form, "csrf_token": _csrf_token(my_page)})
    assert saved.status_code == 302
    assert count(Response) == 1


def test_a_stale_tab_after_submitting_is_told_it_was_submitted(csrf_app, make_engagement):
    """Submitting replaces the resume cookie, so an older tab's token no longer
    matches; the link's own answer comes first: "already submitted", not "expired"."""
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    client = csrf_app.test_client()
    path = _start_link(client.get(f"/r/{token}").get_data(as_text=True))
    while True:
        html = client.get(path).get_data(as_text=True)
        last = 'value="submit"' in html
        form = {**fill(html), "csrf_token": _csrf_token(html),
                "action": "submit" if last else "next"}
        sent = client.post(path, data=form)
        assert sent.status_code == 302, sent.get_data(as_text=True)
        if last:
            break
        path = sent.headers["Location"]
    again = client.post(path, data=form)  # the same last page, from a tab left open
    assert again.status_code == 409
    assert count(Response) == 1
