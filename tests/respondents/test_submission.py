"""One response per link or browser, enforced by the database under concurrency.

The concurrent tests release two requests at the same instant from two threads
(two test clients, as two tabs or a double click would send them), against a
file SQLite database and, when configured, PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links as respondent_links
from assess.respondents import pages, recording
from assess.respondents.models import Response, ResponseStatus, SpentKey
from tests.respondents.conftest import (
    answer_pages,
    at_once,
    count,
    fill,
    link_for,
    open_token,
    personal_tokens,
    submitted,
)
from tests.results.helpers import assert_codes_match_answers


def _last_page(engagement, audience: str) -> int:
    return len(pages.pages_for(engagement.instrument(), Audience(audience))) - 1


def _final_form(client, token: str, number: int) -> dict[str, str]:
    html = client.get(f"/r/{token}/page/{number}").get_data(as_text=True)
    return {**fill(html), "action": "submit"}


def _share_cookies(source, target, token: str) -> None:
    """A second tab of the same browser: the same cookies."""
    for cookie in list(source._cookies.values()):  # noqa: SLF001
        target.set_cookie(cookie.key, cookie.value, path=cookie.path)


def test_a_replayed_final_page_of_a_personal_link_stores_nothing_more(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    last = _last_page(engagement, "customer")
    answer_pages(client, token, last)
    form = _final_form(client, token, last)
    first = client.post(f"/r/{token}/page/{last}", data=form)
    assert first.status_code == 302 and first.headers["Location"].endswith("/thanks")
    replay = client.post(f"/r/{token}/page/{last}", data=form)
    assert replay.status_code == 409
    assert "Already submitted" in replay.get_data(as_text=True)
    for number in range(last):  # any other page of the used link accepts nothing either
        assert client.post(f"/r/{token}/page/{number}", data={"action": "next"}).status_code == 409
    assert submitted() == 1 and count(Response) == 1
    assert link_for(token).used is True
    assert assert_codes_match_answers(engagement) == 1  # for the results


def test_a_double_click_on_submit_with_an_open_link_stores_one_response(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "customer")
    last = _last_page(engagement, "customer")
    answer_pages(client, token, last)
    form = _final_form(client, token, last)
    # The second click's request carries the cookies the first one was sent with.
    second_click = client.application.test_client()
    _share_cookies(client, second_click, token)
    assert client.post(f"/r/{token}/page/{last}", data=form).status_code == 302
    again = second_click.post(f"/r/{token}/page/{last}", data=form)
    assert again.status_code == 409
    assert submitted() == 1 and count(Response) == 1


def test_two_tabs_submitting_a_personal_link_at_once_store_one_response(
    client, make_engagement
):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    last = _last_page(engagement, "customer")
    answer_pages(client, token, last)
    form = _final_form(client, token, last)
    tabs = [client.application.test_client() for _ in range(2)]
    results = at_once(*(
        (lambda tab=tab: tab.post(f"/r/{token}/page/{last}", data=form).status_code)
        for tab in tabs
    ))
    assert sorted(results) == [302, 409]
    db.session.expire_all()
    assert submitted() == 1 and count(Response) == 1
    assert link_for(token).used is True
    assert count(SpentKey) == 1


def test_two_tabs_submitting_an_open_link_at_once_store_one_response(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "customer")
    last = _last_page(engagement, "customer")
    answer_pages(client, token, last)
    form = _final_form(client, token, last)
    tabs = [client.application.test_client() for _ in range(2)]
    for tab in tabs:
        _share_cookies(client, tab, token)
    results = at_once(*(
        (lambda tab=tab: tab.post(f"/r/{token}/page/{last}", data=form).status_code)
        for tab in tabs
    ))
    assert sorted(results) == [302, 409]
    db.session.expire_all()
    assert submitted() == 1
    assert count(Response, Response.status == ResponseStatus.IN_PROGRESS) == 0


@pytest.mark.parametrize("kind", ["open", "personal"])
def test_two_first_pages_sent_at_once_make_one_response(client, make_engagement, kind):
    engagement = make_engagement()
    if kind == "open":
        token = open_token(engagement, "staff")
    else:
        [token] = personal_tokens(engagement, "staff")
    client.post(f"/r/{token}/start")
    form = {**fill(client.get(f"/r/{token}/page/0").get_data(as_text=True)), "action": "next"}
    tabs = [client.application.test_client() for _ in range(3)]
    for tab in tabs:
        _share_cookies(client, tab, token)
    results = at_once(*(
        (lambda tab=tab: tab.post(f"/r/{token}/page/0", data=form).status_code) for tab in tabs
    ))
    assert results == [302, 302, 302]
    db.session.expire_all()
    assert count(Response) == 1


# -- the constraints themselves, without the pages in front of them ---------------------


def test_the_database_refuses_a_second_response_with_the_same_resume_key(app, make_engagement):
    engagement = make_engagement()
    for _ in range(2):
        db.session.add(Response(
            engagement_id=engagement.id, audience=Audience.STAFF, resume_key_hash="k" * 64,
        ))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_key_that_submits_twice(app):
    db.session.add(SpentKey(key_hash="s" * 64))
    db.session.commit()
    db.session.add(SpentKey(key_hash="s" * 64))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_a_submitted_response_that_keeps_its_key(app, make_engagement):
    engagement = make_engagement()
    db.session.add(Response(
        engagement_id=engagement.id, audience=Audience.STAFF, resume_key_hash="k" * 64,
        status=ResponseStatus.SUBMITTED,
    ))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_personal_link_submits_once_even_with_two_responses_behind_it(app, make_engagement):
    """Should two in-progress responses ever exist for one personal link (a start
    racing a submission), only one of them can be submitted through it."""
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "staff")
    link = link_for(token)
    first = recording.start_response(link, respondent_links.resume_key_for_single_use(token))
    db.session.flush()
    item = engagement.instrument().questionnaires[Audience.STAFF].sections[0].items[0]
    recording.replace_answers(first, [item], {item: 4})  # a response has a rated answer
    assert recording.submit_response(first, link, engagement.instrument()) is True
    db.session.commit()
    # The key was cleared on submission, so a late start makes a new row…
    late = recording.start_response(link, respondent_links.resume_key_for_single_use(token))
    assert late.id != first.id
    recording.replace_answers(late, [item], {item: 2})
    db.session.commit()
    # …which can never be submitted: the key is spent and the link is used.
    assert recording.submit_response(late, link, engagement.instrument()) is False
    db.session.rollback()
    assert submitted() == 1
    kept = db.session.scalar(select(Response.resume_key_hash).where(Response.id == first.id))
    assert kept is None


def test_submitting_bumps_the_engagement_revision(client, make_engagement):
    from tests.respond import answer_questionnaire

    engagement = make_engagement()
    before = engagement.revision
    answer_questionnaire(client, f"http://testserver/r/{open_token(engagement, 'customer')}")
    db.session.refresh(engagement)
    assert engagement.revision == before + 1
