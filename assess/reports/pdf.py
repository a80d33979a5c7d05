"""The one PDF function: plain report data in, PDF bytes out.

WeasyPrint fetches resources only through :class:`ReportFetcher`, which serves
the project's own static files and the engagement's uploaded logo under private
schemes and refuses everything else (``file://``, ``http(s)://``, ``data:`` …),
whatever text respondents typed into comments.
"""

from __future__ import annotations

import threading
import urllib.parse
from pathlib import Path
from typing import Any

from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assess.paths import static_dir

STATIC_SCHEME = "assess-static"
LOGO_SCHEME = "assess-logo"
for _scheme in (STATIC_SCHEME, LOGO_SCHEME):
    # Let relative URLs (``../fonts/x.woff`` in a stylesheet) resolve under our schemes.
    for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
        if _scheme not in _registry:
            _registry.append(_scheme)

STATIC_BASE = f"{STATIC_SCHEME}://assess/"
MEDIA_TYPES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

PAGE_SIZES = {"a4": "A4", "letter": "letter"}


class RefusedURL(ValueError):
    pass


class ReportFetcher(URLFetcher):
    """Serves ``assess-static://assess/<path>`` from static/ and the logo; refuses the rest."""

    def __init__(self, logo_path: Path | None = None) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.static_root = static_dir().resolve()
        self.logo_path = logo_path
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme == STATIC_SCHEME and parsed.netloc == "assess":
            path = (self.static_root / urllib.parse.unquote(parsed.path).lstrip("/")).resolve()
            if path.is_relative_to(self.static_root) and path.is_file():
                return self._file(url, path)
        elif parsed.scheme == LOGO_SCHEME and self.logo_path is not None:
            return self._file(url, self.logo_path)
        self.refused.append(url[:200])
        raise RefusedURL(f"The report does not fetch {url[:80]!r}.")

    @staticmethod
    def _file(url: str, path: Path) -> URLFetcherResponse:
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": media_type}
        )


# One font configuration for the process: building it is a large part of a render.
_fonts_lock = threading.Lock()
_font_config: FontConfiguration | None = None


def _fonts() -> FontConfiguration:
    global _font_config
    with _fonts_lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        return _font_config


def render_report_html(data: dict[str, Any], *, for_print: bool, page_size: str = "a4") -> str:
    return render_template(
        "report/pdf/report.html",
        report=data,
        for_print=for_print,
        page_size=PAGE_SIZES.get(page_size, "A4"),
        static_base=STATIC_BASE if for_print else "/static/",
    )


def render_report_pdf(
    data: dict[str, Any], *, page_size: str = "a4", logo_path: Path | None = None
) -> bytes:
    """Render the gap report; ``data`` is plain (see :func:`assess.reports.data.report_data`)."""
    html = render_report_html(data, for_print=True, page_size=page_size)
    fetcher = ReportFetcher(logo_path)
    fonts = _fonts()
    document = HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher)
    page_css = CSS(
        string=f"@page {{ size: {PAGE_SIZES.get(page_size, 'A4')}; }}",
        font_config=fonts,
    )
    return document.write_pdf(
        stylesheets=[page_css],
        font_config=fonts,
        # Tagged, accessible PDF; title, author and language come from the HTML head.
        pdf_variant="pdf/ua-1",
    )
