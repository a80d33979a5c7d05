"""Reports for the awkward cases: only staff, nobody, a suppressed audience, a
7-point instrument, and comments that try to be markup. Each says plainly what
it cannot say, and nothing a respondent typed is ever fetched."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from pypdf import PdfReader

from assess.reports import format as fmt
from assess.reports.pdf import ReportFetcher, render_report_pdf, report_logo
from assess.reports.service import report_for
from assess.results.service import engagement_results
from tests.reports.cases import CASES, SINGLE_CUSTOMER_STATEMENT, ReportCases, page_fill
from tests.reports.conftest import pdf_pages, pdf_text, section_pages


def render(engagement: Any) -> tuple[bytes, str, ReportFetcher, dict[str, Any]]:
    results = engagement_results(engagement)
    data = report_for(engagement)
    fetcher = ReportFetcher(report_logo(data))
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
    assert "No Net Promoter Score: no customer has answered the recommendation question yet" in text
    # The summary says first that this is the staff's own view, with no verdict as fact
    # (the story's rules: tests/reports/test_story.py).
    assert "This report shows the staff's own view of the organisation" in text
    assert (f"staff rate the machinery at {fmt.score(results['position']['means'])} and what "
            f"customers get at {fmt.score(results['position']['ends'])}") in text
    assert "What a customer survey would add" in text
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
    cut = (results["parameters"]["quadrant_cut"],)
    rows = re.finditer(r"Genuine care (\S+ \S+) (?:one statement )?(\S+ \S+) "
                       r"(?:one statement )?(\S+)", text)
    assert [row.groups() for row in rows].count((  # the dimension table's row
        f"{fmt.score1(care['staff']['score'], cut)} {fmt.interval(care['staff']['ci95'])}",
        f"{fmt.score1(care['customer']['score'], cut)} {fmt.interval(care['customer']['ci95'])}",
        fmt.difference(care["staff"]["score"], care["customer"]["score"], cut)
        + ("*" if care["gap_p"] is not None and care["gap_p"] < 0.05 else ""),
    )) == 1
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


# -- report cases: one situation each, rendered once (tests/reports/cases.py) -----------------


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``case(name)``: the case's rendering, shared by all its tests (built on first use)."""
    cases = ReportCases(tmp_path_factory.mktemp("report-cases"), CASES)
    yield cases
    from assess.extensions import db

    with cases.app.app_context():
        assert db.engine is not None
        db.engine.dispose()


def section_text(text: str, title: str, following: str) -> str:
    """The text of one section: from its numbered heading to the next one's."""
    start = text.index(f" {title} ", text.index("Methodology") + 12)
    return text[start:text.index(f" {following} ", start + len(title))]


def tenths(text: str) -> float:
    return float(text.replace("−", "-"))


def printed_rows(data: SimpleNamespace, size: str = "a4") -> list[tuple[str, str, str, str]]:
    """(title, staff, customers, gap) as printed in the dimension tables, for every
    dimension both audiences score."""
    rows = []
    cut = data.typed.parameters.quadrant_cut
    titles = {d["id"]: d["title"] for d in data.report.dimensions}
    for d in data.results["dimensions"]:
        if d["gap"] is None:
            continue
        staff = fmt.score1(d["staff"]["score"], (cut,))
        customer = fmt.score1(d["customer"]["score"], (cut,))
        found = re.search(
            rf"{re.escape(titles[d['id']])} {re.escape(staff)} \S+ (?:one statement )?"
            rf"{re.escape(customer)} \S+ (?:one statement )?([+−]?\d+\.\d)\*?",
            data.text[size],
        )
        assert found, f"{titles[d['id']]}: {staff} / {customer} not found as a table row"
        rows.append((titles[d["id"]], staff, customer, found.group(1)))
    return rows


