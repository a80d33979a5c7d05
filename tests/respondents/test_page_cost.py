"""What a respondent page costs, pinned without a clock (docs/performance.md).

The levers that make the pages fast are held here by counting, never by timing:
the SQL statements each page sends (one query for the link, its engagement and
the response in progress; a page's answers in one INSERT whatever their number),
and the instrument parsed once per content hash per process, its snapshot's
content never read again. ``bench/load.py`` measures the speed itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from assess.engagements.models import InstrumentSnapshot
from assess.extensions import db
from assess.instruments import snapshots
from assess.respondents.models import Answer, Response
from tests.respondents.conftest import at_once, fill, open_token, personal_tokens, start

#: A statement that reads a snapshot's content (not merely its content hash).
_READS_CONTENT = re.compile(r"instrument_snapshots\.content(?!_hash)")
#: Transaction control is not a query (and PostgreSQL's BEGIN is implicit).
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block (transaction
    control left out), counted as the driver is handed them."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not statement.lstrip().upper().startswith(_CONTROL):
            sent.append(" ".join(statement.split()))

    assert db.engine is not None
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _listing(sent: list[str]) -> str:
    return "\n".join(s[:160] for s in sent)


def _on_page(client, token: str, number: int) -> dict[str, str]:
    """Open page ``number`` and fill it in as a respondent would (Next)."""
    html = client.get(f"/r/{token}/page/{number}").get_data(as_text=True)
    return {**fill(html), "action": "next"}


@pytest.fixture(autouse=True)
def _fresh_instrument_cache() -> Iterator[None]:
    snapshots.forget_all()
    yield
    snapshots.forget_all()


@pytest.mark.parametrize("kind", ["open", "personal"])
def test_a_page_shown_again_costs_two_queries(client, make_engagement, kind):
    """The link, its engagement, the organisation, the snapshot's hash and the
    response in progress in one query; the page's saved answers in another."""
    engagement = make_engagement()
    token = open_token(engagement) if kind == "open" else personal_tokens(engagement)[0]
    start(client, token)
    for number in (0, 1):
        assert client.post(f"/r/{token}/page/{number}",
                           data=_on_page(client, token, number)).status_code == 302
    with statements() as sent:
        page = client.get(f"/r/{token}/page/1")
    assert page.status_code == 200
    assert 'checked' in page.get_data(as_text=True)  # the saved answers are shown
    assert len(sent) == 2, _listing(sent)
    assert "FROM links JOIN engagements" in sent[0] and "responses" in sent[0]
    assert sent[1].startswith("SELECT answers.item_id, answers.value FROM answers")


def test_a_page_beyond_the_furthest_saved_costs_one_query(client, make_engagement):
    """The next page after a save has nothing saved on it: only the visit's query.
    A response from before the furthest page was kept (NULL) still reads."""
    engagement = make_engagement()
    token = open_token(engagement)
    start(client, token)
    for number in (0, 1):
        assert client.post(f"/r/{token}/page/{number}",
                           data=_on_page(client, token, number)).status_code == 302
    with statements() as sent:
        assert client.get(f"/r/{token}/page/2").status_code == 200
    assert len(sent) == 1, _listing(sent)
    response = db.session.scalar(select(Response).where(Response.engagement_id == engagement.id))
    assert response.furthest_saved == 1
    response.furthest_saved = None  # as an older response
    db.session.commit()
    with statements() as sent:
        assert client.get(f"/r/{token}/page/2").status_code == 200
    assert len(sent) == 2, _listing(sent)


def test_the_welcome_page_costs_one_query(app, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement)
    app.test_client().get(f"/r/{token}")  # this process parses the instrument once, here
    with statements() as sent:  # a new respondent's browser
        assert app.test_client().get(f"/r/{token}").status_code == 200
    assert len(sent) == 1, _listing(sent)


