"""Reports for the awkward cases: only staff, nobody, a suppressed audience, a
7-point instrument, and comments that try to be markup. Each says plainly what
it cannot say, and nothing a respondent typed is ever fetched."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from assess.reports import format as fmt
from assess.reports.pdf import ReportFetcher, render_report_pdf
from assess.reports.service import report_for
from assess.results.service import engagement_results
from tests.reports.conftest import pdf_pages, pdf_text, section_pages


def render(engagement: Any) -> tuple[bytes, str, ReportFetcher, dict[str, Any]]:
    results = engagement_results(engagement)
    data = report_for(engagement)
    fetcher = ReportFetcher(None if data.logo is None else data.logo["path"])
    pdf = render_report_pdf(data, fetcher=fetcher)  # hands the fetcher its charts
    return pdf, pdf_text(pdf), fetcher, results.to_dict()


def varied(offset: int) -> Any:
    """Answers that differ by item and respondent, always on the item's scale."""

    def value(item: Any, scale: Any) -> int:
        span = scale.max - scale.min
        return scale.min + (len(item.id) * 3 + offset) % (span + 1)

    return value


@pytest.mark.slow
def test_only_staff_answered_is_marked_self_rated(make_engagement, answer_all):
    engagement = make_engagement()
    for i in range(5):
        answer_all(engagement, "staff", varied(i), segments={"staff_function": "sales"})
    pdf, text, fetcher, results = render(engagement)
    assert results["position"]["self_rated"] is True
    assert "No customers have responded yet: there are no customer results." in text
    assert "Self-rated: without customer results, the ends score on the map is the staff's" in text
    assert "SELF-RATED" in text or "self-rated" in text
    assert "Self-rated position" in text  # the map's legend
    assert "Cannot be judged without customer results." in text
    assert "No Net Promoter Score: no customer has answered the recommendation question yet" in text
    assert f"the ends score of {fmt.score(results['position']['ends'])} is the staff's own view" \
        in text
    # Even with its notices, the executive summary keeps to one page.
    pages = section_pages(pdf_pages(pdf))
    assert pages["The means × ends map"] == pages["Executive summary"] + 1
    assert fetcher.refused == []


def test_no_answers_yet(make_engagement):
    engagement = make_engagement()
    pdf, text, fetcher, results = render(engagement)
    assert results["audiences"]["staff"]["responses"] == 0
    assert "No responses yet: nothing can be scored, so this report shows no numbers." in text
    assert "Recommendations follow from the results; there are none yet." in text
    assert "Comments from staff are not shown: 0 responded, fewer than the 10 needed." in text
    # The structure is all there, so the reader sees what will come.
    for title in ("Executive summary", "Dimension by dimension", "Methodology",
                  "Customer strategy and economics", "Trust and loyalty by choice"):
        assert title in text
    assert fetcher.refused == []


@pytest.mark.slow
def test_a_suppressed_audience_is_named_not_shown(make_engagement, answer_all):
    engagement = make_engagement()
    for i in range(6):
        answer_all(engagement, "staff", varied(i))
    for i in range(3):
        answer_all(engagement, "customer", varied(i))
    pdf, text, fetcher, results = render(engagement)
    assert results["audiences"]["customer"] == {"responses": 3, "suppressed": True}
    assert ("The customer results are suppressed: 3 customers responded, fewer than the "
            "anonymity threshold of 5.") in text
    assert "The Net Promoter Score is suppressed: too few customers responded." in text
    assert "The customer results are suppressed, so no breakdown can be shown." in text
    # Every customer cell of the dimension table says so.
    means = next(p for p in pdf_pages(pdf) if "Customer-centricity as a means How is" in p)
    assert means.count("suppressed") >= 4
    assert results["position"]["self_rated"] is True


