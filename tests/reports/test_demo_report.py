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
from assess.reports import patterns, sections
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

    def cell(part):
        if part is None:
            return "not asked"
        return f"{fmt.score(part['score'])} {fmt.interval(part['ci95'])}"

    for row in demo_report.results["dimensions"]:
        mark = "*" if patterns.is_significant(row["gap_p"]) else ""
        expected = (
            f"{titles[row['id']]} {cell(row['staff'])} {cell(row['customer'])} "
            f"{fmt.gap(row['gap'])}{mark} {fmt.pvalue(row['gap_p'])}"
        )
        assert expected in text, expected


def test_headline_numbers_equal_assess_results(demo_report):
    results = demo_report.results
    summary = demo_report.pages[section_pages(demo_report)["Executive summary"] - 1]
    position = results["position"]
    assert position["self_rated"] is False
    assert f"(the means) at {fmt.score(position['means'])} out of 100" in summary
    assert f"(the ends) at {fmt.score(position['ends'])}" in summary
    assert f"staff put the ends at {fmt.score(results['indices']['staff']['ends'])}" in summary
    assert position["quadrant_label"] in summary
    assert f"Maturity level {position['maturity_level']} of 5: {position['maturity_label']}" in (
        summary
    )
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


def test_headline_gap_and_blind_spots_equal_assess_results(demo_report):
    results = demo_report.results
    summary = demo_report.pages[section_pages(demo_report)["Executive summary"] - 1]
    pairs = sections.pair_rows(demo_report.typed.pairs, demo_report.instrument)
    headline = sections.headline_pair(pairs)
    assert headline is not None
    # The headline is the plainly worded pair with the largest top-box difference.
    plain = [p for p in results["pairs"]
             if not (demo_report.instrument.item(p["staff_item"]).reverse
                     or demo_report.instrument.item(p["customer_item"]).reverse)]
    widest = max(plain, key=lambda p: p["staff_top_box"] - p["customer_top_box"])
    assert headline["id"] == widest["id"]
    assert (
        f"{fmt.percent(widest['staff_top_box'])} of staff agree that "
        f"“{headline['staff_quote']}”, but only {fmt.percent(widest['customer_top_box'])} "
        f"of customers agree that “{headline['customer_quote']}”."
    ) in summary
    # The three biggest blind spots, by gap.
    gaps = sorted(
        (d for d in results["dimensions"] if d["gap"] is not None and d["gap"] >= 10),
        key=lambda d: -d["gap"],
    )[:3]
    titles = {d.id: demo_report.instrument.text(d.title) for d in demo_report.instrument.dimensions}
    for d in gaps:
        assert (
            f"{titles[d['id']]} staff {fmt.score(d['staff']['score'])} · customers "
            f"{fmt.score(d['customer']['score'])} · gap {fmt.gap(d['gap'])}"
        ) in summary


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
        "Fieldwork 1 October 2026 – ongoing",
        "Responses 40 staff, 200 customers",
        "Instrument Customer-centricity as a means and as an end, version 1.0.0",
    ):
        assert expected.casefold() in cover


def test_trend_against_2025(demo_report):
    trend = demo_report.pages[section_pages(demo_report)["Trend"] - 1]
    assert "Customer-centricity assessment 2025" in trend
    row = demo_report.results["trend"]["means_strategy"]
    assert (
        f"Customer strategy and economics {fmt.score(row['staff_previous'])} "
        f"{fmt.score(row['staff_current'])} {fmt.change(row['staff_change'])} – – –"
    ) in trend


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
    text = demo_report.pages[start]
    assert "Give the front line the authority to fix a problem on the first call." in text


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
