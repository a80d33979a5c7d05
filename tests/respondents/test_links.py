"""Links and tokens: open and personal links, wrong tokens, closed engagements, the CLI."""

from __future__ import annotations

import hashlib
import math
import re

import pytest
from sqlalchemy import select, text

from assess.engagements.models import Status
from assess.engagements.services import set_status
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links as respondent_links
from assess.respondents.models import Link, LinkKind, Response
from tests.respondents.conftest import (
    answer,
    answer_pages,
    count,
    link_for,
    open_token,
    personal_tokens,
    start,
)

URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def _bits(token: str) -> float:
    alphabet = 16 if re.fullmatch(r"[0-9a-f]+", token) else 64
    return len(token) * math.log2(alphabet)


def _everything_stored() -> str:
    """Every value in every table, as one string: for "is this stored anywhere?"."""
    from assess.db import Base

    rows = []
    for table in Base.metadata.sorted_tables:
        rows.extend(str(tuple(row)) for row in db.session.execute(select(table)))
    return "\n".join(rows)


def test_the_open_link_is_stable_long_and_stored_only_as_a_hash(app, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    assert open_token(engagement, "staff") == token  # shown again, the same
    assert open_token(engagement, "customer") != token
    assert URL_SAFE.fullmatch(token) and _bits(token) >= 128
    link = link_for(token)
    assert link.kind == LinkKind.OPEN
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in _everything_stored()


def test_personal_links_are_random_long_and_stored_only_as_hashes(app, make_engagement):
    engagement = make_engagement()
    tokens = personal_tokens(engagement, "customer", 50)
    assert len(set(tokens)) == 50
    assert all(URL_SAFE.fullmatch(t) and _bits(t) >= 128 for t in tokens)
    stored = _everything_stored()
    assert not any(t in stored for t in tokens)
    assert count(Link, Link.kind == LinkKind.SINGLE_USE) == 50


def test_personal_links_are_made_between_one_and_ten_thousand_at_a_time(app, make_engagement):
    engagement = make_engagement()
    for wrong in (0, 10_001):
        with pytest.raises(ValueError, match="between 1 and 10,000"):
            respondent_links.create_single_use_links(engagement, Audience.STAFF, wrong)


def _wrong_tokens(engagement) -> dict[str, str]:
    replaced = open_token(engagement, "customer")
    respondent_links.replace_open_link(engagement, Audience.CUSTOMER)
    [withdrawn] = personal_tokens(engagement, "staff")
    respondent_links.withdraw_unused_single_use(engagement, Audience.STAFF)
    db.session.commit()
    return {
        "unknown": "A" * 43,
        "replaced open link": replaced,
        "withdrawn personal link": withdrawn,
        "too short": "abc",
        "too long": "a" * 101,
        "not URL-safe": "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "one character off": replaced[:-1] + ("0" if replaced[-1] != "0" else "1"),
    }


def test_every_kind_of_wrong_token_gets_the_same_polite_404(client, make_engagement):
    engagement = make_engagement(organisation="Secret Client Ltd")
    wrong = _wrong_tokens(engagement)
    bodies = {}
    for reason, token in wrong.items():
        page = client.get(f"/r/{token}")
        assert page.status_code == 404, reason
        bodies[reason] = page.get_data()
    assert len(set(bodies.values())) == 1, "the page must not say why the token is wrong"
    body = next(iter(bodies.values())).decode()
    assert "This link does not work" in body
    assert "Secret Client Ltd" not in body and "Traceback" not in body
    # Other addresses under /r/ look the same.
    for path in ("/r/", "/r/a/b/c", f"/r/{'A' * 43}/page/0", f"/r/{'A' * 43}/thanks"):
        assert client.get(path).get_data() == bodies["unknown"], path
    for path in (f"/r/{'A' * 43}/start", f"/r/{'A' * 43}/page/0"):
        assert client.post(path).get_data() == bodies["unknown"], path


def test_wrong_tokens_store_nothing(client, make_engagement):
    engagement = make_engagement()
    wrong = _wrong_tokens(engagement)
    for token in wrong.values():
        client.post(f"/r/{token}/start")
        client.post(f"/r/{token}/page/0", data={"action": "next"})
    assert count(Response) == 0


@pytest.mark.parametrize(
    ("status", "message"),
    [("draft", "has not opened yet"), ("closed", "has closed")],
)
def test_draft_and_closed_engagements_refuse_answers_with_a_clear_page(
    client, make_engagement, status, message
):
    engagement = make_engagement(status=status, organisation="Fabrikam")
    token = open_token(engagement, "staff")
    [personal] = personal_tokens(engagement, "customer")
    for path, method in [
        (f"/r/{token}", client.get),
        (f"/r/{token}/start", client.post),
        (f"/r/{token}/page/0", client.post),
        (f"/r/{personal}", client.get),
        (f"/r/{personal}/page/1", client.post),
    ]:
        page = method(path, data={"action": "next"}) if method is client.post else method(path)
        assert page.status_code == 404, path
        body = page.get_data(as_text=True)
        assert "This questionnaire is not available" in body and message in body
        assert "Fabrikam" in body  # the respondent sees whose questionnaire it was
    assert count(Response) == 0


def test_closing_the_engagement_stops_a_link_mid_way(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "staff")
    answer_pages(client, token, 2)
    set_status(engagement, Status.CLOSED)
    db.session.commit()
    refused = answer(client, token, 2)
    assert refused.status_code == 404
    assert "has closed" in refused.get_data(as_text=True)
    assert count(Response) == 1  # the two saved pages stay, unsubmitted
    assert client.get(f"/r/{token}").status_code == 404


def test_replacing_the_open_link_stops_the_old_one_at_once(client, make_engagement):
    engagement = make_engagement()
    old = open_token(engagement, "staff")
    answer_pages(client, old, 1)
    _link, new = respondent_links.replace_open_link(engagement, Audience.STAFF)
    db.session.commit()
    assert new != old
    assert client.get(f"/r/{old}").status_code == 404
    assert answer(client, old, 1).status_code == 404
    assert client.get(f"/r/{new}").status_code == 200
    assert respondent_links.existing_open_link(engagement, Audience.STAFF).id == link_for(new).id


def test_withdrawing_personal_links_spares_the_used_ones(client, make_engagement):
    from tests.respond import answer_questionnaire

    engagement = make_engagement()
    used, unused = personal_tokens(engagement, "customer", 2)
    answer_questionnaire(client, f"http://testserver/r/{used}")
    assert respondent_links.withdraw_unused_single_use(engagement, Audience.CUSTOMER) == 1
    db.session.commit()
    assert client.get(f"/r/{unused}").status_code == 404
    # The used link still says "already submitted", and still counts as used.
    assert "Already submitted" in client.get(f"/r/{used}").get_data(as_text=True)
    stats = respondent_links.audience_stats(engagement.id, Audience.CUSTOMER)
    assert (stats.personal_issued, stats.personal_used, stats.submitted) == (1, 1, 1)


def test_start_stores_nothing_until_a_page_is_saved(client, make_engagement):
    engagement = make_engagement()
    token = open_token(engagement, "staff")
    assert start(client, token).endswith("/page/0")
    assert count(Response) == 0


# -- the command line -----------------------------------------------------------------


def test_cli_prints_the_open_link_the_engagement_page_shows(runner, make_engagement):
    engagement = make_engagement()
    result = runner.invoke(args=["links", str(engagement.id), "--audience", "staff"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url == f"http://testserver/r/{open_token(engagement, 'staff')}"
    again = runner.invoke(args=["links", str(engagement.id), "--audience", "staff"])
    assert again.output.strip() == url


def test_cli_prints_new_personal_links_one_a_line(runner, client, make_engagement):
    engagement = make_engagement()
    result = runner.invoke(
        args=["links", str(engagement.id), "--audience", "customer", "--single-use", "3"]
    )
    assert result.exit_code == 0, result.output
    urls = result.output.splitlines()
    assert len(urls) == 3 and len(set(urls)) == 3
    for url in urls:
        assert url.startswith("http://testserver/r/")
        assert client.get(url.removeprefix("http://testserver")).status_code == 200
    assert count(Link, Link.kind == LinkKind.SINGLE_USE, Link.audience == "customer") == 3


def test_cli_explains_what_it_cannot_do(runner, make_engagement):
    closed = make_engagement(status="closed")
    draft = make_engagement(status="draft")
    failures = {
        ("999", "staff"): "no engagement 999",
        ("x", "staff"): "not an engagement id",
        (str(closed.id), "staff"): "is closed",
    }
    for (ref, audience), message in failures.items():
        result = runner.invoke(args=["links", ref, "--audience", audience])
        assert result.exit_code != 0 and message in result.output, result.output
    wrong_count = runner.invoke(
        args=["links", str(draft.id), "--audience", "staff", "--single-use", "0"]
    )
    assert wrong_count.exit_code == 2
    noted = runner.invoke(args=["links", str(draft.id), "--audience", "staff"])
    assert noted.exit_code == 0
    assert "is a draft" in noted.stderr
    assert noted.stdout.strip().startswith("http://testserver/r/")


def test_cli_builds_links_on_assess_base_url(monkeypatch, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the environment variable is read the same way on every database")
    from assess import create_app

    monkeypatch.setenv("ASSESS_BASE_URL", "https://survey.example.org/")
    app = create_app({
        "DATABASE_URL": database_url, "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path),
    })
    with app.app_context():
        db.create_all()
        from assess.engagements.services import create_engagement
        from tests.access import workspace_named

        engagement = create_engagement(
            workspace=workspace_named(), organisation="Env Ltd", name="E"
        )
        set_status(engagement, Status.OPEN)
        db.session.commit()
        result = app.test_cli_runner().invoke(
            args=["links", str(engagement.id), "--audience", "staff", "--single-use", "2"]
        )
        db.session.remove()
    assert result.exit_code == 0, result.output
    assert all(
        line.startswith("https://survey.example.org/r/") for line in result.output.splitlines()
    )
    db.engine.dispose()


def test_the_token_is_not_in_the_database_even_as_plain_text_columns(app, make_engagement):
    """A belt-and-braces check on the schema: links hold hashes of 64 hex characters."""
    engagement = make_engagement()
    personal_tokens(engagement, "staff", 3)
    open_token(engagement, "staff")
    hashes = db.session.execute(text("SELECT token_hash FROM links")).scalars().all()
    assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