@pytest.mark.slow
def test_case_uniform_gap_prints_gaps_that_are_the_difference_of_the_printed_scores(case):
    data = case("uniform_gap")
    rows = printed_rows(data)
    assert len(rows) == 12  # the dimensions both audiences answer
    for title, staff, customer, gap in rows:
        # Rule 16: a reader who subtracts the two printed scores gets the printed gap.
        assert gap == fmt.gap(round(tenths(staff) - tenths(customer), 1)), title
    # Every gap is drawn with its interval, in the chart that replaced the radar.
    text = data.text["a4"]
    assert "Which gaps can be told apart" in text and "Radar" not in text
    assert "All dimensions at a glance" not in text
    assert "customers rate it higher staff rate it higher" in text
    for d in data.results["dimensions"]:
        if d["gap_ci95"]:
            low, high = (fmt.gap(v) for v in d["gap_ci95"])
            assert f"{low} to {high}" in data.report.dimension_section.gaps["marks"][0]["ci_text"] \
                or any(m["ci_text"] == f"{low} to {high}"
                       for m in data.report.dimension_section.gaps["marks"])


@pytest.mark.slow
def test_case_uniform_gap_pairs_draw_one_measure_sorted_by_it(case):
    data = case("uniform_gap")
    text = data.text["a4"]
    pairs = section_text(text, "Paired statements", "Segments")
    assert "Share giving the favourable answer" in pairs
    assert "Difference (points)" in pairs
    drawn = [(int(s), int(c), int(d.replace("−", "-")))
             for s, c, d in re.findall(r"(\d+)% (\d+)% ([+−]?\d+) ", pairs)]
    assert len(drawn) == len(data.results["pairs"])
    for staff, customer, difference in drawn:
        assert difference == staff - customer  # the column is what the chart draws
    sizes = [abs(d) for *_, d in drawn]
    assert sizes == sorted(sizes, reverse=True)  # sorted by what is drawn
    # A reverse-worded statement shows the share who disagree, and says so.
    instrument = data.typed
    items = {i["id"]: i for i in data.results["items"]}
    assert items and instrument
    for pair in data.results["pairs"]:
        staff_text = next(
            p for p in data.report.pairs.rows if p["id"] == pair["id"]
        )
        if staff_text["staff_reverse"]:
            share = fmt.percent(pair["staff_top_box"])
            assert f"(reverse-worded: {share} of staff disagree)" in pairs
            assert f"{share} of staff agree" not in pairs


@pytest.mark.slow
def test_case_uniform_gap_segments_say_why_a_group_is_hidden(case):
    data = case("uniform_gap")
    segments = section_text(data.text["a4"], "Segments", "Outcomes")
    # 2 in marketing: too few; 6 in service: hidden only to protect them (rule 15).
    assert "Marketing (A): too few respondents" in segments
    assert "Customer service and support (A): hidden to protect a smaller group" in segments
    assert "may be large: it is hidden only because" in segments
    groups = {g["option"]: g for g in data.results["segments"]["staff_function"]["groups"]}
    assert groups["marketing"]["suppressed_reason"] == "too_few"
    assert groups["service"]["suppressed_reason"] == "protects_smaller"
    assert groups["sales"]["suppressed_reason"] is None
    # The heatmap columns say it too (the text of the chart).
    assert segments.count("hidden to protect a smaller group") >= 2
    assert "The largest differences between groups" in segments


@pytest.mark.slow
def test_case_uniform_gap_with_40_customers_carries_no_small_sample_caution(case):
    text = case("uniform_gap").text["a4"]
    # 40 customers: no caution on their figures; 20 staff: theirs carry one.
    assert "The customers' scores rest on" not in text
    assert "Based on 40 customers" not in text and "rests on at most" not in text
    assert "The staff scores rest on 20 respondents, fewer than 30" in text
    assert "This is the organisation's first assessment on this instrument" in text
    assert "95% interval of the change" not in text


@pytest.mark.slow
def test_case_twelve_customers_cautions_every_figure_from_them(case):
    data = case("twelve_customers")
    text = data.text["a4"]
    assert data.results["audiences"]["customer"]["responses"] == 12
    dimensions = section_text(text, "Dimension by dimension", "Paired statements")
    assert "The customers' scores rest on 12 respondents, fewer than 30" in dimensions
    assert "Each customer share rests on at most 12 customers (fewer than 30)" in text
    outcomes = section_text(text, "Outcomes", "Recommendations")
    assert "Based on 12 customers: fewer than 30, so read it as an indication" in outcomes
    assert "one customer moves the score by 17 points" in outcomes
    # Loyalty: what the rest of the customers are.
    choice = fmt.percent(data.results["outcomes"]["stay_by_choice"]["top_box"])
    rest = 100 - int(choice.rstrip("%"))
    assert f"{rest}% of customers do not say they stay by choice" in outcomes


