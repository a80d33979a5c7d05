"""In a company's own survey the employer never gets its staff's own answers."""

from __future__ import annotations

from assess.extensions import db
from assess.workspaces.models import WorkspaceKind
from assess.workspaces.services import create_workspace


def test_staff_answers_of_a_company_survey_are_never_exported(
    client, auth, make_user, make_engagement, make_response
):
    company = create_workspace("Contoso Energy", kind=WorkspaceKind.COMPANY)
    db.session.commit()
    make_user("owner", email="ceo@contoso.example", workspace=company)
    engagement = make_engagement(organisation="Contoso Energy", workspace=company)
    make_response(engagement, "staff", {"s_strat_plan": 4}, comments={})
    make_response(engagement, "customer", {"c_ease_easy": 2})
    auth.login("ceo@contoso.example")

    staff = client.get(f"/engagements/{engagement.id}/responses.csv?audience=staff")
    assert staff.status_code == 403
    assert "never exported" in staff.get_data(as_text=True)
    assert client.get(
        f"/engagements/{engagement.id}/responses.xlsx?audience=staff"
    ).status_code == 403
    customer = client.get(f"/engagements/{engagement.id}/responses.csv?audience=customer")
    assert customer.status_code == 200 and "c_ease_easy" in customer.get_data(as_text=True)
    # The whole workbook holds the customers' sheet only.
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = client.get(f"/engagements/{engagement.id}/responses.xlsx")
    assert workbook.status_code == 200
    assert load_workbook(BytesIO(workbook.data)).sheetnames == ["customer"]
    page = client.get(f"/engagements/{engagement.id}?tab=data").get_data(as_text=True)
    assert 'data-testid="export-staff-csv"' not in page
    assert 'data-testid="staff-not-exported"' in page


def test_a_consultancy_exports_both_audiences(client, auth, make_user, make_engagement):
    make_user("consultant", email="c@example.com")
    engagement = make_engagement()
    auth.login("c@example.com")
    for audience in ("staff", "customer"):
        assert client.get(
            f"/engagements/{engagement.id}/responses.csv?audience={audience}"
        ).status_code == 200
    page = client.get(f"/engagements/{engagement.id}?tab=data").get_data(as_text=True)
    assert 'data-testid="export-staff-csv"' in page
    assert 'data-testid="staff-not-exported"' not in page
