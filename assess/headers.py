"""Security headers on every response that does not set its own.

The respondent pages (``assess/respondents/views.py``) and the share pages
(``assess/sharing/share_views.py``) send their own, stricter policy; a header a
view has set is never overwritten here. Everything else (signed-in pages,
downloads, error pages, static files) gets:

- a Content-Security-Policy: scripts and styles only from the app itself, no
  inline script, no framing, forms posting only to us;
- ``nosniff``, a same-origin Referrer-Policy and ``X-Frame-Options: DENY``;
- behind HTTPS, HSTS;
- ``Cache-Control: no-store`` on exports and reports.

The one inline style a page needs is the engagement's accent colour on the
results page: the template writes it into a ``<style nonce="{{ csp_nonce() }}">``
block, and only a response whose template asked for a nonce allows it.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

#: Referrer-Policy ``same-origin``, not ``no-referrer``: Flask-WTF's CSRF check
#: on HTTPS requires a same-origin Referer on every form post.
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

HSTS = "max-age=31536000"

#: Downloads whose content is the engagement's data (exports, the organisation's
#: zip, the audit log, report PDFs): never kept by a browser or a shared cache.
DOWNLOAD_TYPES = {
    "application/pdf",
    "application/zip",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Pages showing a report (the results page) are no-store as well.
NO_STORE_ENDPOINTS = {"reports.results"}

_NONCE = "_assess_csp_nonce"


def content_security_policy(style_nonce: str | None = None) -> str:
    styles = "'self'" + (f" 'nonce-{style_nonce}'" if style_nonce else "")
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src {styles}; img-src 'self' data:; object-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )


def csp_nonce() -> str:
    """The nonce of this response's inline ``<style>`` (made on first use)."""
    nonce = g.get(_NONCE)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(g, _NONCE, nonce)
    return nonce


def style_nonce() -> str | None:
    """The nonce this response's template asked for, if any (for a view that sends
    its own policy; :func:`add_security_headers` clears it afterwards)."""
    nonce = g.get(_NONCE)
    return None if nonce is None else str(nonce)


def _behind_https() -> bool:
    return request.is_secure or str(current_app.config["BASE_URL"]).lower().startswith("https://")


def _is_export_or_report(response: Response) -> bool:
    if "attachment" in response.headers.get("Content-Disposition", "").lower():
        return True
    return response.mimetype in DOWNLOAD_TYPES or request.endpoint in NO_STORE_ENDPOINTS


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # Popped, not read: a test keeps one app context (one ``g``) over many requests.
    headers.setdefault("Content-Security-Policy", content_security_policy(g.pop(_NONCE, None)))
    for name, value in BASE_HEADERS.items():
        headers.setdefault(name, value)
    if _behind_https():
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _is_export_or_report(response):
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)
