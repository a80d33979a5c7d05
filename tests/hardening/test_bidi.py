"""Bidi control characters in names and comments (issue #16): removed where user
text is stored, removed again and isolated in ``<bdi>`` where it is shown, on
screen and in the PDF, so a right-to-left override cannot reverse what follows."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from markupsafe import Markup
from sqlalchemy import select, update

from assess.engagements.models import Engagement, Organisation
from assess.extensions import db
from assess.reports.service import build_report_pdf
from assess.respondents.models import Comment, Response
from assess.text import isolated, plain, without_bidi_controls
from assess.transfer.layout import Layout
from assess.transfer.services import import_responses
from assess.workspaces.services import create_workspace
from tests.reports.conftest import pdf_text
from tests.respond import answer_questionnaire
from tests.respondents.conftest import open_token
from tests.transfer.helpers import csv_bytes

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows it is shown reversed
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
MARKS = "\u200e\u200f\u061c"  # LRM, RLM, ALM: kept


def test_the_controls_go_and_the_marks_stay() -> None:
    assert without_bidi_controls(f"a{CONTROLS}b") == "ab"
    assert without_bidi_controls(f"a{MARKS}b") == f"a{MARKS}b"
    assert without_bidi_controls("שלום, Ltd") == "שלום, Ltd"
    assert without_bidi_controls("") == ""


def test_the_template_filters_escape_strip_and_isolate() -> None:
    shown = isolated(f"<b>Acme</b>{RLO} Ltd")
    assert isinstance(shown, Markup)
    assert shown == "<bdi>&lt;b&gt;Acme&lt;/b&gt; Ltd</bdi>"
    assert isolated(None) == ""
    assert isolated(Markup(f"<em>x</em>{RLO}")) == "<bdi><em>x</em></bdi>"  # already safe
    assert plain(f"Acme{RLO} Ltd") == "Acme Ltd"
    assert plain(None) == ""


def test_a_comment_sent_with_an_override_is_stored_without_it(client, make_engagement) -> None:
    engagement = make_engagement()
    token = open_token(engagement)
    answer_questionnaire(client, f"http://testserver/r/{token}",
                         comment=f"{RLO}Keep the friendly staff{MARKS}")
    texts = set(db.session.scalars(select(Comment.text)))
    assert texts == {f"Keep the friendly staff{MARKS}"}


def test_names_typed_in_forms_are_stored_without_controls(
    client, make_user, auth
) -> None:
    user = make_user()
    auth.login(user.email)
    created = client.post("/engagements/new", data={
        "organisation": f"Acme{RLO} Ltd", "name": f"Spring{RLO} wave",
        "instrument": "customer-centricity", "anonymity_threshold": "5",
    })
    assert created.status_code == 302, created.get_data(as_text=True)
    engagement = db.session.scalars(select(Engagement)).one()
    assert (engagement.organisation.name, engagement.name) == ("Acme Ltd", "Spring wave")

    settings = client.post(f"/engagements/{engagement.id}/report/settings", data={
        "prepared_by": f"Dana{RLO} Smith\u2067", "accent_colour": "#1f4e79",
    })
    assert settings.status_code in (302, 303), settings.get_data(as_text=True)
    db.session.refresh(engagement)
    assert engagement.prepared_by == "Dana Smith"

    renamed = client.post("/account/name", data={"name": f"\u202dDana{RLO} Smith"})
    assert renamed.status_code == 302
    db.session.refresh(user)
    assert user.name == "Dana Smith"

    # The same organisation typed again with an override is the same organisation.
    again = client.post("/engagements/new", data={
        "organisation": f"{RLO}Acme Ltd", "name": "Autumn wave",
        "instrument": "customer-centricity", "anonymity_threshold": "5",
    })
    assert again.status_code == 302
    assert db.session.scalars(select(Organisation.name)).all() == ["Acme Ltd"]


def test_a_workspace_name_is_stored_without_controls(app) -> None:
    workspace = create_workspace(f"Contoso{RLO} Energy\u2066")
    assert workspace.name == "Contoso Energy"


def test_an_import_keeps_ids_options_and_comments_without_controls(app, make_engagement) -> None:
    engagement = make_engagement()
    layout = Layout.of(engagement.instrument(), "staff")
    header = layout.header
    row: list[Any] = [None] * len(header)
    row[header.index("respondent")] = f"R{RLO}-1"
    row[header.index("staff_function")] = f"{RLO}sales"
    row[header.index("s_strat_plan")] = 4
    row[header.index("s_open_change")] = f"{RLO}More people on the phones"
    import_responses(engagement, "staff", io.BytesIO(csv_bytes([header, row])), "wave.csv")
    db.session.commit()
    response = db.session.scalars(select(Response)).one()
    assert response.external_id == "R-1"
    assert [s.option_id for s in response.segments if s.question_id == "staff_function"] == [
        "sales"
    ]
    assert [c.text for c in response.comments] == ["More people on the phones"]


def _stored_raw(engagement: Engagement, organisation: str, name: str, prepared_by: str) -> None:
    """Names written before the rule existed: straight into the rows, past the services."""
    db.session.execute(update(Organisation).where(Organisation.id == engagement.organisation_id)
                       .values(name=organisation))
    db.session.execute(update(Engagement).where(Engagement.id == engagement.id)
                       .values(name=name, prepared_by=prepared_by))
    db.session.commit()
    db.session.expire_all()


def test_pages_isolate_every_user_string(client, make_user, auth, make_engagement) -> None:
    user = make_user()
    engagement = make_engagement()
    _stored_raw(engagement, f"Acme{RLO} Ltd", f"Spring{RLO} wave", f"Dana{RLO} Smith")
    auth.login(user.email)
    detail = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert RLO not in detail
    assert "<h1><bdi>Spring wave</bdi>" in detail
    assert ">Acme Ltd</bdi></a></p>" in detail  # the breadcrumb
    assert "<title>Spring wave · assess</title>" in detail
    listing = client.get("/").get_data(as_text=True)
    assert RLO not in listing and ">Acme Ltd</bdi></a>" in listing

    welcome = client.get(f"/r/{open_token(engagement)}").get_data(as_text=True)
    assert RLO not in welcome
    assert "run by <bdi>Dana Smith</bdi> for <bdi>Acme Ltd</bdi>." in welcome


@pytest.fixture
def commented(make_engagement: Any, make_response: Any) -> Engagement:
    """An engagement whose staff comments are shown (6 responses at threshold 3)."""
    engagement = make_engagement(anonymity_threshold=3)
    items = engagement.instrument().items_for("staff")
    for number in range(6):
        make_response(engagement, "staff", {item.id: 4 for item in items},
                      comments={"s_open_change": f"{RLO}Fewer meetings, please {number}"})
    return engagement


def test_the_pdf_has_no_override_and_the_text_after_a_name_is_intact(
    app, commented: Engagement
) -> None:
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("rendering the PDF takes seconds; the filters are the same on both")
    # Names from before the rule: the template filters remove the override and isolate.
    _stored_raw(commented, f"Acme{RLO} Ltd", "Spring wave", f"Dana{RLO} Smith")
    engagement = db.session.get(Engagement, commented.id)
    assert engagement is not None
    text = pdf_text(build_report_pdf(engagement))
    assert RLO not in text
    assert "prepared for the board and leadership of Acme Ltd." in text
    assert "Prepared by Dana Smith" in text
    assert "Fewer meetings, please 0" in text  # the comment, stripped when stored
    assert not re.search(r"dtL|htimS|sgniteem", text)  # nothing reversed
