"""An engagement's life after it was created (issue 15): its settings, closing with
a confirmation and reopening, deleting it by its typed name, copying it as the next
wave, and the engagement page in sections that need no JavaScript."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.audit import log
from assess.audit.models import AuditEntry
from assess.db import Base
from assess.engagements import files
from assess.engagements.files import FileKind
from assess.engagements.models import Engagement, InstrumentSnapshot, Organisation
from assess.engagements.services import release
from assess.extensions import db
from assess.respondents.models import Answer, Comment, Link, Response
from assess.sharing.links import create_share_link
from assess.sharing.models import ShareLink
from assess.transfer.models import ImportBatch

PASSWORD = "correct-horse"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
    b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
SECTIONS = ("overview", "respondents", "data", "report", "settings")


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


@pytest.fixture
def consultant(app: Flask, make_user: Any) -> FlaskClient:
    make_user("consultant", email="carl@example.com")
    return signed_in(app, "carl@example.com")


def entries(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ))


def fresh(engagement_id: int) -> Engagement:
    db.session.rollback()
    db.session.expire_all()
    found = db.session.get(Engagement, engagement_id)
    assert found is not None
    return found


def settings(client: FlaskClient, engagement: Engagement, **values: Any) -> Any:
    form = {"settings-name": engagement.name,
            "settings-anonymity_threshold": str(engagement.anonymity_threshold),
            "settings-instrument": ""}
    form.update({f"settings-{key}": str(value) for key, value in values.items()})
    return client.post(f"/engagements/{engagement.id}/settings", data=form)


# -- settings ---------------------------------------------------------------------------


def test_the_name_and_a_higher_threshold_change_at_any_time(
    consultant: FlaskClient, make_engagement: Any, make_response: Any
) -> None:
    engagement = make_engagement(name="Wave 1", anonymity_threshold=5)
    make_response(engagement, "customer", {"c_ease_easy": 4})
    revision = engagement.revision
    done = settings(consultant, engagement, name="Spring wave", anonymity_threshold=7)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/engagements/{engagement.id}?tab=settings")
    changed = fresh(engagement.id)
    assert (changed.name, changed.anonymity_threshold) == ("Spring wave", 7)
    assert changed.revision == revision + 1  # cached reports are made again
    page = consultant.get(done.headers["Location"]).get_data(as_text=True)
    assert "Settings saved: name &#39;Wave 1&#39; → &#39;Spring wave&#39;" in page
    [entry] = entries("engagement_settings_changed")
    assert entry.engagement_id == engagement.id and entry.actor == "carl@example.com"
    assert "anonymity threshold 5 → 7" in entry.detail


def test_a_lower_threshold_only_while_nobody_has_answered(
    consultant: FlaskClient, make_engagement: Any, make_response: Any
) -> None:
    engagement = make_engagement(anonymity_threshold=6)
    assert settings(consultant, engagement, anonymity_threshold=4).status_code == 302
    assert fresh(engagement.id).anonymity_threshold == 4
    # Never below the minimum, responses or not.
    refused = settings(consultant, fresh(engagement.id), anonymity_threshold=2)
    assert refused.status_code == 400 and fresh(engagement.id).anonymity_threshold == 4

    make_response(fresh(engagement.id), "staff", {"s_strat_plan": 4})
    refused = settings(consultant, fresh(engagement.id), anonymity_threshold=3)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "already has 1 response" in page and "can be raised but not lowered" in page
    assert fresh(engagement.id).anonymity_threshold == 4
    assert len(entries("engagement_settings_changed")) == 1


def test_the_instrument_changes_only_while_nobody_has_answered(
    consultant: FlaskClient, make_engagement: Any, make_response: Any
) -> None:
    engagement = make_engagement(status="draft")
    old = db.session.get(InstrumentSnapshot, engagement.snapshot_id)
    assert old is not None
    # A snapshot of an older content of the same instrument (as a year-old engagement has).
    older = InstrumentSnapshot(instrument_id=old.instrument_id, version="0.9",
                               content_hash="0" * 64, content=old.content)
    db.session.add(older)
    db.session.flush()
    engagement.snapshot = older
    db.session.commit()
    page = consultant.get(f"/engagements/{engagement.id}?tab=settings").get_data(as_text=True)
    assert 'name="settings-instrument"' in page
    assert settings(consultant, engagement, instrument=old.instrument_id).status_code == 302
    assert fresh(engagement.id).snapshot_id == old.id
    [entry] = entries("engagement_settings_changed")
    assert "0.9 →" in entry.detail

    engagement = fresh(engagement.id)
    engagement.snapshot_id = older.id
    db.session.commit()
    make_response(fresh(engagement.id), "customer", {"c_ease_easy": 4})
    page = consultant.get(f"/engagements/{engagement.id}?tab=settings").get_data(as_text=True)
    assert 'name="settings-instrument"' not in page
    assert "cannot change now that the engagement has responses" in page
    refused = settings(consultant, fresh(engagement.id), instrument=old.instrument_id)
    assert refused.status_code == 400
    assert "the instrument can change only before anyone answers" in refused.get_data(as_text=True)
    assert fresh(engagement.id).snapshot_id == older.id


def test_readers_and_other_workspaces_change_no_settings(
    app: Flask, make_user: Any, make_engagement: Any
) -> None:
    engagement = make_engagement(name="Ours")
    make_user("consultant", email="other@example.com", workspace="Other firm")
    other = signed_in(app, "other@example.com")
    assert settings(other, engagement, name="Theirs").status_code == 404
    assert fresh(engagement.id).name == "Ours"


# -- close with a confirmation, reopen --------------------------------------------------


def test_close_asks_first_and_reopen_opens_again(
    consultant: FlaskClient, make_engagement: Any
) -> None:
    engagement = make_engagement()
    overview = consultant.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    # The overview's Close is a link to the confirmation, not a button that closes.
    assert f'href="/engagements/{engagement.id}/close"' in overview
    assert 'value="closed"' not in overview
    confirm = consultant.get(f"/engagements/{engagement.id}/close")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "refuse answers" in text and "reopen it later" in text and 'value="closed"' in text
    assert fresh(engagement.id).status == "open"
    consultant.post(f"/engagements/{engagement.id}/status", data={"status": "closed"})
    assert fresh(engagement.id).status == "closed"
    # Closed: nothing to confirm; the overview offers to reopen.
    assert consultant.get(f"/engagements/{engagement.id}/close").status_code == 302
    overview = consultant.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Reopen for responses" in overview
    consultant.post(f"/engagements/{engagement.id}/status", data={"status": "open"})
    reopened = fresh(engagement.id)
    assert reopened.status == "open" and reopened.closed_on is None


# -- delete -----------------------------------------------------------------------------


def test_deleting_takes_everything_the_engagement_holds_and_nothing_else(
    consultant: FlaskClient, make_engagement: Any, make_response: Any
) -> None:
    doomed = make_engagement(name="Wrong one")
    kept = make_engagement(name="Right one")
    for engagement in (doomed, kept):
        make_response(engagement, "customer", {"c_ease_easy": 4}, comments={"c_open": "Fine"})
        files.store(engagement.id, FileKind.LOGO, files.LOGO_KEY, PNG, "image/png")
        files.store(engagement.id, FileKind.REPORT, "a4-r1", b"%PDF-1.7", "application/pdf")
        log.record("export", workspace_id=engagement.organisation.workspace_id,
                   engagement_id=engagement.id, detail=f"about {engagement.name}")
    db.session.add(ImportBatch(engagement_id=doomed.id, audience="customer",
                               filename="wrong.csv", source="page",
                               imported_at=log.now(), responses=1))
    release(doomed)
    create_share_link(doomed, expiry="30")
    db.session.commit()
    doomed_id, kept_id = doomed.id, kept.id

    page = consultant.get(f"/engagements/{doomed_id}/delete").get_data(as_text=True)
    assert "1 response" in page and "1 import" in page and "cached reports (1)" in page
    wrong = consultant.post(f"/engagements/{doomed_id}/delete", data={"name": "wrong one"})
    assert wrong.status_code == 400 and "type it exactly" in wrong.get_data(as_text=True)
    assert fresh(doomed_id) is not None

    done = consultant.post(f"/engagements/{doomed_id}/delete", data={"name": "Wrong one"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/")
    dashboard = consultant.get("/").get_data(as_text=True)
    assert "Wrong one is deleted, with 1 response" in dashboard
    db.session.rollback()
    assert db.session.get(Engagement, doomed_id) is None
    for model in (Response, Link, ShareLink, ImportBatch, files.EngagementFile):
        held = db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.engagement_id == doomed_id))
        assert held == 0, model
    # Every table that names an engagement (a table added later too) holds none of it.
    for table in Base.metadata.sorted_tables:
        if "engagement_id" in table.c and table.name != "audit_entries":
            held = db.session.scalar(select(func.count()).select_from(table)
                                     .where(table.c.engagement_id == doomed_id))
            assert held == 0, table.name
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1  # the kept one's
    assert (db.session.scalar(select(func.count()).select_from(Answer)) or 0) >= 1
    # The other engagement and the organisation keep everything.
    assert fresh(kept_id).name == "Right one"
    assert files.count([kept_id], FileKind.LOGO) == 1
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    [entry] = entries("engagement_deleted")
    assert entry.engagement_id is None and entry.organisation_id == kept.organisation_id
    assert "Wrong one (engagement" in entry.detail and "1 response" in entry.detail
    details = {e.detail for e in entries("export")}
    assert details == {log.FORGOTTEN, "about Right one"}


def test_readers_cannot_delete(app: Flask, make_user: Any, make_engagement: Any) -> None:
    engagement = make_engagement(name="Kept")
    make_user("consultant", email="other@example.com", workspace="Other firm")
    assert signed_in(app, "other@example.com").post(
        f"/engagements/{engagement.id}/delete", data={"name": "Kept"}).status_code == 404
    assert fresh(engagement.id).name == "Kept"


# -- next wave --------------------------------------------------------------------------


def test_next_wave_copies_the_settings_not_the_responses(
    consultant: FlaskClient, make_engagement: Any, make_response: Any
) -> None:
    first = make_engagement(name="2025", anonymity_threshold=8, prepared_by="Ann Analyst")
    first.accent_colour = "#005a9c"
    files.store(first.id, FileKind.LOGO, files.LOGO_KEY, PNG, "image/png")
    db.session.commit()
    make_response(first, "customer", {"c_ease_easy": 4})
    page = consultant.get(f"/engagements/{first.id}?tab=settings").get_data(as_text=True)
    assert 'value="2025 (next wave)"' in page  # the name offered, editable
    done = consultant.post(f"/engagements/{first.id}/next-wave", data={"wave-name": "2026"})
    assert done.status_code == 302
    db.session.rollback()
    wave = db.session.scalar(select(Engagement).where(Engagement.name == "2026"))
    assert wave is not None
    assert done.headers["Location"].endswith(f"/engagements/{wave.id}")
    assert (wave.organisation_id, wave.snapshot_id, wave.anonymity_threshold,
            wave.prepared_by, wave.accent_colour, wave.status) == (
        first.organisation_id, first.snapshot_id, 8, "Ann Analyst", "#005a9c", "draft")
    assert files.count([wave.id], FileKind.LOGO) == 1
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.engagement_id == wave.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Link)
                             .where(Link.engagement_id == wave.id)) == 0
    [entry] = entries("next_wave_created")
    assert entry.engagement_id == wave.id and "next wave of 2025" in entry.detail
    # Opened, it has links of its own, and its report's trend compares with the first.
    consultant.post(f"/engagements/{wave.id}/status", data={"status": "open"})
    links = set(db.session.scalars(select(Link.engagement_id)))
    assert wave.id in links
    from assess.engagements.services import previous_engagement

    assert previous_engagement(fresh(wave.id)).id == first.id  # type: ignore[union-attr]
    empty = consultant.post(f"/engagements/{first.id}/next-wave", data={"wave-name": ""})
    assert empty.status_code == 400


def test_next_wave_on_the_newest_version(
    consultant: FlaskClient, make_engagement: Any
) -> None:
    first = make_engagement(name="2025")
    current = db.session.get(InstrumentSnapshot, first.snapshot_id)
    assert current is not None
    older = InstrumentSnapshot(instrument_id=current.instrument_id, version="0.9",
                               content_hash="0" * 64, content=current.content)
    db.session.add(older)
    db.session.flush()
    first.snapshot = older
    db.session.commit()
    page = consultant.get(f"/engagements/{first.id}?tab=settings").get_data(as_text=True)
    assert "Use the instrument&#39;s newest version" in page
    assert "only the dimensions both versions share" in page
    consultant.post(f"/engagements/{first.id}/next-wave",
                    data={"wave-name": "Same"})
    consultant.post(f"/engagements/{first.id}/next-wave",
                    data={"wave-name": "Newest", "wave-newest_version": "y"})
    db.session.rollback()
    waves = {e.name: e.snapshot_id for e in db.session.scalars(select(Engagement))}
    assert waves["Same"] == older.id and waves["Newest"] == current.id


def test_the_trend_covers_only_the_dimensions_both_versions_share() -> None:
    """The engine's trend (scoring/engine.py ``trend``) is keyed by the current
    wave's dimensions: one the previous version lacks has no earlier score and no
    change, one only the previous version had is not in it."""
    from assess.scoring.engine import trend

    def dimension(dimension_id: str, staff: float) -> Any:
        # The two things trend() reads of a dimension: its id and its score per audience.
        return SimpleNamespace(id=dimension_id, staff=SimpleNamespace(score=staff),
                               customer=None)

    previous: Any = SimpleNamespace(dimensions=(dimension("shared", 3.0),
                                                dimension("dropped", 2.0)))
    found = trend((dimension("shared", 3.5), dimension("added", 4.0)), previous)
    assert set(found) == {"shared", "added"}
    assert found["shared"].staff_change == pytest.approx(0.5)
    assert found["added"].staff_previous is None and found["added"].staff_change is None


# -- the page in sections ---------------------------------------------------------------


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(value for name, value in attrs if name == "id" and value)


def test_each_section_is_its_own_page_without_duplicate_ids(
    consultant: FlaskClient, make_engagement: Any, make_response: Any
) -> None:
    engagement = make_engagement(name="Sections")
    make_response(engagement, "customer", {"c_ease_easy": 4})
    expected = {
        "overview": ('id="responses-h"', 'id="status-h"'),
        "respondents": ('id="links-h"', 'id="links-staff"'),
        "data": ('id="transfer-h"',),
        "report": ('id="release"', 'id="report-settings"', 'id="share-links"'),
        "settings": ('id="settings"', 'id="next-wave"', 'id="delete"'),
    }
    pages = {}
    for section in SECTIONS:
        url = f"/engagements/{engagement.id}" + ("" if section == "overview" else f"?tab={section}")
        answer = consultant.get(url)
        assert answer.status_code == 200, section
        pages[section] = answer.get_data(as_text=True)
        assert 'aria-current="page"' in pages[section]
        parser = Ids()
        parser.feed(pages[section])
        twice = [i for i, n in Counter(parser.ids).items() if n > 1]
        assert not twice, (section, twice)
    for section, markers in expected.items():
        for marker in markers:
            assert marker in pages[section], (section, marker)
            others = [s for s in SECTIONS if s != section and marker in pages[s]]
            assert not others, (marker, others)
    assert consultant.get(f"/engagements/{engagement.id}?tab=nonsense").status_code == 404


def test_feedback_after_a_panel_lands_on_its_section(
    consultant: FlaskClient, make_engagement: Any
) -> None:
    engagement = make_engagement()
    saved = consultant.post(f"/engagements/{engagement.id}/report/settings",
                            data={"prepared_by": "Ann", "accent_colour": "#1f4e79"})
    assert saved.headers["Location"].endswith(f"/engagements/{engagement.id}?tab=report")
    replaced = consultant.post(
        f"/engagements/{engagement.id}/respondents/staff/open-link/replace",
        data={"confirm": "y"})
    assert replaced.headers["Location"].endswith("?tab=respondents")
    page = consultant.get(replaced.headers["Location"]).get_data(as_text=True)
    # The confirmation sits above the section's first panel, not 1,200 px away.
    assert page.index('class="flash') < page.index('id="links-h"')


def test_a_reader_gets_the_one_page_whatever_the_section_asked(
    app: Flask, make_user: Any, make_engagement: Any
) -> None:
    engagement = make_engagement(name="Shared")
    release(engagement)
    db.session.commit()
    make_user("reader", email="rita@client.example", organisations=[engagement.organisation])
    reader = signed_in(app, "rita@client.example")
    for section in SECTIONS:
        page = reader.get(f"/engagements/{engagement.id}?tab={section}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Results and report" in text
        assert "Engagement sections" not in text and 'id="settings"' not in text
