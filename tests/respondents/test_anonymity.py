"""Anonymity by construction: what the schema can hold, and what a submission leaves."""

from __future__ import annotations

import re

from sqlalchemy import Date, DateTime, inspect, select

from assess.db import Base
from assess.extensions import db
from assess.respondents import links as respondent_links
from assess.respondents.models import Link, Response, SpentKey
from tests.respond import answer_questionnaire
from tests.respondents.conftest import link_for, personal_tokens

IDENTIFYING = re.compile(r"ip|addr|agent|e?mail|user|token|link|time|_at$|host|device|lang")
RESPONSE_TABLES = ("responses", "answers", "segment_answers", "comments", "spent_keys")


def test_response_tables_have_no_column_that_could_identify_a_respondent(app):
    inspector = inspect(db.engine)
    for table in RESPONSE_TABLES:
        columns = inspector.get_columns(table)
        names = [c["name"] for c in columns]
        assert not [n for n in names if IDENTIFYING.search(n)], (table, names)
        for column in columns:
            # Dates only, never a time of day.
            assert not isinstance(column["type"], DateTime), (table, column["name"])
    response_dates = {
        c["name"] for c in inspector.get_columns("responses") if isinstance(c["type"], Date)
    }
    assert response_dates == {"started_on", "submitted_on"}


def test_no_foreign_key_joins_responses_and_links(app):
    inspector = inspect(db.engine)
    for table in RESPONSE_TABLES:
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert "links" not in targets, table
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("links")} == {"engagements"}
    link_columns = {c["name"]: c["type"] for c in inspector.get_columns("links")}
    # A link records *that* it was used (a flag), not when.
    assert "used" in link_columns and "used_on" not in link_columns
    assert [n for n, t in link_columns.items() if isinstance(t, Date)] == ["created_on"]
    assert set(SpentKey.__table__.columns.keys()) == {"key_hash"}


def test_after_submission_nothing_joins_the_response_back_to_its_personal_link(
    client, make_engagement
):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "staff")
    answer_questionnaire(client, f"http://testserver/r/{token}")
    [response] = db.session.scalars(select(Response)).all()
    assert response.resume_key_hash is None
    link = link_for(token)
    derived = {
        token,
        link.token_hash,
        respondent_links.resume_key_for_single_use(token),
        respondent_links.hash_token(token),
    }
    row = db.session.execute(select(Response.__table__).where(Response.id == response.id)).one()
    assert not derived & {str(v) for v in row}
    assert not derived & set(db.session.scalars(select(SpentKey.key_hash)))
    # The link knows it was used; nothing says by which response.
    assert db.session.execute(select(Link.__table__).where(Link.id == link.id)).one()._mapping[
        "used"
    ]


def test_no_request_detail_is_stored_anywhere(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "customer")
    marker_agent = "Mozilla/5.0 (UA-MARKER-7f3a)"
    marker_ip = "203.0.113.77"
    client.environ_base.update({
        "HTTP_USER_AGENT": marker_agent,
        "REMOTE_ADDR": marker_ip,
        "HTTP_X_FORWARDED_FOR": "198.51.100.23",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9",
    })
    answer_questionnaire(client, f"http://testserver/r/{token}")
    everything = "\n".join(
        str(tuple(row))
        for table in Base.metadata.sorted_tables
        for row in db.session.execute(select(table))
    )
    for marker in (marker_agent, "UA-MARKER", marker_ip, "198.51.100.23", "en-GB"):
        assert marker not in everything
    assert not re.search(r"\d{2}:\d{2}:\d{2}", "\n".join(
        str(tuple(row))
        for table in ("responses", "answers", "segment_answers", "comments", "links")
        for row in db.session.execute(select(Base.metadata.tables[table]))
    )), "no time of day next to responses or links"
