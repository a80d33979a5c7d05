"""Each import is a batch that can be removed as a whole (issue 15: undo an import),
and rows with no rated answer are no response (scoring rule 1)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from assess.audit.models import AuditEntry
from assess.engagements.models import Engagement
from assess.extensions import db
from assess.respondents.models import Answer, Comment, Response, SegmentAnswer
from assess.transfer.models import ImportBatch, ImportSource
from assess.transfer.services import import_responses

from .helpers import csv_bytes, follow_import, response_count

HEADER = ["respondent", "customer_length", "c_ease_easy", "c_recommend", "c_open_change"]
WRONG_FILE = [HEADER, ["w1", "1_3y", 1, 0, "wrong engagement"], ["w2", None, 2, 3, None]]
RIGHT_FILE = [HEADER, ["r1", "1_3y", 5, 10, "right one"]]


def upload(client, engagement, rows, name, audience="customer"):
    """The upload, and once its job has run, the job's page."""
    return follow_import(client, client.post(
        f"/engagements/{engagement.id}/responses/import",
        data={"audience": audience, "file": (io.BytesIO(csv_bytes(rows)), name)},
        content_type="multipart/form-data",
    ))


def batch_named(filename: str) -> ImportBatch:
    db.session.rollback()  # see what the requests committed
    found = db.session.scalar(select(ImportBatch).where(ImportBatch.filename == filename))
    assert found is not None
    return found


def rows_of(model: Any, engagement_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model)
        .join(Response, Response.id == model.response_id)
        .where(Response.engagement_id == engagement_id)
    ) or 0


def revision(engagement_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(Engagement.revision).where(Engagement.id == engagement_id))


def audit(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ))


def test_the_page_removes_exactly_one_import(client, auth, make_user, make_engagement,
                                             make_response):
    user = make_user("consultant", email="carla@example.com")
    auth.login(user.email)
    engagement = make_engagement(created_by=user)
    online = make_response(engagement, "customer", {"c_ease_easy": 4})
    assert upload(client, engagement, WRONG_FILE, "march.csv").status_code == 200
    assert upload(client, engagement, RIGHT_FILE, "april.csv").status_code == 200
    batch = batch_named("march.csv")
    assert (batch.source, batch.user_id, batch.responses) == (ImportSource.PAGE, user.id, 2)
    wrong = batch.id
    assert response_count(engagement.id) == 4

    page = client.get(f"/engagements/{engagement.id}?tab=data").get_data(as_text=True)
    listed = re.search(rf'<tr data-testid="import-{wrong}">(.*?)</tr>', page, re.S)
    assert listed is not None
    row = listed.group(1)
    assert "march.csv" in row and "Customer" in row and ">2<" in row
    assert "carla@example.com" in row
    assert f"/engagements/{engagement.id}/imports/{wrong}/remove" in row

    # The confirmation step names the file and what goes.
    url = f"/engagements/{engagement.id}/imports/{wrong}/remove"
    confirm = client.get(url)
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "march.csv" in text and "2 customer responses" in text
    # Unticked: refused, nothing removed.
    before = revision(engagement.id)
    refused = client.post(url, data={})
    assert refused.status_code == 400
    assert "Tick the box to confirm." in refused.get_data(as_text=True)
    assert response_count(engagement.id) == 4

    done = client.post(url, data={"confirm": "y"})
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Removed the import of march.csv: 2 customer responses deleted." in shown
    assert f'data-testid="import-{wrong}"' not in shown
    assert "april.csv" in shown

    db.session.rollback()
    kept = set(db.session.scalars(
        select(Response.external_id).where(Response.engagement_id == engagement.id)
    ))
    assert kept == {None, "r1"}  # the online response and the other import stay
    assert db.session.get(Response, online.id) is not None
    assert db.session.get(ImportBatch, wrong) is None
    # Answers, segment answers and comments of the removed responses went with them.
    assert rows_of(Answer, engagement.id) == 1 + 2
    assert rows_of(SegmentAnswer, engagement.id) == 1
    assert [c.text for c in db.session.scalars(select(Comment))] == ["right one"]
    assert revision(engagement.id) == before + 1  # cached reports and results are stale
    [removal] = audit("import_removed")
    assert (removal.actor, removal.engagement_id) == ("carla@example.com", engagement.id)
    assert "march.csv" in removal.detail and "2 customer responses" in removal.detail
    assert [e.actor for e in audit("responses_imported")] == ["carla@example.com"] * 2

    # Removed once: the same URL finds nothing; the file can be imported again.
    assert client.get(url).status_code == 404
    assert client.post(url, data={"confirm": "y"}).status_code == 404
    assert upload(client, engagement, WRONG_FILE, "march.csv").status_code == 200
    assert response_count(engagement.id) == 4


