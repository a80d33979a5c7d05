"""The demo's gap report, rendered once by `assess report`: its text says what
`assess results` says, it is a tagged PDF with a working table of contents, and
each page is kept as a PNG for a person to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from assess.reports import format as fmt
from assess.reports import patterns
from assess.reports.story import compose_story, leading_group
from tests.reports.conftest import SECTIONS
from tests.reports.conftest import section_pages as sections_of


def text_of(demo: SimpleNamespace) -> str:
    return " ".join(demo.pages)


def section_pages(demo: SimpleNamespace) -> dict[str, int]:
    return sections_of(demo.pages)


def test_every_dimension_title_is_in_the_pdf(demo_report):
    text = text_of(demo_report)
    titles = [demo_report.instrument.text(d.title) for d in demo_report.instrument.dimensions]
    assert len(titles) == 16
    for title in titles:
        assert title in text


def test_dimension_rows_equal_assess_results(demo_report):
    """Each dimension's row: staff and customer scores with their intervals, the gap,
    its significance mark and p-value, all as `assess results` has them."""
    text = text_of(demo_report)
    titles = {d.id: demo_report.instrument.text(d.title) for d in demo_report.instrument.dimensions}

    cut = (demo_report.results["parameters"]["quadrant_cut"],)

    def cell(part):
        if part is None:
            return "not asked"
        # one decimal: the gap beside the two scores is their difference (rule 16)
        return f"{fmt.score1(part['score'], cut)} {fmt.interval(part['ci95'])}"

    for row in demo_report.results["dimensions"]:
        mark = "*" if patterns.is_significant(row["gap_p"]) else ""
        gap = fmt.gap(row["gap"])
        if row["gap"] is not None:
            gap = fmt.difference(row["staff"]["score"], row["customer"]["score"], cut)
        expected = re.compile(
            rf"{re.escape(titles[row['id']])} {re.escape(cell(row['staff']))} "
            rf"(?:one statement )?{re.escape(cell(row['customer']))} (?:one statement )?"
            rf"{re.escape(gap + mark)} {re.escape(fmt.pvalue(row['gap_p']))}"
        )
        assert expected.search(text), expected.pattern


def test_headline_numbers_equal_assess_results(demo_report):
    results = demo_report.results
    summary = demo_report.pages[section_pages(demo_report)["Executive summary"] - 1]
    position = results["position"]
    assert position["self_rated"] is False
    assert f"(the means) at {fmt.score(position['means'], [60])} out of 100" in summary
    assert f"(the ends) at {fmt.score(position['ends'], [60])}" in summary
    assert f"Position: {position['quadrant_label']}." in summary
    assert f"Maturity level {position['maturity_level']} of 5, {position['maturity_label']}" in (
        summary
    )
    # The verdict comes first, before any figure of the tiles.
    assert summary.index("THE ANSWER") < summary.index("Position:") < summary.index(
        "NET PROMOTER SCORE")
    # With a negative NPS beside the staff's high ends rating, the delivery gap in one line.
    if results["nps"]["score"] < 0 <= results["indices"]["staff"]["ends"] - 60:
        assert (
            f"A Net Promoter Score of {fmt.score(results['nps']['score'])} beside the staff's "
            f"own ends rating of {fmt.score(results['indices']['staff']['ends'])}"
        ) in summary
    # NPS and the share of hostages, on the summary and in the outcomes section.
    nps = results["nps"]
    assert f"{fmt.percent(nps['promoters'])} promoters, {fmt.percent(nps['detractors'])} " \
           f"detractors ({fmt.count(nps['n'])} customers" in summary
    assert fmt.score(nps["score"]) in summary
    hostages = re.escape(fmt.percent(results["hostage_share"]))
    assert re.search(rf"{hostages} ?of customers stay mainly because leaving is hard", summary)
    assert f"give a Net Promoter Score of {fmt.score(nps['score'])} " in text_of(demo_report)
    # Responses and response rates (the demo invites 60 staff and 1,200 customers).
    staff, customers = (results["audiences"][a]["responses"] for a in ("staff", "customer"))
    assert f"{staff} staff ({fmt.percent(staff / 60)} of 60)" in summary
    assert f"{customers} customers ({fmt.percent(customers / 1200)} of 1,200)" in summary


def test_summary_is_the_story_of_assess_results_on_one_page(demo_report):
    """Every sentence of the story composed from `assess results` is on page 1, the
    leading gap group is one finding (no ranked list of blind spots), and the
    summary keeps to one page."""
    pages = section_pages(demo_report)
    assert pages["The means × ends map"] == pages["Executive summary"] + 1
    summary = demo_report.pages[pages["Executive summary"] - 1]
    story = compose_story(demo_report.typed, demo_report.instrument)
    assert story.evidence == "customers"

    def joined(text: str) -> str:  # a hyphenated word broken at the end of a line
        return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))

    for sentence in story.sentences():
        assert joined(sentence.text) in joined(summary), sentence.rule
    # The leading group (largest gap and every gap whose interval overlaps it) is
    # named as one finding with the range of its gaps, as `assess results` has them.
    dims = [d for d in demo_report.results["dimensions"] if d["gap_ci95"] is not None]
    lead = max(dims, key=lambda d: d["gap"])
    group = [d for d in dims
             if d["gap_ci95"][0] <= lead["gap_ci95"][1] and lead["gap_ci95"][0] <= d["gap_ci95"][1]]
    assert {d.id for d in leading_group(demo_report.typed.dimensions)} == {d["id"] for d in group}
    titles = {d.id: demo_report.instrument.text(d.title) for d in demo_report.instrument.dimensions}

    def printed(d):  # rule 16: the difference of the two scores printed with one decimal
        return fmt.difference(d["staff"]["score"], d["customer"]["score"]).lstrip("+")

    if len(group) <= 3:
        for d in group:
            assert titles[d["id"]] in story.verdict.text
            assert printed(d) in story.verdict.text
    else:
        gaps = sorted(float(printed(d)) for d in group)
        assert f"{gaps[0]:.1f} to {gaps[-1]:.1f} points" in summary
    assert "Biggest blind spots" not in summary and "Top 3" not in summary
    # The board's decisions: at most four, each with an owner, a horizon and a measure.
    assert "Decisions for the board" in summary
    assert 3 <= len(story.actions) <= 4
    for action in story.actions:
        assert action.title in summary
        assert f"Owner: {action.owner} · horizon: {action.horizon}" in summary


def test_sections_in_order_and_contents_page_numbers_are_right(demo_report):
    pages = section_pages(demo_report)
    assert list(pages) == SECTIONS  # every section, in the order of the issue
    assert list(pages.values()) == sorted(pages.values())
    # The executive summary is one page.
    assert pages["The means × ends map"] == pages["Executive summary"] + 1
    contents = demo_report.pages[1]
    assert contents.startswith("Contents")
    for title, page in pages.items():
        # "Executive summary ........ 3": the leader dots, then the page it starts on.
        assert re.search(rf"{re.escape(title)}[ .]*{page}\b", contents), (title, page)


def test_running_header_footer_and_page_numbers(demo_report):
    total = len(demo_report.pages)
    for number, page in enumerate(demo_report.pages[1:], start=2):
        assert f"Page {number} of {total}" in page
        assert "Prepared by Demo Consulting · Confidential" in page
        assert "Northwind Utilities (demo) · Customer-centricity gap report" in page
    assert "Page 1 of" not in demo_report.pages[0]  # the cover has neither


def test_cover(demo_report):
    cover = demo_report.pages[0].casefold()  # labels are set in capitals
    for expected in (
        "Northwind Utilities (demo)",
        "Customer-centricity assessment 2026",
        "Prepared by Demo Consulting",
        "Fieldwork 1 October 2026 – 15 November 2026",
        "Responses 40 staff, 200 customers",
        "Instrument Customer-centricity as a means and as an end, version 1.0.0",
    ):
        assert expected.casefold() in cover


def test_trend_against_2025(demo_report):
    trend = demo_report.pages[section_pages(demo_report)["Trend"] - 1]
    assert "Customer-centricity assessment 2025" in trend
    row = demo_report.results["trend"]["means_strategy"]
    before, now = fmt.score1(row["staff_previous"]), fmt.score1(row["staff_current"])
    # one decimal beside the change, which is their difference, ± half its interval
    assert re.search(
        rf"Customer strategy and economics {re.escape(before)} {re.escape(now)} "
        rf"{re.escape(fmt.difference(row['staff_current'], row['staff_previous']))} "
        r"±\d+\.\d – – –", trend
    )
    assert "95% interval of the change" in trend


def test_methodology_has_alpha_rates_and_anonymity(demo_report):
    start = section_pages(demo_report)["Methodology"] - 1
    method = " ".join(demo_report.pages[start:])
    assert "Customer-centricity as a means and as an end, version 1.0.0" in method
    assert "Cronbach" in method
    strategy = next(d for d in demo_report.results["dimensions"] if d["id"] == "means_strategy")
    assert f"Customer strategy and economics {fmt.alpha(strategy['staff']['alpha'])}" in method
    assert "No group of fewer than 5 respondents is reported" in method
    assert "at least 10 people of that audience responded" in method


def test_recommendations_carry_their_evidence(demo_report):
    start = section_pages(demo_report)["Recommendations"] - 1
    end = section_pages(demo_report)["In their own words"] - 1
    text = " ".join(demo_report.pages[start:end])
    assert text.count("Evidence:") >= 3
    assert "Blind spot" in text.replace("BLIND SPOT", "Blind spot")


def test_demo_comments_are_shown_because_the_groups_are_large_enough(demo_report):
    start = section_pages(demo_report)["In their own words"] - 1
    assert "Give the front line the authority to fix a problem on the first call." in (
        demo_report.pages[start])
    # Both audiences' comments, each under the question it answers.
    end = section_pages(demo_report)["Trend"] - 1
    text = " ".join(demo_report.pages[start:end])
    keep = text.index("What do they do well that they should keep doing?")
    assert text.index("What is the one thing they should change?") < text.index(
        "Drop the exit fees.") < keep
    assert keep < text.index("The app. Sending a meter reading takes a minute.")


def test_only_the_projects_own_static_files_were_fetched(demo_report):
    assert demo_report.fetchers, "the report was not rendered through ReportFetcher"
    for fetcher in demo_report.fetchers:
        assert fetcher.refused == []
        assert fetcher.served  # fonts, stylesheets and the charts
        assert all(url.startswith(("assess-static://assess/", "assess-chart://report/"))
                   for url in fetcher.served)
        assert len([u for u in fetcher.served if u.startswith("assess-chart:")]) == len(
            fetcher.charts)


def test_tagged_accessible_pdf_with_title_author_language(demo_report):
    reader = PdfReader(io.BytesIO(demo_report.pdf))
    info = reader.metadata
    assert info.title == "Customer-centricity gap report: Northwind Utilities (demo)"
    assert info.author == "Demo Consulting"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp
    # Outline (bookmarks) for the sections.
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Executive summary" in titles and "Methodology" in titles


def test_only_the_shipped_fonts_are_used(demo_report):
    """Every character the report writes is in IBM Plex Sans, shipped in static/fonts:
    no fallback to whatever fonts the machine has."""
    reader = PdfReader(io.BytesIO(demo_report.pdf))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert names and all(name.startswith("IBM-Plex-Sans") for name in names), names


def test_a4_pages(demo_report):
    reader = PdfReader(io.BytesIO(demo_report.pdf))
    width, height = (float(v) for v in reader.pages[3].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_pages_as_png_for_a_person_to_look_at(demo_report, artifacts):
    folder = artifacts / "report-demo"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(demo_report.path, folder / "demo-report.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(demo_report.path), str(folder / "page")],
        check=True,
    )
    pngs = sorted(folder.glob("page-*.png"))
    assert len(pngs) == len(demo_report.pages)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