@pytest.mark.parametrize("audience", ["staff", "customer"])
def test_saving_a_page_costs_three_statements_whatever_it_holds(client, make_engagement,
                                                               audience):
    """Read the visit, hold the response (noting the next page), write the page's
    answers in one INSERT that replaces earlier ones: the same three for six answers
    (customers) or eight (staff); a DELETE more only for items left unanswered, whose
    earlier answers go."""
    engagement = make_engagement()
    token = open_token(engagement, audience)
    start(client, token)
    assert client.post(f"/r/{token}/page/0", data=_on_page(client, token, 0)).status_code == 302
    form = _on_page(client, token, 1)
    rated = [name for name in form if name.startswith("item-")]
    assert len(rated) >= 6
    with statements() as sent:
        saved = client.post(f"/r/{token}/page/1", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert len(sent) == 3, _listing(sent)
    assert sent[1].startswith("UPDATE responses SET page")
    assert sent[2].startswith("INSERT INTO answers") and "ON CONFLICT" in sent[2]
    response = db.session.scalar(select(Response).where(Response.engagement_id == engagement.id))

    def stored() -> dict[str, int | None]:
        db.session.expire_all()
        return {f"item-{item}": value for item, value in db.session.execute(
            select(Answer.item_id, Answer.value).where(Answer.response_id == response.id))}

    assert set(stored()) == set(rated)
    assert response.page == 2
    # Back on the page: one answer changed, one left out this time.
    changed, dropped = rated[0], rated[1]
    again = {**form, changed: "na" if form[changed] != "na" else "1"}
    del again[dropped]
    with statements() as sent:
        assert client.post(f"/r/{token}/page/1", data=again).status_code == 302
    assert len(sent) == 4, _listing(sent)
    assert sent[2].startswith("DELETE FROM answers")
    now = stored()
    assert set(now) == set(rated) - {dropped}
    assert now[changed] == (None if again[changed] == "na" else int(again[changed]))


def test_the_instrument_is_parsed_once_per_content_hash_per_process(client, make_engagement):
    first = make_engagement(name="Spring")
    second = make_engagement(name="Autumn")  # the same instrument: the same snapshot
    assert first.snapshot_id == second.snapshot_id
    content_hash = first.snapshot.content_hash
    snapshots.forget_all()
    with statements() as sent:
        for engagement in (first, second):
            for audience in ("staff", "customer"):
                token = open_token(engagement, audience)
                assert client.get(f"/r/{token}").status_code == 200
                start(client, token)
                assert client.get(f"/r/{token}/page/0").status_code == 200
    assert snapshots.parse_counts == {content_hash: 1}
    # The snapshot's content (the whole questionnaire) was read for that one parse at
    # most (not at all here: the test's session made the snapshot and holds it).
    assert sum(bool(_READS_CONTENT.search(s)) for s in sent) <= 1, _listing(sent)


def test_an_engagement_reads_its_instrument_from_the_cache(app, make_engagement):
    engagement = make_engagement()
    snapshots.forget_all()
    assert engagement.instrument() is engagement.instrument()
    db.session.expunge_all()
    again = db.session.get(type(engagement), engagement.id)
    with statements() as sent:
        instrument = again.instrument()
    assert instrument is engagement.instrument()
    # The snapshot row was read for its hash; its content was not.
    assert len(sent) == 1 and not _READS_CONTENT.search(sent[0]), _listing(sent)
    assert snapshots.parse_counts == {again.snapshot.content_hash: 1}


def test_the_cache_keeps_a_bounded_number_of_instruments(app, make_engagement):
    engagement = make_engagement()
    content = db.session.scalar(
        select(InstrumentSnapshot.content).where(InstrumentSnapshot.id == engagement.snapshot_id)
    )
    for n in range(snapshots.CAPACITY + 5):
        snapshots.instrument_for(f"hash-{n}", lambda: content)
    assert len(snapshots._parsed) == snapshots.CAPACITY
    assert "hash-0" not in snapshots._parsed  # the least recently used left first
    snapshots.instrument_for(f"hash-{snapshots.CAPACITY + 4}", lambda: content)
    assert snapshots.parse_counts[f"hash-{snapshots.CAPACITY + 4}"] == 1


def test_two_saves_of_one_page_at_once_take_turns(app, make_engagement):
    """Two tabs saving the same page at the same instant: the second waits for the
    first (the response is held from the first write), so both succeed and the
    page holds one tab's answers whole, never a mix or an error."""
    engagement = make_engagement()
    token = open_token(engagement)
    tab_one = app.test_client()
    start(tab_one, token)
    assert tab_one.post(f"/r/{token}/page/0", data=_on_page(tab_one, token, 0)).status_code == 302
    tab_two = app.test_client()
    for cookie in tab_one._cookies.values():  # the same browser: the same cookies
        tab_two.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    html = tab_one.get(f"/r/{token}/page/1").get_data(as_text=True)
    low = {**fill(html), "action": "next"}
    high = {**fill(html, lambda name, values: values[-1]), "action": "next"}
    assert low != high
    sent = at_once(
        lambda: tab_one.post(f"/r/{token}/page/1", data=low),
        lambda: tab_two.post(f"/r/{token}/page/1", data=high),
    )
    assert [r.status_code for r in sent] == [302, 302]
    db.session.expire_all()
    response = db.session.scalar(select(Response).where(Response.engagement_id == engagement.id))
    stored = {
        f"item-{item}": "na" if value is None else str(value)
        for item, value in db.session.execute(
            select(Answer.item_id, Answer.value).where(Answer.response_id == response.id)
        )
    }
    page_one = {k: v for k, v in stored.items() if k in low}
    assert page_one in ({k: v for k, v in low.items() if k.startswith("item-")},
                        {k: v for k, v in high.items() if k.startswith("item-")})


def test_a_page_as_first_shown_is_rendered_once_per_process(app, make_engagement):
    """Most page GETs show a page nothing was answered on yet: it is rendered once
    (per instrument, audience, page, language, organisation) and kept; each browser
    still gets its own form token. A page with answers is rendered for its own."""
    from flask import template_rendered

    engagement = make_engagement()
    token = open_token(engagement)
    rendered: list[str] = []

    def note(_app, template, **_extra) -> None:
        rendered.append(template.name)

    browsers = [app.test_client() for _ in range(3)]
    pages: list[str] = []
    with template_rendered.connected_to(note, app):
        for browser in browsers:
            start(browser, token)
            pages.append(browser.get(f"/r/{token}/page/1").get_data(as_text=True))
    assert rendered.count("respondents/page.html") == 1
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', page).group(1) for page in pages]
    assert len(set(tokens)) == 3 and all(len(t) == 64 for t in tokens)
    assert {page.replace(t, "") for page, t in zip(pages, tokens, strict=True)} == {
        pages[0].replace(tokens[0], "")}
    # The same page, rendered afresh (the kept one is what a render gives).
    from assess.respondents import views

    views.forget_kept_pages()
    again = browsers[0].get(f"/r/{token}/page/1").get_data(as_text=True)
    assert again == pages[0]
    # Answered and shown again: rendered for this browser, its answers checked.
    form = {**fill(again), "action": "back"}
    assert browsers[0].post(f"/r/{token}/page/1", data=form).status_code == 302
    with template_rendered.connected_to(note, app):
        shown = browsers[0].get(f"/r/{token}/page/1").get_data(as_text=True)
    assert rendered.count("respondents/page.html") == 2
    assert "checked" in shown
