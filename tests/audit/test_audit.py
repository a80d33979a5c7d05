"""The audit log: what the pages and commands record, the owners' page and CSV, the
operator's ``assess audit``, and retention (``assess audit prune``, a moved clock)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from assess.audit import log
from assess.audit.models import AuditEntry
from assess.extensions import db
from assess.reports import views as report_views
from assess.workspaces.models import Membership

PASSWORD = "correct-horse"


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def logged(action: str | None = None) -> list[AuditEntry]:
    """Every entry (of one action), oldest first, as the requests committed them."""
    db.session.rollback()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def test_sign_ins_and_failed_ones_are_recorded_with_the_address(
    app: Flask, make_user: Any, make_workspace: Any
) -> None:
    user = make_user("consultant", email="ann@example.com")
    workspace = make_workspace()
    client = app.test_client()
    assert client.post("/login", data={"email": "ann@example.com",
                                       "password": "wrong-horse"}).status_code == 401
    assert client.post("/login", data={"email": "nobody@example.com",
                                       "password": "wrong-horse"}).status_code == 401
    assert client.post("/login", data={"email": "Ann@Example.com",
                                       "password": PASSWORD}).status_code == 302

    failed = logged("sign_in_failed")
    assert [(e.actor, e.workspace_id, e.user_id) for e in failed] == [
        ("ann@example.com", workspace.id, user.id),
        ("nobody@example.com", None, None),  # no account: no workspace's log shows it
    ]
    [signed] = logged("sign_in")
    assert (signed.actor, signed.workspace_id, signed.user_id) == (
        "ann@example.com", workspace.id, user.id
    )
    assert {e.address for e in [*failed, signed]} == {"127.0.0.1"}


def test_member_changes_are_recorded(app: Flask, make_user: Any) -> None:
    make_user("owner", email="owner@example.com")
    make_user("consultant", email="carl@example.com")
    owner = signed_in(app, "owner@example.com")
    assert owner.post("/members/invite", data={"email": "new@example.com",
                                               "role": "consultant"}).status_code == 200
    carl = db.session.scalar(
        select(Membership).join(Membership.user).where(Membership.role == "consultant")
    )
    assert carl is not None
    owner.post(f"/members/{carl.id}/role", data={f"m{carl.id}-role": "owner"})
    owner.post(f"/members/{carl.id}/remove", data={f"m{carl.id}-confirm": "y"})
    entries = [(e.action, e.actor, e.detail) for e in logged() if e.action != "sign_in"]
    assert entries == [
        ("member_invited", "owner@example.com", "new@example.com as consultant"),
        ("role_changed", "owner@example.com", "carl@example.com: consultant → owner"),
        ("member_removed", "owner@example.com", "carl@example.com (owner)"),
    ]


def test_exports_and_report_downloads_are_recorded(
    app: Flask, make_user: Any, make_engagement: Any, make_response: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report_views, "engagement_report_pdf", lambda *a, **k: b"%PDF-stub")
    engagement = make_engagement()
    # One counted response: without any there is no report to download.
    make_response(engagement, "staff", {engagement.instrument().items_for("staff")[0].id: 4})
    make_user("consultant", email="carl@example.com")
    client = signed_in(app, "carl@example.com")
    base = f"/engagements/{engagement.id}"
    assert client.get(f"{base}/responses.csv?audience=customer").status_code == 200
    assert client.get(f"{base}/responses.csv?audience=nobody").status_code == 302  # refused
    assert client.get(f"{base}/responses.xlsx").status_code == 200
    assert client.get(f"{base}/report.pdf").status_code == 200
    entries = [e for e in logged() if e.action != "sign_in"]
    assert [(e.action, e.detail) for e in entries] == [
        ("export", "customer answers, CSV"),
        ("export", "staff, customer answers, XLSX"),
        ("report_download", "PDF, a4"),
    ]
    assert {(e.engagement_id, e.organisation_id, e.actor) for e in entries} == {
        (engagement.id, engagement.organisation_id, "carl@example.com")
    }


def test_owners_read_the_log_newest_first_a_page_at_a_time(
    app: Flask, make_user: Any, make_workspace: Any
) -> None:
    make_user("owner", email="owner@example.com")
    make_user("consultant", email="carl@example.com")
    workspace = make_workspace()
    other = make_workspace("Other firm")
    start = datetime(2026, 1, 1, 9, 0)
    for n in range(60):
        log.record("export", workspace_id=workspace.id, actor="carl@example.com",
                   detail=f"export {n:02}").created_at = start + timedelta(minutes=n)
    log.record("export", workspace_id=other.id, actor="x@other.example", detail="elsewhere")
    db.session.commit()

    assert signed_in(app, "carl@example.com").get("/audit").status_code == 403
    owner = signed_in(app, "owner@example.com")
    first = owner.get("/audit").get_data(as_text=True)
    assert "elsewhere" not in first
    # Newest first: the owner's own sign-in, then the exports from the last one down.
    assert first.index("signed in") < first.index("export 59") < first.index("export 58")
    assert "export 10" not in first and "Page 1 of 2" in first
    second = owner.get("/audit?page=2").get_data(as_text=True)
    assert "export 10" in second and "export 00" in second and "export 59" not in second
    assert owner.get("/audit?page=3").status_code == 404

    download = owner.get("/audit.csv")
    assert download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == log.CSV_HEADER
    assert len(rows) == 1 + 60 + 2  # the exports and the two sign-ins (carl's, the owner's)
    assert rows[1][2] == "sign_in" and rows[-1][4] == "export 00"
    assert all(row[4] != "elsewhere" for row in rows)


def test_the_csv_neutralises_formulas(app: Flask, make_user: Any, make_workspace: Any) -> None:
    make_user("owner", email="owner@example.com")
    log.record("sign_in_failed", workspace_id=make_workspace().id, actor="=HYPERLINK(1)")
    db.session.commit()
    text = signed_in(app, "owner@example.com").get("/audit.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_the_operator_reads_every_workspace_or_one(
    app: Flask, runner: FlaskCliRunner, make_workspace: Any
) -> None:
    alpha, bravo = make_workspace("Alpha"), make_workspace("Bravo")
    log.record("export", workspace_id=alpha.id, actor="a@alpha.example", detail="alpha's",
               engagement_id=7).created_at = datetime(2026, 3, 1)
    log.record("export", workspace_id=bravo.id, actor="b@bravo.example", detail="bravo's")
    log.record("sign_in_failed", actor="nobody@example.com")  # no workspace
    db.session.commit()

    every = runner.invoke(args=["audit"])
    assert every.exit_code == 0, every.output
    assert ["bravo's" in every.output, "alpha's" in every.output] == [True, True]
    assert "nobody@example.com" in every.output and "(engagement 7)" in every.output
    one = runner.invoke(args=["audit", "--workspace", "Alpha", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(one.output)))
    assert rows[0] == ["workspace", *log.CSV_HEADER]
    assert [(r[0], r[2], r[5]) for r in rows[1:]] == [("Alpha", "a@alpha.example", "alpha's")]
    recent = runner.invoke(args=["audit", "--since", "2026-06-01"])
    assert "alpha's" not in recent.output and "bravo's" in recent.output
    unknown = runner.invoke(args=["audit", "--workspace", "Charlie"])
    assert unknown.exit_code != 0


def test_entries_and_addresses_go_after_the_retention(
    app: Flask, runner: FlaskCliRunner, make_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["AUDIT_RETENTION_DAYS"] = 30
    workspace = make_workspace()
    clock = [datetime(2026, 1, 1, 12, 0)]
    monkeypatch.setattr(log, "now", lambda: clock[0])
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        log.record("sign_in", workspace_id=workspace.id, actor="old@example.com")
    clock[0] += timedelta(days=20)
    log.record("sign_in", workspace_id=workspace.id, actor="newer@example.com")
    db.session.commit()
    assert logged()[0].address == "203.0.113.9"

    clock[0] += timedelta(days=10, minutes=1)  # the first is 30 days and a minute old
    pruned = runner.invoke(args=["audit", "prune"])
    assert pruned.exit_code == 0 and "Deleted 1 audit entries older than 30 days" in pruned.output
    assert [e.actor for e in logged()] == ["newer@example.com"]
    assert "203.0.113.9" not in runner.invoke(args=["audit"]).output


def test_deleting_a_workspace_is_recorded_outside_it(
    app: Flask, runner: FlaskCliRunner, make_workspace: Any
) -> None:
    doomed = make_workspace("Doomed")
    log.record("export", workspace_id=doomed.id, actor="a@example.com", detail="inside")
    db.session.commit()
    done = runner.invoke(args=["workspace", "delete", "Doomed", "--yes"])
    assert done.exit_code == 0, done.output
    assert [(e.action, e.workspace_id, e.actor, e.detail) for e in logged()] == [
        ("workspace_deleted", None, "operator", "Doomed: 0 engagements")
    ]