def test_a_custom_seven_point_instrument(seven_point, make_engagement, answer_all):
    engagement = make_engagement(instrument_id=seven_point, anonymity_threshold=3)
    for i in range(4):
        # Staff think well of themselves; customers less so (a blind spot on care).
        answer_all(engagement, "staff", lambda item, scale, i=i: scale.max - (i % 2),
                   segments={"team": "front" if i < 2 else "back"})
    for i in range(4):
        answer_all(engagement, "customer", lambda item, scale, i=i: (
            10 - i if scale.max == 10 else 2 + (i % 2)),
            segments={"region": ["north", "south", "east", "north"][i]})
    pdf, text, fetcher, results = render(engagement)
    titles = ("Dependable processes", "Knowing the customer", "Genuine care", "Fair dealing")
    for title in titles:
        assert title in text
    assert "Seven-point service check, version 2.1.0" in text
    assert "(1–7, 0–10)" in text
    by_id = {d["id"]: d for d in results["dimensions"]}
    care = by_id["ends_care"]
    assert (
        f"Genuine care {fmt.score(care['staff']['score'])} {fmt.interval(care['staff']['ci95'])} "
        f"{fmt.score(care['customer']['score'])} {fmt.interval(care['customer']['ci95'])} "
        f"{fmt.gap(care['gap'])}"
    ) in text
    # The instrument's own parameters and labels, not the default ones.
    assert "“High” from 55 on each axis" in text
    assert "Maturity level" in text and results["position"]["maturity_label"] in text
    assert {"Starting", "Steady", "Leading"} <= set(text.split())
    assert "at least 12 points above customers" in text
    # Its recommendation library: care is a blind spot here.
    assert "Listen to customers describe a bad day" in text
    assert "Evidence: Staff score it" in text
    # The staff heatmap shows the back-office team; groups of 2 are suppressed (threshold 3).
    assert "Front office" in text and "Back office" in text
    assert fetcher.refused == []


HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel=stylesheet href="http://example.com/evil.css">',
    "<script>alert('x')</script> & <b>bold</b> \"quoted\"",
    '<svg><image href="https://example.com/x.png"/></svg>',
    "<style>@import url(file:///etc/shadow);</style>",
]


@pytest.mark.slow
def test_comments_that_look_like_markup_are_shown_as_text_and_fetch_nothing(
    make_engagement, answer_all, client, auth, make_user
):
    engagement = make_engagement(anonymity_threshold=3)  # comments need 6 respondents
    for i in range(6):
        answer_all(engagement, "customer", varied(i),
                   comments={"c_open_change": HOSTILE[i % len(HOSTILE)]})
    pdf, text, fetcher, results = render(engagement)
    for comment in HOSTILE:
        assert comment in text
    assert fetcher.refused == []
    assert fetcher.served and all(
        u.startswith(("assess-static://assess/", "assess-chart://report/")) for u in fetcher.served
    )
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:  # no image made it into the PDF
        objects = page["/Resources"].get("/XObject", {})
        assert all(o.get_object().get("/Subtype") != "/Image" for o in objects.values())

    # The same on screen: escaped text, never markup.
    from assess.engagements.services import release
    from assess.extensions import db
    from tests.access import give_reader

    give_reader(make_user("client", email="viewer@example.com"), engagement.organisation)
    release(engagement)
    db.session.commit()
    auth.login("viewer@example.com")
    page = client.get(f"/engagements/{engagement.id}/results").get_data(as_text=True)
    assert '<img src="file:///etc/passwd">' not in page
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in page
    assert "<script>alert" not in page


@pytest.mark.slow
def test_comments_need_twice_the_threshold(make_engagement, answer_all):
    engagement = make_engagement(anonymity_threshold=3)  # 6 needed
    for i in range(5):
        answer_all(engagement, "customer", varied(i),
                   comments={"c_open_change": f"A private remark number {i}"})
    pdf, text, fetcher, results = render(engagement)
    assert "Comments from customers are not shown: 5 responded, fewer than the 6 needed." in text
    assert "A private remark" not in text


@pytest.mark.parametrize(
    ("page_size", "expected"), [("letter", (612, 792)), ("a4", (595, 842))]
)
def test_assess_report_writes_the_page_size_asked_for(
    make_engagement, answer_all, runner, tmp_path, page_size, expected
):
    engagement = make_engagement()
    for i in range(5):
        answer_all(engagement, "staff", varied(i))
    output = tmp_path / "report.pdf"
    args = ["report", str(engagement.id), "-o", str(output), "--page-size", page_size]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {output}" in result.output
    reader = PdfReader(output)
    for page in reader.pages:
        assert tuple(round(float(v)) for v in page.mediabox[2:]) == expected
    # The cover fills exactly one page: the contents come next.
    assert (reader.pages[1].extract_text() or "").lstrip().startswith("Contents")


def test_assess_report_refuses_an_unknown_engagement(runner, tmp_path):
    result = runner.invoke(args=["report", "999", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert "There is no engagement 999" in result.output
