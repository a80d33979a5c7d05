"""A deliberately different instrument runs end to end with no code change:
7-point scale without "don't know", 3 dimensions, no pairs, customers in one lens."""

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.respond import answer_questionnaire

FIXTURES = Path(__file__).parent / "fixtures" / "valid"
LINK = re.compile(r'value="(http://testserver/r/[^"]+)"[^>]*data-testid="open-link-(\w+)"')


@pytest.fixture
def questionnaires(tmp_path, monkeypatch):
    folder = tmp_path / "questionnaires"
    shutil.copytree(FIXTURES / "servqual-lite", folder / "servqual-lite")
    monkeypatch.setenv("ASSESS_QUESTIONNAIRES_DIR", str(folder))
    return folder


def middle_for_customers(name: str, values: list[str]) -> str:
    points = [v for v in values if v.isdigit()]
    return "4" if points else values[0]


@pytest.mark.slow
def test_servqual_lite_answers_results_and_pdf(questionnaires, client, runner, auth, make_user):
    make_user("consultant", email="c@example.com")
    auth.login("c@example.com")
    created = client.post("/engagements/new", data={
        "organisation": "Lite Co", "name": "Pilot", "instrument": "servqual-lite",
        "anonymity_threshold": 3,
    })
    assert created.status_code == 302, created.get_data(as_text=True)
    detail_url = created.headers["Location"]
    engagement_id = detail_url.rstrip("/").rsplit("/", 1)[-1]
    client.post(f"{detail_url}/status", data={"status": "open"})
    respondents_tab = client.get(f"{detail_url}?tab=respondents").get_data(as_text=True)
    links = {a: u for u, a in LINK.findall(respondents_tab)}

    for _ in range(3):
        answer_questionnaire(client.application.test_client(), links["staff"])
        answer_questionnaire(client.application.test_client(), links["customer"],
                             choose=middle_for_customers)

    result = runner.invoke(args=["results", engagement_id, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["engagement"]["instrument"] == {"id": "servqual-lite", "version": "0.3.1"}
    assert document["audiences"]["staff"]["responses"] == 3
    assert document["audiences"]["customer"]["responses"] == 3
    assert document["pairs"] == []
    by_id = {d["id"]: d for d in document["dimensions"]}
    assert set(by_id) == {"means_reliability", "means_training", "ends_empathy"}
    # Customers answer the ends lens only: the means dimensions have no customer object.
    assert by_id["means_reliability"]["customer"] is None
    assert by_id["means_reliability"]["gap"] is None
    # 4 on a 1..7 scale is 50 whether or not the item is reverse-keyed (rule 2, 3).
    empathy = by_id["ends_empathy"]
    assert empathy["customer"]["score"] == pytest.approx(50.0)
    assert empathy["gap"] == pytest.approx(empathy["staff"]["score"] - 50.0)
    # The position uses this instrument's own cut (50) and 3 maturity levels.
    position = document["position"]
    assert position["ends"] == pytest.approx(50.0)
    assert position["self_rated"] is False
    assert position["maturity_label"] in {"Basic", "Dependable", "Excellent"}

    pdf = client.get(f"{detail_url}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for title in ("Reliable processes", "Trained staff", "Empathy"):
        assert title in text


def test_editing_the_files_never_changes_an_existing_engagement(questionnaires, make_engagement):
    before = make_engagement(instrument_id="servqual-lite")
    original = before.instrument()
    staff = questionnaires / "servqual-lite" / "staff.yaml"
    staff.write_text(staff.read_text().replace(
        "We deliver what we promise.", "EDITED wording."), encoding="utf-8")
    instrument = questionnaires / "servqual-lite" / "instrument.yaml"
    instrument.write_text(instrument.read_text().replace("0.3.1", "0.4.0"), encoding="utf-8")

    after = make_engagement(instrument_id="servqual-lite")
    assert after.snapshot.version == "0.4.0"
    assert after.snapshot.content_hash != before.snapshot.content_hash
    from assess.extensions import db

    db.session.expire_all()
    assert before.instrument() == original
    assert "EDITED wording." in str(after.instrument().items)
    assert "EDITED wording." not in str(before.instrument().items)
    assert before.snapshot.version == "0.3.1"
