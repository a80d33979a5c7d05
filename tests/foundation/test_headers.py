"""Security headers and cookies (assess/headers.py): a CSP without inline script,
no framing, nosniff, a Referrer-Policy, HSTS behind HTTPS, no-store on exports and
reports, and a Secure session cookie when the app is served over HTTPS. The
respondent and share pages keep the stricter headers they set themselves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assess.instruments.schema import Audience
from assess.paths import templates_dir
from assess.respondents import links as respondent_links


def directives(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {part[0]: (part[1] if len(part) > 1 else "") for part in parts}


def assert_app_headers(response: Any) -> None:
    csp = directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no nonce, no outside host
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["base-uri"] == "'none'"
    assert csp["img-src"] == "'self' data:"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def consultant(make_user, auth, make_engagement) -> Any:
    user = make_user("consultant", email="c@example.com")
    engagement = make_engagement(created_by=user)
    auth.login("c@example.com")
    return engagement


def test_the_login_page_sends_the_headers(client) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert_app_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # BASE_URL is http here


def test_a_signed_in_page_sends_the_headers(client, consultant) -> None:
    response = client.get(f"/engagements/{consultant.id}")
    assert response.status_code == 200
    assert_app_headers(response)


def test_an_error_page_sends_the_headers(client, consultant) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_app_headers(response)
    assert client.get("/engagements/999999").status_code == 404
    assert_app_headers(client.get("/engagements/999999"))


def test_an_export_is_never_stored(client, consultant) -> None:
    response = client.get(f"/engagements/{consultant.id}/responses.csv?audience=staff")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert_app_headers(response)


def test_the_results_page_is_never_stored_and_its_accent_needs_a_nonce(
        client, consultant, make_response) -> None:
    # One counted response: the report (and its accent) exists only with answers.
    item = consultant.instrument().items_for("staff")[0]
    make_response(consultant, "staff", {item.id: 4})
    response = client.get(f"/engagements/{consultant.id}/results")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert_app_headers(response)
    page = response.get_data(as_text=True)
    [nonce] = re.findall(r'<style nonce="([^"]+)">\.report\.screen \{ --accent: #', page)
    assert f"'nonce-{nonce}'" in directives(response)["style-src"]
    assert 'style="' not in page
    # A fresh nonce each time; a page without an inline style allows none.
    again = client.get(f"/engagements/{consultant.id}/results")
    assert f"'nonce-{nonce}'" not in again.headers["Content-Security-Policy"]
    assert directives(client.get("/login"))["style-src"] == "'self'"


def test_a_view_s_own_headers_are_kept(app, client, make_engagement) -> None:
    """The respondent pages' stricter policy and no-referrer are not overwritten."""
    engagement = make_engagement()
    _link, token = respondent_links.open_link(engagement, Audience.STAFF)
    from assess.extensions import db

    db.session.commit()
    response = client.get(f"/r/{token}")
    assert response.status_code == 200
    assert directives(response)["default-src"] == "'none'"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_behind_https_hsts_and_a_secure_session_cookie(make_app) -> None:
    app = make_app(BASE_URL="https://survey.example.org", WTF_CSRF_ENABLED=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "; Secure" in cookie


def test_plain_http_sends_no_hsts_and_no_secure_cookie(make_app) -> None:
    app = make_app(BASE_URL="http://127.0.0.1:5000", WTF_CSRF_ENABLED=True)
    response = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in response.headers
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Secure" not in cookie


def test_a_request_over_https_gets_hsts(client) -> None:
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


# -- the templates: nothing inline that the policy would have to allow -----------------

TEMPLATES = Path(templates_dir())
#: WeasyPrint lays out the PDF templates; no browser (and no CSP) sees them.
PDF_ONLY = TEMPLATES / "report" / "pdf"


def served_templates() -> list[Path]:
    return [p for p in sorted(TEMPLATES.rglob("*.html")) if PDF_ONLY not in p.parents]


def test_no_template_has_an_inline_script() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if not re.search(r"\bsrc\s*=", tag):
                found.append(f"{path.relative_to(TEMPLATES)}: {tag}")
        for handler in re.findall(r"<[^>]*\son[a-z]+\s*=", text, flags=re.IGNORECASE):
            found.append(f"{path.relative_to(TEMPLATES)}: event handler {handler[:60]}")
        if re.search(r"javascript:", text, flags=re.IGNORECASE):
            found.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert found == []


def test_no_served_template_has_a_style_attribute_or_an_unnonced_style() -> None:
    found = []
    for path in served_templates():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        found += [f"{name}: style attribute" for _ in re.findall(r"\sstyle\s*=", text)]
        for tag in re.findall(r"<style\b[^>]*>", text, flags=re.IGNORECASE):
            if "csp_nonce()" not in tag:
                found.append(f"{name}: {tag}")
    assert found == []


def test_the_template_check_finds_an_inline_script(tmp_path: Path) -> None:
    """The patterns themselves, on a snippet."""
    snippet = '<script>alert(1)</script><script src="/x.js" defer></script>'
    tags = re.findall(r"<script\b[^>]*>", snippet)
    assert [t for t in tags if not re.search(r"\bsrc\s*=", t)] == ["<script>"]
    assert re.findall(r"\sstyle\s*=", '<div style="color: red">') == [" style="]
