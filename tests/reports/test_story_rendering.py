"""The story on paper and on screen: the executive summary of the PDF and of the
results page say the same verdict, findings and board actions, composed by
assess/reports/story.py; a staff-only engagement says first that it is the
staff's own view."""

from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assess.reports.pdf import ReportFetcher, render_report_pdf, report_logo
from assess.reports.service import report_for
from tests.reports.conftest import pdf_pages, section_pages


def offset_answers(offset: int, low: set[str] | None = None) -> Any:
    """Answers that vary by item and respondent; items of the ``low`` dimensions at 2."""

    def value(item: Any, scale: Any) -> int:
        if low and item.dimension in low and scale.max == 5:
            return 2
        span = scale.max - scale.min
        return scale.min + (len(item.id) * 3 + offset) % (span + 1)

    return value


ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "story"


def save_pages(stem: str, pdf: bytes) -> None:
    """With ``ASSESS_TEST_ARTIFACTS=1``: the PDF and its pages as PNG, for a person."""
    if os.environ.get("ASSESS_TEST_ARTIFACTS", "").lower() not in ("1", "true", "yes"):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{stem}.pdf").write_bytes(pdf)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / f"{stem}.pdf"), str(ARTIFACTS / stem)],
        check=True,
    )


def joined(text: str) -> str:
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))


@pytest.mark.slow
def test_staff_only_summary_in_the_pdf_and_on_screen(
    make_user, auth, client, make_engagement, answer_all
):
    user = make_user("consultant", email="c@example.com")
    engagement = make_engagement(created_by=user)
    for i in range(6):
        answer_all(engagement, "staff", offset_answers(i, low={"means_leadership"}))
    data = report_for(engagement)
    story = data.story
    assert story is not None and story.evidence == "staff_only"

    pdf = render_report_pdf(data, fetcher=ReportFetcher(report_logo(data)))
    save_pages("staff-only", pdf)
    pages = pdf_pages(pdf)
    where = section_pages(pages)
    summary = joined(pages[where["Executive summary"] - 1])
    # Answer first: the staff's own view, before any figure.
    assert summary.index("THE STAFF'S OWN VIEW") < summary.index("This report shows the staff's")
    assert "Maturity level" not in summary
    assert "What a customer survey would add" in summary
    for sentence in story.sentences():
        assert joined(sentence.text) in summary, sentence.rule
    # Staff rate leadership low (a dimension customers are not asked about).
    leadership = [a for a in story.actions if a.dimension == "means_leadership"]
    assert leadership and leadership[0].title in summary
    assert "Owner: CEO · horizon: 12 months" in summary
    assert where["The means × ends map"] == where["Executive summary"] + 1  # one page

    auth.login("c@example.com")
    page = client.get(f"/engagements/{engagement.id}/results")
    assert page.status_code == 200
    screen = joined(html.unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))))
    for sentence in story.sentences():
        assert joined(sentence.text) in screen, sentence.rule
    assert leadership[0].title in screen
    assert 'data-rule="verdict.self_rated"' in page.get_data(as_text=True)


@pytest.mark.slow
def test_customer_summary_states_the_verdict_and_the_actions(make_engagement, answer_all):
    engagement = make_engagement()
    for _ in range(6):
        answer_all(engagement, "staff", lambda item, scale: scale.max)
    for i in range(6):
        answer_all(
            engagement,
            "customer",
            offset_answers(i, low={d.id for d in engagement.instrument().dimensions}),
        )
    data = report_for(engagement)
    story = data.story
    assert story is not None and story.evidence == "customers"
    pdf = render_report_pdf(data, fetcher=ReportFetcher(report_logo(data)))
    save_pages("six-customers", pdf)
    summary = joined(pdf_pages(pdf)[section_pages(pdf_pages(pdf))["Executive summary"] - 1])
    assert summary.index("THE ANSWER") < summary.index(joined(story.verdict.text))
    assert "Decisions for the board" in summary
    for action in story.actions:
        assert action.title in summary
    # Six customers: every customer figure carries the small-sample caution.
    assert "The customer figures rest on 6 answers (fewer than 30)" in summary