@pytest.mark.slow
def test_case_scores_resting_on_one_statement_say_so(case):
    data = case("twelve_customers")
    titles = {d["id"]: d["title"] for d in data.report.dimensions}
    dimensions = section_text(data.text["a4"], "Dimension by dimension", "Paired statements")
    assert "Resting on one statement:" in dimensions
    for dimension in SINGLE_CUSTOMER_STATEMENT:
        assert f"{titles[dimension]} (customers answered one statement, staff" in dimensions
    # and beside the score itself, once per such dimension
    assert dimensions.count("one statement") >= len(SINGLE_CUSTOMER_STATEMENT) * 2


@pytest.mark.slow
def test_case_concentrated_gap_is_the_largest_and_a_closed_engagement_is_final(case):
    data = case("concentrated_gap")
    marks = data.report.dimension_section.gaps["marks"]
    titles = {d["id"]: d["title"] for d in data.report.dimensions}
    assert marks[0]["title"] == titles["ends_honesty"]
    others = [m for m in marks[1:]]
    # the other gaps are far smaller and their intervals do not reach the largest
    assert all(m["ci"]["x2"] < marks[0]["ci"]["x1"] for m in others if m["ci"])
    text = data.text["a4"]
    assert "Interim" not in text and "INTERIM" not in text  # closed: no mark


@pytest.mark.slow
def test_case_hidden_strength_is_drawn_left_of_zero(case):
    data = case("hidden_strength")
    titles = {d["id"]: d["title"] for d in data.report.dimensions}
    marks = data.report.dimension_section.gaps["marks"]
    humanity = next(m for m in marks if m["title"] == titles["ends_humanity"])
    chart = data.report.dimension_section.gaps
    assert humanity is marks[-1] and humanity["hidden_strength"]
    assert humanity["x"] < chart["zero_x"] and humanity["text"].startswith("−")
    rows = dict((t, g) for t, _, _, g in printed_rows(data))
    assert rows[titles["ends_humanity"]] == humanity["text"]  # chart and table agree


@pytest.mark.slow
def test_case_open_engagement_marks_every_page_as_interim(case):
    data = case("uniform_gap")
    cover, *pages = data.pages["a4"]
    assert ("Interim report: fieldwork is still open; responses received up to "
            "9 October 2026.") in cover
    for number, page in enumerate(pages, start=2):
        assert "INTERIM REPORT · RESPONSES RECEIVED UP TO 9 OCTOBER 2026" in page, number


@pytest.mark.slow
def test_case_previous_wave_gives_each_headline_change_with_its_interval(case):
    data = case("previous_wave")
    trend = data.text["a4"][data.text["a4"].index(" Trend Against the organisation's"):]
    assert "95% interval of the change" in trend
    summary = {row["name"]: row for row in data.report.trend.summary}
    for name in ("Means (staff)", "Ends (customers)", "Net Promoter Score"):
        row = summary[name]
        change = row["change"]
        assert change["interval"], name
        # the printed change is the difference of the two printed values
        assert change["text"] == fmt.gap(round(tenths(row["current"]) - tenths(row["previous"]), 1))
        assert f"{name} {row['previous']} {row['current']} {change['text']} {change['interval']}" \
            in trend
    hostage = summary["Stay because leaving is hard"]
    assert (hostage["previous"], hostage["current"]) == ("20%", "50%")
    assert hostage["change"]["text"] == "+30" and hostage["change"]["is_clear"]
    assert (f"Stay because leaving is hard 20% 50% +30 {hostage['change']['interval']} "
            "clear change") in trend
    assert "Stay by choice 30% 20% −10" in trend
    # dimension rows: one decimal, change ± half its interval
    row = data.report.trend.rows[0]
    cell = row["staff_change_cell"]
    assert cell["margin"].startswith("±")
    assert (f"{row['title']} {row['staff_previous_text']} {row['staff_current_text']} "
            f"{cell['text']} {cell['margin']}") in trend
    assert "Measure 2025 Now Change 95% interval of the change" in trend


@pytest.mark.slow
def test_case_staff_only_draws_no_gap_and_no_customer_caution(case):
    data = case("staff_only")
    text = data.text["a4"]
    assert data.report.dimension_section.gaps["marks"] == []
    assert "Which gaps can be told apart" not in text
    assert "The paired statements need results from both staff and customers" in text
    assert "Resting on one statement" not in text
    assert "The customers' scores rest on" not in text
    assert "INTERIM REPORT" in text


