"""An organisation's export: one zip with, per engagement, the answers per audience,
the results JSON, the report and its settings, and the organisation's audit entries."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.audit.models import AuditEntry
from assess.extensions import db
from assess.workspaces.models import WorkspaceKind

from .conftest import STUB_PDF, Client, png

PASSWORD = "correct-horse"


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def download(client: FlaskClient, url: str) -> tuple[int, str, str, bytes]:
    """Status, media type, Content-Disposition and body (the response closed)."""
    with client.get(url) as answer:
        return (answer.status_code, answer.mimetype or "",
                answer.headers.get("Content-Disposition", ""), answer.get_data())


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_zip_holds_everything_about_the_organisation(
    app: Flask, make_client: Callable[..., Client], make_user: Any
) -> None:
    acme = make_client("Acme Ltd")
    make_client("Keep plc")
    make_user("consultant", email="carl@example.com")
    client = signed_in(app, "carl@example.com")
    status, mimetype, disposition, body = download(
        client, f"/organisations/{acme.organisation.id}/export.zip"
    )
    assert status == 200 and mimetype == "application/zip"
    assert f"organisation-{acme.organisation.id}-export.zip" in disposition
    archive = zipfile.ZipFile(io.BytesIO(body))
    first, second = (f"engagement-{e.id}" for e in acme.engagements)
    expected = {"organisation.json", "audit.csv"}
    for folder in (first, second):
        expected |= {f"{folder}/{name}" for name in (
            "answers-staff.csv", "answers-customer.csv", "results.json", "report.pdf",
            "report-settings.json", "logo.png",
        )}
    assert set(archive.namelist()) == expected

    manifest = json.loads(archive.read("organisation.json"))
    assert manifest["organisation"] == {"id": acme.organisation.id, "name": "Acme Ltd"}
    assert [e["name"] for e in manifest["engagements"]] == ["Acme Ltd 2025", "Acme Ltd 2026"]
    assert sorted(manifest["files"]) == sorted(expected)

    staff = csv_rows(archive.read(f"{first}/answers-staff.csv"))
    assert len(staff) == 1 + 3 and "Acme Ltd comment 0" in {c for row in staff for c in row}
    results = json.loads(archive.read(f"{second}/results.json"))
    assert results["engagement"]["id"] == acme.engagements[1].id
    assert results["engagement"]["organisation"] == "Acme Ltd"
    assert archive.read(f"{first}/report.pdf") == STUB_PDF
    assert json.loads(archive.read(f"{first}/report-settings.json")) == {
        "prepared_by": "Jo", "accent_colour": "#1f4e79", "logo": "logo.png",
    }
    assert archive.read(f"{first}/logo.png") == png()

    audit = csv_rows(archive.read("audit.csv"))
    details = [row[4] for row in audit[1:]]
    # Its own entries (the exports, the share link), newest first; not Keep plc's.
    assert details == ["for the board of Acme Ltd", "answers of Acme Ltd", "answers of Acme Ltd"]
    # Nothing of another organisation anywhere in the zip.
    for name in archive.namelist():
        assert b"Keep plc" not in archive.read(name), name

    db.session.rollback()
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "organisation_export")
    ).all()
    assert (entry.actor, entry.organisation_id) == ("carl@example.com", acme.organisation.id)


def test_staff_answers_of_a_company_s_own_survey_stay_out(
    app: Flask, make_client: Callable[..., Client], make_user: Any, make_workspace: Any
) -> None:
    workspace = make_workspace()
    workspace.kind = WorkspaceKind.COMPANY
    db.session.commit()
    acme = make_client("Acme Ltd")
    make_user("owner", email="owner@example.com")
    body = download(signed_in(app, "owner@example.com"),
                    f"/organisations/{acme.organisation.id}/export.zip")[3]
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert not [n for n in names if n.endswith("answers-staff.csv")]
    assert [n for n in names if n.endswith("answers-customer.csv")]


def test_readers_and_other_workspaces_get_no_zip(
    app: Flask, make_client: Callable[..., Client], make_user: Any
) -> None:
    acme = make_client("Acme Ltd")
    other = make_client("Acme Ltd", workspace="Other firm")
    make_user("reader", email="rita@example.com", organisations=[acme.organisation])
    make_user("owner", email="owner@example.com")
    reader = signed_in(app, "rita@example.com")
    assert download(reader, f"/organisations/{acme.organisation.id}/export.zip")[0] == 403
    owner = signed_in(app, "owner@example.com")
    assert download(owner, f"/organisations/{other.organisation.id}/export.zip")[0] == 404


@pytest.mark.slow
def test_the_zip_s_report_is_the_real_pdf(
    app: Flask, make_engagement: Any, make_user: Any, make_response: Any
) -> None:
    """Without the stand-in: the report in the zip is the PDF the engagement page gives."""
    engagement = make_engagement()
    make_user("consultant", email="carl@example.com")
    body = download(signed_in(app, "carl@example.com"),
                    f"/organisations/{engagement.organisation_id}/export.zip")[3]
    archive = zipfile.ZipFile(io.BytesIO(body))
    pdf = archive.read(f"engagement-{engagement.id}/report.pdf")
    assert pdf.startswith(b"%PDF-")
    assert json.loads(archive.read(f"engagement-{engagement.id}/report-settings.json"))[
        "logo"] is None
