"""Before anyone has answered, there is no report: the engagement page says so where
the download buttons would be, and the results page and the download route answer
with a short page instead of fifteen pages of empty sections (docs/report.md)."""

from __future__ import annotations

from typing import Any

import pytest

from assess.reports import views as report_views


@pytest.fixture
def signed_in(client: Any, auth: Any, make_user: Any) -> Any:
    make_user("consultant", email="c@example.com")
    auth.login("c@example.com")
    return client


@pytest.fixture
def stub_pdf(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Who asked for a PDF to be made (making one takes seconds and is tested elsewhere)."""
    made: list[int] = []

    def make(engagement: Any, page_size: str, released_only: bool = False) -> bytes:
        made.append(engagement.id)
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr(report_views, "engagement_report_pdf", make)
    return made


@pytest.mark.parametrize("status", ["draft", "open", "closed"])
def test_without_responses_there_is_nothing_to_download(
    signed_in: Any, make_engagement: Any, stub_pdf: list[int], status: str
) -> None:
    engagement = make_engagement(status=status)
    detail = signed_in.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="nothing-to-report"' in detail
    assert "report.pdf" not in detail and "/results" not in detail

    download = signed_in.get(f"/engagements/{engagement.id}/report.pdf")
    assert download.status_code == 409
    assert download.mimetype == "text/html"
    assert "Nothing to report yet" in download.get_data(as_text=True)
    letter = signed_in.get(f"/engagements/{engagement.id}/report.pdf?page_size=letter")
    assert letter.status_code == 409

    results = signed_in.get(f"/engagements/{engagement.id}/results")
    assert results.status_code == 200
    page = results.get_data(as_text=True)
    assert "Nothing to report yet" in page and 'class="report screen"' not in page
    assert stub_pdf == []


def test_a_response_with_no_rated_answer_still_leaves_nothing_to_report(
    signed_in: Any, make_engagement: Any, make_response: Any, stub_pdf: list[int]
) -> None:
    engagement = make_engagement()
    make_response(engagement, "staff", {})
    assert signed_in.get(f"/engagements/{engagement.id}/report.pdf").status_code == 409


def test_the_first_response_brings_the_report(
    signed_in: Any, make_engagement: Any, make_response: Any, stub_pdf: list[int]
) -> None:
    engagement = make_engagement()
    item = engagement.instrument().items_for("staff")[0]
    make_response(engagement, "staff", {item.id: 4})
    detail = signed_in.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="nothing-to-report"' not in detail
    assert f"/engagements/{engagement.id}/report.pdf" in detail
    download = signed_in.get(f"/engagements/{engagement.id}/report.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert stub_pdf == [engagement.id]
    results = signed_in.get(f"/engagements/{engagement.id}/results").get_data(as_text=True)
    assert 'class="report screen"' in results