@pytest.mark.slow
def test_case_customers_below_threshold_show_no_customer_figure(case):
    data = case("customers_below_threshold")
    text = data.text["a4"]
    assert data.results["audiences"]["customer"] == {"responses": 3, "suppressed": True}
    assert "The customer results are suppressed, so no breakdown can be shown." in text
    assert "Based on 3 customers" not in text and "rest on 3 respondents" not in text
    assert data.report.dimension_section.gaps["marks"] == []
    outcomes = section_text(text, "Outcomes", "Recommendations")
    assert "%" not in outcomes.replace("100%", "")


@pytest.mark.slow
def test_case_japanese_and_arabic_names_and_comments_print(case):
    data = case("scripts")
    text = data.text["a4"]
    assert "株式会社みらい電機" in text
    assert "対応が遅くて困っています。" in text and "お客様の声をもっと聞くべきです。" in text
    # CJK glyphs come from Noto Sans CJK, Arabic from DejaVu Sans: no empty boxes
    fonts = {font.replace("-", "") for font in data.fonts}
    assert any(font.startswith("NotoSansCJK") for font in fonts), fonts
    assert any(font.startswith("DejaVuSans") for font in fonts), fonts
    assert all(font.startswith(("IBMPlexSans", "NotoSansCJK", "DejaVuSans"))
               for font in fonts), fonts


@pytest.mark.slow
def test_case_letter_paginates_without_stranded_pages(case):
    data = case("uniform_gap")
    for size, (width, height) in (("letter", (612, 792)), ("a4", (595, 842))):
        reader = PdfReader(io.BytesIO(data.pdf[size]))
        assert tuple(round(float(v)) for v in reader.pages[0].mediabox[2:]) == (width, height)
        starts = {int(n) for n in re.findall(r"\.{3,} ?(\d+)", data.pages[size][1])}
        assert len(starts) == 10
        count = len(data.pages[size])
        for number, fill in page_fill(data.pdf[size]):
            if number <= 2 or number + 1 in starts or number == count:
                continue  # the cover, the contents, a section's last page
            assert fill >= 0.5, f"{size}: page {number} is {fill:.0%} used"
        # no heading left at the foot of a page, away from its chart or table
        for number, page in enumerate(data.pages[size], start=1):
            for heading in ("Which gaps can be told apart", "Staff by group",
                            "Customers by group", "The largest differences between groups"):
                if page.rstrip().endswith(heading):
                    pytest.fail(f"{size}: '{heading}' ends page {number}")


@pytest.mark.slow
def test_case_every_chart_has_a_text_alternative(case):
    for name in ("uniform_gap", "staff_only"):
        html = case(name).html
        images = re.findall(r"<img [^>]*>", html)
        charts = [i for i in images if "assess-chart://" in i]
        assert charts
        for image in charts:
            alt = re.search(r'alt="([^"]*)"', image)
            assert alt and len(alt.group(1)) > 10, image


@pytest.mark.slow
def test_interim_mark_follows_the_status_on_screen_and_in_the_cached_pdf(
    app, make_engagement, answer_all, make_user, auth, client
):
    from assess.engagements.models import Status
    from assess.engagements.services import set_status
    from assess.extensions import db
    from assess.reports.service import engagement_report_pdf

    app.config["REPORT_CACHE"] = True
    user = make_user("consultant", email="consultant@example.com")
    engagement = make_engagement(created_by=user)
    for i in range(5):
        answer_all(engagement, "staff", varied(i))
    auth.login("consultant@example.com")
    screen = client.get(f"/engagements/{engagement.id}/results").get_data(as_text=True)
    assert "Interim report: fieldwork is still open; responses received up to" in screen
    interim = pdf_text(engagement_report_pdf(engagement))
    assert "INTERIM REPORT" in interim
    set_status(engagement, Status.CLOSED)
    db.session.commit()
    final = pdf_text(engagement_report_pdf(engagement))  # not the cached interim PDF
    assert "INTERIM" not in final and "Interim report" not in final
    screen = client.get(f"/engagements/{engagement.id}/results").get_data(as_text=True)
    assert "Interim report" not in screen
