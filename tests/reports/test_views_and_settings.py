"""Downloading the report, the report on screen, and its settings: who may do
what, and clear messages for a bad colour or a bad logo."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from assess.engagements import files
from assess.engagements.files import LOGO_KEY, FileKind
from assess.engagements.services import release
from assess.extensions import db
from assess.reports.settings import engagement_logo
from tests.access import give_reader
from tests.reports.conftest import pdf_text


def png(width: int = 40, height: int = 20, colour: str = "#cc0000") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), "#0000cc").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def consultant(make_user, auth, make_engagement) -> Any:
    user = make_user("consultant", email="c@example.com")
    engagement = make_engagement(created_by=user)
    auth.login("c@example.com")
    return engagement


def settings(client, engagement, **fields: Any):
    data = {"prepared_by": engagement.prepared_by, "accent_colour": "#1f4e79", **fields}
    return client.post(f"/engagements/{engagement.id}/report/settings", data=data,
                       content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.slow
def test_consultant_and_client_viewer_download_the_pdf(
    client, auth, make_user, consultant, answer_all
):
    answer_all(consultant, "staff")
    response = client.get(f"/engagements/{consultant.id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="gap-report-engagement-{consultant.id}.pdf"')
    assert response.data.startswith(b"%PDF")

    viewer = make_user("client", email="v@example.com")
    give_reader(viewer, consultant.organisation)
    release(consultant)
    db.session.commit()
    auth.logout()
    auth.login("v@example.com")
    letter = client.get(f"/engagements/{consultant.id}/report.pdf?page_size=letter")
    assert letter.status_code == 200
    assert "-letter.pdf" in letter.headers["Content-Disposition"]
    width = float(PdfReader(io.BytesIO(letter.data)).pages[0].mediabox[2])
    assert round(width) == 612


def test_bad_page_size_and_strangers_are_refused(client, auth, make_user, consultant):
    assert client.get(f"/engagements/{consultant.id}/report.pdf?page_size=a3").status_code == 400
    make_user("client", email="stranger@example.com")
    auth.logout()
    auth.login("stranger@example.com")
    assert client.get(f"/engagements/{consultant.id}/report.pdf").status_code == 404
    assert client.get(f"/engagements/{consultant.id}/results").status_code == 404


def test_the_report_on_screen_has_the_same_sections_and_charts(client, consultant, answer_all):
    for _ in range(5):
        answer_all(consultant, "staff")
        answer_all(consultant, "customer", lambda item, scale: scale.min)
    page = client.get(f"/engagements/{consultant.id}/results").get_data(as_text=True)
    for heading in ("Executive summary", "The means × ends map", "Dimension by dimension",
                    "Paired statements", "Segments", "Outcomes", "Recommendations",
                    "In their own words", "Trend", "Methodology"):
        assert heading in page
    assert page.count("<svg") >= 10
    assert page.count("<title>") >= page.count("<svg")  # every chart has a text alternative
    assert "css/report.css" in page
    assert f"/engagements/{consultant.id}/report.pdf" in page


def test_settings_are_saved_and_bump_the_revision(client, consultant):
    revision = consultant.revision
    response = settings(client, consultant, prepared_by="  Smith &   Partners ",
                        accent_colour="#AA3300")
    assert "Report settings saved." in response.get_data(as_text=True)
    db.session.refresh(consultant)
    assert consultant.prepared_by == "Smith & Partners"
    assert consultant.accent_colour == "#aa3300"
    assert consultant.revision == revision + 1
    again = settings(client, consultant, prepared_by="Smith & Partners", accent_colour="#aa3300")
    assert "The report settings are unchanged." in again.get_data(as_text=True)
    db.session.refresh(consultant)
    assert consultant.revision == revision + 1


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#gg0000", "", "1f4e79"])
def test_a_bad_colour_is_refused_with_a_clear_message(client, consultant, colour):
    revision = consultant.revision
    page = settings(client, consultant, accent_colour=colour).get_data(as_text=True)
    assert "The accent colour must be a hex colour like #1f4e79" in page
    db.session.refresh(consultant)
    assert consultant.revision == revision


def test_a_png_logo_goes_on_the_cover(client, consultant, answer_all):
    answer_all(consultant, "staff")
    page = settings(client, consultant, logo=(io.BytesIO(png()), "logo.png")).get_data(
        as_text=True)
    assert "Report settings saved." in page
    found = engagement_logo(consultant.id)
    assert found is not None and found.media_type == "image/png"
    served = client.get(f"/engagements/{consultant.id}/report/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == png()
    pdf = client.get(f"/engagements/{consultant.id}/report.pdf").data
    cover = PdfReader(io.BytesIO(pdf)).pages[0]
    images = [o.get_object() for o in cover["/Resources"].get("/XObject", {}).values()]
    assert any(i.get("/Subtype") == "/Image" for i in images)
    screen = client.get(f"/engagements/{consultant.id}/results").get_data(as_text=True)
    assert f'src="/engagements/{consultant.id}/report/logo"' in screen

    # A JPEG replaces it; removing it removes the stored file.
    settings(client, consultant, logo=(io.BytesIO(jpeg()), "logo.jpeg"))
    assert engagement_logo(consultant.id).media_type == "image/jpeg"
    assert client.get(f"/engagements/{consultant.id}/report/logo").data == jpeg()
    assert files.keys(consultant.id, FileKind.LOGO) == [LOGO_KEY]
    settings(client, consultant, remove_logo="1")
    assert engagement_logo(consultant.id) is None
    assert files.keys(consultant.id, FileKind.LOGO) == []
    assert client.get(f"/engagements/{consultant.id}/report/logo").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png", "must be a PNG or JPEG image"),
        (b"GIF89a" + b"\0" * 20, "logo.gif", "must be a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n" + b"not really", "logo.png", "could not be read as an image"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 10),
            "big.png",
            "The logo is larger than 1 MB",
        ),
    ],
)
def test_a_bad_logo_is_refused_with_a_clear_message(client, consultant, content, name, message):
    revision = consultant.revision
    page = settings(client, consultant, logo=(io.BytesIO(content), name)).get_data(as_text=True)
    assert message in page
    assert engagement_logo(consultant.id) is None
    db.session.refresh(consultant)
    assert consultant.revision == revision


def test_a_logo_too_many_pixels_is_refused(client, consultant):
    page = settings(client, consultant, logo=(io.BytesIO(png(5000, 10)), "wide.png"))
    assert "at most 4000 on each side" in page.get_data(as_text=True)


def test_client_viewers_cannot_change_settings(client, auth, make_user, consultant):
    viewer = make_user("client", email="v@example.com")
    give_reader(viewer, consultant.organisation)
    release(consultant)
    db.session.commit()
    auth.logout()
    auth.login("v@example.com")
    response = client.post(f"/engagements/{consultant.id}/report/settings",
                           data={"prepared_by": "x", "accent_colour": "#000000"})
    assert response.status_code == 403


def test_the_settings_panel_renders_for_consultants(app, client, consultant):
    from flask import render_template_string
    from flask_login import login_user

    with app.test_request_context():
        login_user(_user("c@example.com"))
        html = render_template_string('{% include "report/_settings_panel.html" %}',
                                      engagement=consultant)
    assert 'name="accent_colour"' in html and 'type="file"' in html
    assert f"/engagements/{consultant.id}/report/settings" in html
    assert 'enctype="multipart/form-data"' in html


def _user(email: str) -> Any:
    from assess.accounts.services import find_user

    return find_user(email)


@pytest.mark.slow
def test_prepared_by_and_accent_show_in_the_pdf(client, consultant, answer_all):
    answer_all(consultant, "staff")
    settings(client, consultant, prepared_by="Northlight Advisory", accent_colour="#ffee00")
    pdf = client.get(f"/engagements/{consultant.id}/report.pdf").data
    text = pdf_text(pdf)
    assert "Prepared by Northlight Advisory · Confidential" in text
    assert PdfReader(io.BytesIO(pdf)).metadata.author == "Northlight Advisory"
