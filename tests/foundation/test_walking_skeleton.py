"""The thin end-to-end path every later feature deepens."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from assess.engagements.services import release
from assess.extensions import db
from assess.respondents.models import Answer, Response, ResponseStatus
from tests.respond import answer_questionnaire

LINK = re.compile(r'value="(http://testserver/r/[^"]+)"[^>]*data-testid="open-link-(\w+)"')


@pytest.mark.slow
def test_consultant_runs_an_engagement_end_to_end(client, auth, make_user):
    make_user("consultant", email="c@example.com")
    assert auth.login("c@example.com").status_code == 302

    created = client.post("/engagements/new", data={
        "organisation": "Contoso Energy", "name": "Baseline 2026",
        "instrument": "customer-centricity", "anonymity_threshold": 3,
    })
    assert created.status_code == 302
    detail_url = created.headers["Location"]
    opened = client.post(f"{detail_url}/status", data={"status": "open"})
    assert opened.status_code == 302

    detail = client.get(f"{detail_url}?tab=respondents").get_data(as_text=True)
    links = {audience: url for url, audience in LINK.findall(detail)}
    assert set(links) == {"staff", "customer"}

    respondent = client.application.test_client()
    for _ in range(3):
        thanks = answer_questionnaire(
            client.application.test_client(), links["staff"],
        )
        assert "Thank you" in thanks
    for _ in range(3):
        answer_questionnaire(
            respondent.application.test_client(), links["customer"],
            choose=lambda name, values: min(
                (v for v in values if v.isdigit()), key=int, default=values[0]
            ),
        )

    submitted = db.session.scalar(
        select(func.count()).select_from(Response).where(
            Response.status == ResponseStatus.SUBMITTED)
    )
    assert submitted == 6
    assert db.session.scalar(select(func.count()).select_from(Answer)) > 6 * 20

    results = client.get(f"{detail_url}/results")
    assert results.status_code == 200
    page = results.get_data(as_text=True)
    assert "Customer-centricity as an end" in page

    pdf = client.get(f"{detail_url}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Contoso Energy" in text
    assert "Dimension by dimension" in text


def test_pages_need_a_signed_in_user(client):
    assert client.get("/").status_code == 302
    assert "/login" in client.get("/engagements/1/report.pdf").headers["Location"]


def test_wrong_password_is_refused(client, auth, make_user):
    make_user("consultant", email="c@example.com")
    response = auth.login("c@example.com", "wrong-password")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


def test_clients_see_only_their_organisations(client, auth, make_user, make_engagement):
    viewer = make_user("client", email="v@example.com")
    other = make_engagement(organisation="Other Org")
    mine = make_engagement(organisation="Mine Ltd")
    from tests.access import give_reader

    give_reader(viewer, mine.organisation)
    release(mine)  # a reader sees released engagements only
    db.session.commit()
    auth.login("v@example.com")
    index = client.get("/").get_data(as_text=True)
    assert "Mine Ltd" in index and "Other Org" not in index
    assert client.get(f"/engagements/{other.id}").status_code == 404
    assert client.get(f"/engagements/{mine.id}").status_code == 200
    # Clients read; they do not change engagements.
    changed = client.post(f"/engagements/{mine.id}/status", data={"status": "closed"})
    assert changed.status_code == 403
