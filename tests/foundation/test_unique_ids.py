"""No two elements of a page share an ``id``, and every ``<label for>`` names one.

Two elements with one id break the page for everyone who relies on labels: a
click on the label of the second checkbox ticks the first, and a screen reader
announces the wrong name. The pages are rendered with the test client in the
states a consultant and a respondent meet: the dashboard, an engagement draft,
open without answers, open with answers, closed and released, its results, the
organisation page, members, account, audit, the invitation and reminder forms,
the share page, and every page of a questionnaire from welcome to thanks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

from assess.engagements.sections import SECTIONS
from tests.respond import PAGE_PATH, answer_questionnaire


class IdCollector(HTMLParser):
    """Every ``id`` of a page, and the ``for`` of every label."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.label_targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"] or "")
        if tag == "label" and found.get("for"):
            self.label_targets.append(found["for"] or "")

    handle_startendtag = handle_starttag


def id_problems(html: str) -> list[str]:
    """What is wrong with a page's ids, in words; empty when nothing is."""
    collector = IdCollector()
    collector.feed(html)
    counts = Counter(collector.ids)
    problems = [f"id {name!r} used {count} times" for name, count in counts.items()
                if count > 1]
    problems += [f"<label for={target!r}> names no element" for target in
                 collector.label_targets if target not in counts]
    return problems


def test_the_collector_finds_a_shared_id_and_a_dangling_label() -> None:
    page = ('<input type="checkbox" id="comments"><label for="comments">A</label>'
            '<input type="checkbox" id="comments"/><label for="gone">B</label>')
    assert id_problems(page) == ["id 'comments' used 2 times",
                                 "<label for='gone'> names no element"]


def _check(client: FlaskClient, path: str, checked: dict[str, list[str]]) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    html = answer.get_data(as_text=True)
    problems = id_problems(html)
    if problems:
        checked[path] = problems
    else:
        checked.setdefault(path, [])
    return html


def _walk_questionnaire(client: FlaskClient, link: str, checked: dict[str, list[str]]) -> None:
    """Every page a respondent sees on ``link``, each checked before it is answered."""
    path = "/" + link.split("://", 1)[-1].split("/", 1)[1]
    _check(client, path, checked)
    seen: set[str] = set()

    original_get = client.get

    def checking_get(location: str, *args: Any, **kwargs: Any) -> Any:
        if (PAGE_PATH.search(location) or location.endswith("/thanks")) and location not in seen:
            seen.add(location)
            _check(client, location, checked)
        return original_get(location, *args, **kwargs)

    client.get = checking_get  # type: ignore[method-assign]
    try:
        answer_questionnaire(client, link)
    finally:
        client.get = original_get  # type: ignore[method-assign]
    assert any(location.endswith("/thanks") for location in seen)


def test_no_page_repeats_an_id(
    app: Any, client: FlaskClient, make_engagement: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    from assess.demo.generate import DEMO_EMAIL, DEMO_PASSWORD, load_demo
    from assess.engagements.readers import invite_reader
    from assess.engagements.services import release
    from assess.extensions import db
    from assess.instruments.schema import Audience
    from assess.respondents.links import create_single_use_links, link_url, open_link
    from assess.sharing.links import create_share_link, share_url
    from assess.workspaces.members import invite
    from assess.workspaces.models import MemberRole

    closed = load_demo(seed=11, staff=30, customers=60)
    assert closed is not None
    workspace = closed.organisation.workspace
    draft = make_engagement(workspace=workspace, status="draft", name="Draft wave")
    empty = make_engagement(workspace=workspace, name="Open, nobody answered")
    answered = make_engagement(workspace=workspace, name="Open with answers")
    tokens = {audience: open_link(answered, audience)[1]
              for audience in answered.instrument().audiences()}
    for audience in answered.instrument().audiences():
        create_single_use_links(answered, audience, 3)
    # Rows of repeated forms: several members, readers and invitations.
    colleague = make_user("consultant", workspace=workspace)
    make_user("reader", workspace=workspace, organisations=[closed.organisation])
    make_user("reader", workspace=workspace, organisations=[closed.organisation])
    invite(workspace, "new.colleague@example.com", MemberRole.CONSULTANT)
    invite_reader(closed.organisation, "client.reader@example.com")
    release(closed)
    shared = create_share_link(closed, expiry="30", with_comments=True)
    db.session.commit()

    checked: dict[str, list[str]] = {}
    for token in tokens.values():
        _walk_questionnaire(app.test_client(), link_url(token), checked)

    assert client.post("/login", data={"email": DEMO_EMAIL,
                                        "password": DEMO_PASSWORD}).status_code == 302
    # Forms render their CSRF field only when protection is on, as in production:
    # one hidden field per form, so a page of forms is where ids collide.
    app.config["WTF_CSRF_ENABLED"] = True
    for token in tokens.values():
        _check(app.test_client(), "/" + link_url(token).split("://", 1)[-1].split("/", 1)[1],
               checked)
    pages = ["/", "/engagements/new", "/members", "/account", "/account/second-factor",
             "/audit", f"/organisations/{closed.organisation_id}",
             f"/organisations/{closed.organisation_id}/delete"]
    for engagement in (draft, empty, answered, closed):
        pages.append(f"/engagements/{engagement.id}")
        pages += [f"/engagements/{engagement.id}?tab={section.key}" for section in SECTIONS]
        pages.append(f"/engagements/{engagement.id}/results")
    for audience in (Audience.STAFF, Audience.CUSTOMER):
        for form in ("invitations", "reminder"):
            pages.append(f"/engagements/{answered.id}/respondents/{audience.value}/{form}")
    for path in pages:
        _check(client, path, checked)
    # The account page of someone who may delete their account (not a sole owner).
    other = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    assert other.post("/login", data={"email": colleague.email,
                                       "password": "correct-horse"}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    html = _check(other, "/account", checked)
    assert "Delete my account" in html and 'type="checkbox"' in html
    _check(app.test_client(), "/" + share_url(shared.token).split("://", 1)[-1]
           .split("/", 1)[1], checked)
    app.config["ALLOW_SIGNUP"] = True
    for path in ("/login", "/signup", "/forgot"):
        _check(app.test_client(), path, checked)

    assert len(checked) > 30
    broken = [f"{path}: {'; '.join(problems)}" for path, problems in checked.items() if problems]
    assert not broken, "\n".join(broken)
