"""The one PDF function: plain report data in, PDF bytes out.

WeasyPrint fetches resources only through :class:`ReportFetcher`, which serves
the project's own static files and the engagement's uploaded logo (its bytes, read
from the database beforehand) under private
schemes and refuses everything else (``file://``, ``http(s)://``, ``data:`` …),
whatever text respondents typed into comments. Respondents' text is escaped by
Jinja's autoescaping, so it never becomes markup in the first place; the fetcher
is the second wall.

This module imports WeasyPrint (half a second); the rest of the app imports it
only when a PDF is actually rendered.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

from flask import render_template
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assess.paths import static_dir
from assess.reports.charts import CHART_SCHEME, ChartSink
from assess.reports.data import Report
from assess.reports.format import FORMATS
from assess.reports.settings import MAGIC, logo_content

STATIC_SCHEME = "assess-static"
LOGO_SCHEME = "assess-logo"
for _scheme in (STATIC_SCHEME, LOGO_SCHEME, CHART_SCHEME):
    # Let relative URLs (``../fonts/x.woff`` in a stylesheet) resolve under our schemes.
    for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
        if _scheme not in _registry:
            _registry.append(_scheme)

STATIC_BASE = f"{STATIC_SCHEME}://assess/"
LOGO_URL = f"{LOGO_SCHEME}://engagement/logo"
CHART_BASE = f"{CHART_SCHEME}://report/"
MEDIA_TYPES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

#: CSS page sizes, and the cover's height on each (the cover fills its page).
PAGE_SIZES = {"a4": ("A4", "296mm"), "letter": ("letter", "278.4mm")}


class RefusedURL(ValueError):
    pass


class ReportFetcher(URLFetcher):
    """Serves the report's own resources; refuses everything else.

    - ``assess-static://assess/<path>``: a file under static/ (stylesheets, fonts);
    - ``assess-logo://engagement/logo``: the engagement's uploaded logo, if any
      (its bytes, handed in: the fetcher reads no file and no database);
    - ``assess-chart://report/<name>``: a chart of this report, from memory
      (see :class:`assess.reports.charts.ChartSink`).

    Every refused URL is recorded in :attr:`refused`, every served one in
    :attr:`served` (tests read both).
    """

    def __init__(
        self, logo: bytes | None = None, charts: dict[str, str] | None = None
    ) -> None:
        # No protocol is allowed to the parent's opener: fetch() never calls it anyway.
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.static_root = static_dir().resolve()
        self.logo = logo or None
        self.charts = charts or {}
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme == STATIC_SCHEME and parsed.netloc == "assess" and not parsed.query:
            relative = urllib.parse.unquote(parsed.path).lstrip("/")
            path = (self.static_root / relative).resolve()
            if path.is_relative_to(self.static_root) and path.is_file():
                return self._respond(url, path.read_bytes(), path.suffix)
        elif url == LOGO_URL and self.logo is not None:
            return self._respond(url, self.logo, _image_suffix(self.logo))
        elif url.startswith(CHART_BASE) and url[len(CHART_BASE):] in self.charts:
            return self._respond(url, self.charts[url[len(CHART_BASE):]].encode(), ".svg")
        self.refused.append(url[:200])
        raise RefusedURL(f"The report does not fetch {url[:80]!r}.")

    def _respond(self, url: str, body: bytes, suffix: str) -> URLFetcherResponse:
        self.served.append(url)
        media_type = MEDIA_TYPES.get(suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})


def _image_suffix(image: bytes) -> str:
    """'.png' or '.jpg' from the image's first bytes (uploads are checked to be one)."""
    for magic, (kind, _media_type) in MAGIC.items():
        if image.startswith(magic):
            return f".{kind}"
    return ""


# One font configuration for the process: building it, and decoding the shipped
# fonts into it, is a large part of a first render.
_fonts_lock = threading.Lock()
_font_config: FontConfiguration | None = None


def font_configuration() -> FontConfiguration:
    global _font_config
    with _fonts_lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        return _font_config


# WeasyPrint allocates millions of short-lived objects; with the default
# thresholds (700, 10, 10) the cycle collector runs thousands of times per
# report and costs about a fifth of the render. Raising the thresholds while a
# report renders keeps that cost small without switching the collector off; the
# peak memory of a render stays the same (see bench/report.py).
GC_THRESHOLDS = (50_000, 20, 20)
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Raise the cycle collector's thresholds for the duration (nested and thread safe)."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*GC_THRESHOLDS)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)


def page_size_of(page_size: str) -> str:
    if page_size not in PAGE_SIZES:
        raise ValueError(f"The page size must be one of {', '.join(PAGE_SIZES)}.")
    return page_size


def render_report_html(
    data: Report, *, page_size: str = "a4", charts: ChartSink | None = None
) -> str:
    """The report as the HTML WeasyPrint lays out (templates/report/pdf/report.html).

    Its charts go to ``charts`` (pass the same sink's ``svgs`` to the fetcher).
    """
    size, cover_height = PAGE_SIZES[page_size_of(page_size)]
    return render_template(
        "report/pdf/report.html",
        report=data,
        fmt=FORMATS,
        chart=charts if charts is not None else ChartSink(inline=False),
        page_size=size,
        cover_height=cover_height,
        static_base=STATIC_BASE,
        logo_src=LOGO_URL if data.logo else None,
    )


def write_pdf(html: str, *, fetcher: ReportFetcher) -> bytes:
    """WeasyPrint itself: HTML to a tagged PDF (the benchmark times this alone)."""
    fonts = font_configuration()
    document = HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher)
    return document.write_pdf(
        font_config=fonts,
        # Tagged, accessible PDF (PDF/UA-1); title, author and language come from
        # the HTML head (<title>, <meta name=author>, <html lang>).
        pdf_variant="pdf/ua-1",
    )


def report_logo(data: Report) -> bytes | None:
    """The bytes of the report's logo, read from the database: the very logo the
    report data named (by its hash), or none if it has been replaced since."""
    if data.logo is None:
        return None
    return logo_content(data.engagement_id, data.logo["sha256"])


def report_fetcher(data: Report, charts: ChartSink) -> ReportFetcher:
    """The fetcher for one report: our static files, its logo, its charts."""
    return ReportFetcher(report_logo(data), charts.svgs)


def render_report_pdf(
    data: Report, *, page_size: str = "a4", fetcher: ReportFetcher | None = None
) -> bytes:
    """Render the gap report; ``data`` is plain (see :func:`assess.reports.data.report_data`).

    A ``fetcher`` given by the caller (tests) is handed this report's charts.
    """
    charts = ChartSink(inline=False)
    html = render_report_html(data, page_size=page_size, charts=charts)
    if fetcher is None:
        fetcher = report_fetcher(data, charts)
    else:
        fetcher.charts = charts.svgs
    with relaxed_gc():
        return write_pdf(html, fetcher=fetcher)
