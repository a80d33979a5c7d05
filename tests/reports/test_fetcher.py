"""ReportFetcher: WeasyPrint may read the project's own static files and the
engagement's logo, and nothing else, whatever the URL looks like."""

from __future__ import annotations

import pytest

from assess.reports.pdf import LOGO_URL, STATIC_BASE, RefusedURL, ReportFetcher


@pytest.fixture
def logo() -> bytes:
    """The logo's bytes, as the report's data hands them in (read from the database)."""
    return b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://example.com/style.css",
        "https://example.com/font.woff",
        "//example.com/x.png",
        "ftp://example.com/x",
        "data:text/css,body{}",
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
        "assess-static://assess/../../../../etc/passwd",
        "assess-static://assess/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "assess-static://assess/css/../../pyproject.toml",
        "assess-static://assess//etc/passwd",
        "assess-static://elsewhere/css/report.css",
        "assess-static://assess/css/report.css?x=1",
        "assess-static://assess/css/",
        "assess-static://assess/css/missing.css",
        "assess-logo://engagement/logo",  # no logo for this report
        "assess-logo://engagement/../../etc/passwd",
        "assess-chart://report/chart-1.svg",  # no such chart in this report
        "assess-chart://report/../static/css/report.css",
        "relative/path.css",
    ],
)
def test_refuses_everything_but_our_files(url):
    fetcher = ReportFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_refuses_other_logo_urls_even_with_a_logo(logo):
    fetcher = ReportFetcher(logo)
    for url in ("assess-logo://engagement/other", "assess-logo://x/logo",
                "file:///tmp/engagement-1.png"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3


def test_serves_static_files():
    fetcher = ReportFetcher()
    response = fetcher.fetch(STATIC_BASE + "css/report.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    font = fetcher.fetch(STATIC_BASE + "fonts/ibm-plex-sans-latin-400-normal.woff")
    assert font.read().startswith(b"wOFF")
    assert fetcher.refused == []


def test_serves_this_reports_charts_only():
    fetcher = ReportFetcher(charts={"chart-1.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    response = fetcher.fetch("assess-chart://report/chart-1.svg")
    assert response.content_type == "image/svg+xml"
    assert response.read().startswith(b"<svg")
    for url in ("assess-chart://report/chart-2.svg", "assess-chart://other/chart-1.svg"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert fetcher.served == ["assess-chart://report/chart-1.svg"]


def test_serves_the_logo(logo):
    fetcher = ReportFetcher(logo)
    response = fetcher.fetch(LOGO_URL)
    assert response.content_type == "image/png"
    assert response.read() == logo