def test_another_engagements_import_is_not_found(client, auth, make_user, make_engagement):
    user = make_user()
    auth.login(user.email)
    mine = make_engagement(created_by=user)
    other = make_engagement(name="Other", created_by=user)
    upload(client, other, WRONG_FILE, "other.csv")
    batch = batch_named("other.csv")
    url = f"/engagements/{mine.id}/imports/{batch.id}/remove"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"confirm": "y"}).status_code == 404
    assert response_count(other.id) == 2


def test_readers_and_other_workspaces_cannot_remove(make_app, make_user, make_engagement):
    from assess.engagements.services import release
    from tests.access import give_reader
    from tests.conftest import AuthActions

    app = make_app()
    with app.app_context():
        engagement = make_engagement()
        import_responses(engagement, "customer", io.BytesIO(csv_bytes(WRONG_FILE)), "w.csv")
        release(engagement)
        db.session.commit()
        batch = batch_named("w.csv")
        url = f"/engagements/{engagement.id}/imports/{batch.id}/remove"
        reader = make_user("reader")
        give_reader(reader, engagement.organisation)
        db.session.commit()
        stranger = make_user("consultant", workspace="Another firm")
        for person, status in ((reader, 403), (stranger, 404)):
            client = app.test_client()
            AuthActions(client).login(person.email)
            assert client.get(url).status_code == status
            assert client.post(url, data={"confirm": "y"}).status_code == status
            page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
            assert "/imports/" not in page
        assert response_count(engagement.id) == 2


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_removing_needs_the_csrf_token(make_app, make_user, make_engagement):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = make_user()
        engagement = make_engagement(created_by=user)
        import_responses(engagement, "customer", io.BytesIO(csv_bytes(WRONG_FILE)), "w.csv")
        db.session.commit()
        batch = batch_named("w.csv")
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True))
        assert token is not None
        signed = client.post("/login", data={"email": user.email, "password": "correct-horse",
                                             "csrf_token": token.group(1)})
        assert signed.status_code == 302
        url = f"/engagements/{engagement.id}/imports/{batch.id}/remove"
        page = client.get(url).get_data(as_text=True)
        assert client.post(url, data={"confirm": "y"}).status_code == 400
        assert response_count(engagement.id) == 2
        token = CSRF.search(page)
        assert token is not None
        assert client.post(url, data={"confirm": "y", "csrf_token": token.group(1)}
                           ).status_code == 302
        db.session.rollback()
        assert response_count(engagement.id) == 0


def test_the_command_line_lists_and_removes_imports(app, runner, tmp_path, make_engagement,
                                                    make_response):
    engagement = make_engagement()
    make_response(engagement, "customer", {"c_ease_easy": 3})
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(csv_bytes(WRONG_FILE))
    done = runner.invoke(args=["responses", "import", str(engagement.id), str(wrong),
                               "--audience", "customer"])
    assert done.exit_code == 0, done.output
    found = batch_named("wrong.csv")
    assert (found.source, found.user_id) == (ImportSource.COMMAND_LINE, None)
    batch_id = found.id
    assert f"assess responses remove-import {engagement.id} {batch_id}" in done.output

    listed = runner.invoke(args=["responses", "imports", str(engagement.id)])
    assert listed.exit_code == 0
    assert listed.output.split("\t")[0] == str(batch_id)
    assert "\tcommand line\tcustomer\t2\twrong.csv" in listed.output

    # The confirmation names the file and the count; "no" removes nothing.
    kept = runner.invoke(args=["responses", "remove-import", str(engagement.id), str(batch_id)],
                         input="n\n")
    assert kept.exit_code == 1
    assert "Delete the 2 customer responses that wrong.csv added" in kept.output
    assert response_count(engagement.id) == 3
    gone = runner.invoke(args=["responses", "remove-import", str(engagement.id), str(batch_id)],
                         input="y\n")
    assert gone.exit_code == 0, gone.output
    assert f"Removed import {batch_id} (wrong.csv): 2 customer responses deleted." in gone.output
    db.session.rollback()
    assert response_count(engagement.id) == 1
    assert [e.actor for e in audit("import_removed")] == ["command line"]
    again = runner.invoke(args=["responses", "remove-import", str(engagement.id), str(batch_id),
                                "--yes"])
    assert again.exit_code == 1 and f"has no import {batch_id}" in again.output
    none = runner.invoke(args=["responses", "imports", str(engagement.id)])
    assert "no recorded imports" in none.output


