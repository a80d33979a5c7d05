"""Import and export on the consultant's engagement page."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from assess.engagements.services import release
from assess.extensions import db

from .helpers import csv_bytes, follow_import, response_count


def sign_in(auth, make_user, role="consultant"):
    user = make_user(role)
    auth.login(user.email)
    return user


def upload(client, engagement, data: bytes, audience="customer", name="answers.csv"):
    """The upload, and once its job has run, the job's page."""
    return follow_import(client, client.post(
        f"/engagements/{engagement.id}/responses/import",
        data={"audience": audience, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    ))


def test_the_panel_imports_and_exports(client, auth, make_user, make_engagement):
    user = sign_in(auth, make_user)
    engagement = make_engagement(created_by=user)
    page = client.get(f"/engagements/{engagement.id}?tab=data").get_data(as_text=True)
    assert "Import and export responses" in page
    assert f"/engagements/{engagement.id}/responses/import" in page
    assert 'data-testid="export-customer-csv"' in page

    data = csv_bytes([["respondent", "c_ease_easy", "c_recommend", "c_open_change"],
                      ["r1", 4, None, "=1+2"], ["r2", "NA", 7, ""]])
    done = upload(client, engagement, data)  # the import job's page, once it ran
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert "Imported 2 customer responses" in page
    assert response_count(engagement.id) == 2

    exported = client.get(f"/engagements/{engagement.id}/responses.csv?audience=customer")
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeffrespondent,")
    assert "r1," in text and "'=1+2" in text

    workbook = client.get(f"/engagements/{engagement.id}/responses.xlsx")
    assert workbook.status_code == 200
    sheets = load_workbook(io.BytesIO(workbook.data), read_only=True).sheetnames
    assert sheets == ["staff", "customer"]
    staff_only = client.get(f"/engagements/{engagement.id}/responses.xlsx?audience=staff")
    assert load_workbook(io.BytesIO(staff_only.data), read_only=True).sheetnames == ["staff"]


def test_bad_cells_are_shown_and_nothing_is_stored(client, auth, make_user, make_engagement):
    user = sign_in(auth, make_user)
    engagement = make_engagement(created_by=user)
    data = csv_bytes([["c_ease_easy", "nonsense"], [7, 1], ["<b>x</b>", 2]])
    page = upload(client, engagement, data)
    assert page.status_code == 200  # the job's page: the job failed, the page did not
    html = page.get_data(as_text=True)
    assert 'data-testid="import-errors"' in html
    assert "is not on this question&#39;s scale (1 to 5)" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # escaped, never markup
    assert "B (nonsense)" in html
    assert response_count(engagement.id) == 0

    page = upload(client, engagement, "c_ease_easy\nTrès\n".encode("latin-1"))
    assert page.status_code == 200
    assert "not UTF-8" in page.get_data(as_text=True)

    missing = client.post(f"/engagements/{engagement.id}/responses/import",
                          data={"audience": "customer"})
    assert missing.status_code == 302
    assert "Choose a CSV or Excel file" in client.get(missing.headers["Location"]).get_data(
        as_text=True
    )


def test_clients_cannot_import_or_export(client, auth, make_user, make_engagement):
    from tests.access import give_reader

    user = sign_in(auth, make_user, role="client")
    engagement = make_engagement()
    give_reader(user, engagement.organisation)
    release(engagement)  # a reader sees it, and still exports nothing
    db.session.commit()
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Import and export responses" not in page
    assert upload(client, engagement, b"c_ease_easy\n3\n").status_code == 403
    assert client.get(f"/engagements/{engagement.id}/responses.csv?audience=staff").status_code \
        == 403
    assert client.get(f"/engagements/{engagement.id}/responses.xlsx").status_code == 403
    assert response_count(engagement.id) == 0


def test_other_workspaces_engagements_are_not_found(client, auth, make_user, make_engagement):
    sign_in(auth, make_user)
    engagement = make_engagement(workspace="Another firm")  # not this consultant's workspace
    assert upload(client, engagement, b"c_ease_easy\n3\n").status_code == 404
    assert client.get(f"/engagements/{engagement.id}/responses.xlsx").status_code == 404


def test_a_file_over_the_upload_limit(make_app, make_user, make_engagement):
    app = make_app(MAX_CONTENT_LENGTH=10_000)
    with app.app_context():
        from tests.conftest import AuthActions

        client = app.test_client()
        user = make_user()
        AuthActions(client).login(user.email)
        engagement = make_engagement(created_by=user)
        data = csv_bytes([["c_ease_easy"]] + [[3]] * 10_000)
        done = upload(client, engagement, data)
        assert done.status_code == 302
        page = client.get(done.headers["Location"]).get_data(as_text=True)
        assert "larger than" in page and "Split it into several files" in page
        assert response_count(engagement.id) == 0


def test_unknown_audience(client, auth, make_user, make_engagement):
    user = sign_in(auth, make_user)
    engagement = make_engagement(created_by=user)
    refused = upload(client, engagement, b"c_ease_easy\n3\n", audience="board")
    assert refused.status_code == 302  # refused at once, no job
    assert "is not an audience" in client.get(refused.headers["Location"]).get_data(
        as_text=True)
    wrong = client.get(f"/engagements/{engagement.id}/responses.csv?audience=board")
    assert wrong.status_code == 302