# -- scoring rule 1: a row with no rated answer is no response ------------------------


def test_rows_without_a_rated_answer_are_skipped_and_reported(make_engagement):
    engagement = make_engagement()
    rows = [
        HEADER,
        ["a", "1_3y", 4, None, None],  # row 2: answered
        ["b", "1_3y", None, None, "only a comment"],  # row 3: no rated answer
        ["c", None, "NA", None, None],  # row 4: "not applicable" is missing too
        ["d", None, None, 0, None],  # row 5: 0 on the recommend scale is an answer
    ]
    report = import_responses(engagement, "customer", io.BytesIO(csv_bytes(rows)), "f.csv")
    db.session.commit()
    assert (report.imported, report.no_rated_answer, report.already_imported) == (2, [3, 4], 0)
    assert ("2 rows with no rated answer skipped, as no response (rows 3, 4)"
            in report.summary())
    stored = set(db.session.scalars(select(Response.external_id)))
    assert stored == {"a", "d"}
    assert db.session.scalars(select(Comment.text)).all() == []
    batch = db.session.get(ImportBatch, report.batch_id)
    assert batch is not None and batch.responses == 2
    # Importing again: the skipped rows are skipped again, never "already imported".
    again = import_responses(engagement, "customer", io.BytesIO(csv_bytes(rows)), "f.csv")
    assert (again.imported, again.already_imported, again.no_rated_answer) == (0, 2, [3, 4])
    assert again.batch_id is None  # nothing stored: no batch to remove


def test_the_page_reports_the_skipped_rows(client, auth, make_user, make_engagement):
    user = make_user()
    auth.login(user.email)
    engagement = make_engagement(created_by=user)
    rows = [HEADER, ["a", None, 4, None, None], ["b", None, "NA", None, "hello"]]
    page = upload(client, engagement, rows, "mixed.csv").get_data(as_text=True)
    assert "Imported 1 customer responses" in page
    assert "1 row with no rated answer skipped, as no response (row 3)" in page
    assert response_count(engagement.id) == 1


def test_a_file_of_only_empty_answers_stores_nothing(app, runner, tmp_path, make_engagement):
    engagement = make_engagement()
    path = tmp_path / "empty.csv"
    path.write_bytes(csv_bytes([HEADER, ["a", "1_3y", None, None, "x"]]))
    done = runner.invoke(args=["responses", "import", str(engagement.id), str(path),
                               "--audience", "customer"])
    assert done.exit_code == 0, done.output
    assert "Imported 0 customer responses; 1 row with no rated answer skipped" in done.output
    assert "remove-import" not in done.output
    assert response_count(engagement.id) == 0
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_an_import_removed_at_the_same_moment_is_reported(make_engagement, monkeypatch):
    from assess.transfer import services

    engagement = make_engagement()
    report = import_responses(engagement, "customer", io.BytesIO(csv_bytes(WRONG_FILE)),
                              "w.csv")
    db.session.commit()
    seen = services.find_import(engagement, report.batch_id)
    services.remove_import(engagement, report.batch_id)
    db.session.commit()
    # The other request found the import before this one's DELETE committed.
    monkeypatch.setattr(services, "find_import", lambda *args: seen)
    with pytest.raises(services.TransferError, match="has just been removed"):
        services.remove_import(engagement, report.batch_id)
    db.session.rollback()
    assert len(audit("import_removed")) == 1


def test_the_file_name_is_kept_without_folders_or_bidi_controls(make_engagement):
    engagement = make_engagement()
    report = import_responses(engagement, "customer", io.BytesIO(csv_bytes(RIGHT_FILE)),
                              "C:\\Users\\dana\\exports/april\u202e.csv")
    db.session.commit()
    assert db.session.get(ImportBatch, report.batch_id).filename == "april.csv"
