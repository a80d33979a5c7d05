"""The respondent side: welcome, one page at a time, thank you.

Every page is saved when the respondent presses Next or Back, so closing the
browser loses nothing: opening the same link again resumes on the same page
with the earlier answers filled in. The pages are plain HTML forms; they need
no JavaScript.

Every wrong token — unknown, withdrawn, malformed — gets the same polite page
with a 404 status; a link of a draft or closed engagement gets a page saying so.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.schema import Instrument, LocalText
from assess.respondents import services
from assess.respondents.models import Link, LinkKind
from assess.respondents.texts import best_language, language_name, ui_texts

bp = Blueprint("respondents", __name__, url_prefix="/r")

COOKIE_PREFIX = "assess_resume_"
DONE_PREFIX = "assess_done_"
LANGUAGE_COOKIE = "assess_lang"
COOKIE_AGE = 60 * 60 * 24 * 120  # long enough for a survey window

# The respondent pages load only our own CSS and fonts and post only to us.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; "
        "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass
class Visit:
    """One request through a working link: what every page needs."""

    token: str
    link: Link
    engagement: Engagement
    instrument: Instrument
    language: str

    @property
    def words(self) -> dict[str, str]:
        return dict(ui_texts(self.language))

    def text(self, value: LocalText) -> str:
        return self.instrument.text(value, self.language)

    @property
    def cookie_path(self) -> str:
        return f"/r/{self.token}"


class WrongLink(NotFound):
    """Any token that does not open a questionnaire."""


def _visit(token: str, *, lock: bool = False) -> Visit:
    link = services.resolve_link(token, lock=lock)
    if link is None:
        raise WrongLink()
    engagement = db.session.get(Engagement, link.engagement_id)
    if engagement is None:  # pragma: no cover - the foreign key forbids it
        raise WrongLink()
    instrument = engagement.instrument()
    if link.audience not in instrument.questionnaires:
        raise WrongLink()
    chosen = best_language(
        instrument.languages,
        request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE),
        request.accept_languages.values(),
    )
    return Visit(token, link, engagement, instrument, chosen or instrument.default_language)


def _render(template: str, visit: Visit | None, status: int = 200, **context: Any):  # type: ignore[no-untyped-def]
    if visit is not None:
        context.update(
            visit=visit,
            engagement=visit.engagement,
            instrument=visit.instrument,
            t=visit.words,
            tx=visit.text,
            lang=visit.language,
        )
    return render_template(template, **context), status


def _wrong_link_page():  # type: ignore[no-untyped-def]
    # The same bytes whatever was wrong: language from the browser only.
    language = best_language(["en", "de", "fr"], None, request.accept_languages.values()) or "en"
    return render_template(
        "respondents/not_found.html", t=ui_texts(language), lang=language
    ), 404


def _secure_cookies() -> bool:
    return str(current_app.config["BASE_URL"]).startswith("https://")


def _set_cookie(result: WerkzeugResponse, visit: Visit, name: str, value: str) -> None:
    result.set_cookie(
        name, value, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
        secure=_secure_cookies(), path=visit.cookie_path,
    )


def _resume_key(visit: Visit) -> str | None:
    if visit.link.kind == LinkKind.SINGLE_USE:
        return services.resume_key_for_single_use(visit.token)
    secret = request.cookies.get(f"{COOKIE_PREFIX}{visit.link.id}")
    return services.hash_token(secret) if secret else None


def _already_done(visit: Visit) -> bool:
    if visit.link.kind == LinkKind.SINGLE_USE:
        return visit.link.used
    if request.cookies.get(f"{DONE_PREFIX}{visit.link.id}") == "1":
        return True
    key = _resume_key(visit)
    return key is not None and services.is_spent(key)


def _refusal(visit: Visit):  # type: ignore[no-untyped-def]
    """The page to show instead of the questionnaire, or None when it may go on."""
    if visit.engagement.status != Status.OPEN:
        message = "draft" if visit.engagement.status == Status.DRAFT else "closed"
        return _render("respondents/unavailable.html", visit, 404, message=message)
    if _already_done(visit):
        status = 409 if request.method == "POST" else 200
        return _render("respondents/done.html", visit, status)
    return None


@bp.after_request
def _headers(result: WerkzeugResponse) -> WerkzeugResponse:
    for name, value in SECURITY_HEADERS.items():
        result.headers.setdefault(name, value)
    return result


@bp.errorhandler(404)
def _not_found(error: Exception):  # type: ignore[no-untyped-def]
    return _wrong_link_page()


@bp.errorhandler(CSRFError)
def _expired_form(error: CSRFError):  # type: ignore[no-untyped-def]
    """A stale or forged form: nothing from it is saved; earlier pages are safe."""
    token = (request.view_args or {}).get("token", "")
    try:
        visit = _visit(token)
    except WrongLink:
        return _wrong_link_page()
    return _render("respondents/expired.html", visit, 400)


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<path:anything>", methods=["GET", "POST"])
def wrong_address(anything: str = ""):  # type: ignore[no-untyped-def]
    """Whatever else is typed under /r/: the same page as any wrong token."""
    return _wrong_link_page()


@bp.get("/<token>")
def welcome(token: str):  # type: ignore[no-untyped-def]
    visit = _visit(token)
    if (refused := _refusal(visit)) is not None:
        return refused
    key = _resume_key(visit)
    response = services.find_in_progress(key) if key else None
    questionnaire = visit.instrument.questionnaires[visit.link.audience]
    body, status = _render(
        "respondents/welcome.html",
        visit,
        questionnaire=questionnaire,
        response=response,
        total_pages=len(services.pages_for(visit.instrument, visit.link.audience)),
        languages=[(code, language_name(code)) for code in visit.instrument.languages],
    )
    result = make_response(body, status)
    if request.args.get("lang") == visit.language:
        _set_cookie(result, visit, LANGUAGE_COOKIE, visit.language)
    return result


@bp.post("/<token>/start")
def start(token: str):  # type: ignore[no-untyped-def]
    """Begin or resume. Nothing is stored until the first page is saved."""
    visit = _visit(token)
    if (refused := _refusal(visit)) is not None:
        return refused
    key = _resume_key(visit)
    secret = None
    if key is None:
        secret = secrets.token_urlsafe(32)
    response = services.find_in_progress(key) if key else None
    pages = services.pages_for(visit.instrument, visit.link.audience)
    number = min(response.page, len(pages) - 1) if response else 0
    result = redirect(url_for(".page", token=token, number=number))
    if secret:
        _set_cookie(result, visit, f"{COOKIE_PREFIX}{visit.link.id}", secret)
    return result


@bp.route("/<token>/page/<int:number>", methods=["GET", "POST"])
def page(token: str, number: int):  # type: ignore[no-untyped-def]
    visit = _visit(token)
    if request.method == "POST" and visit.link.kind == LinkKind.SINGLE_USE:
        # The personal link's row stays locked until this request commits, so two
        # requests through it (two tabs, a double click) take turns on PostgreSQL
        # as they do on SQLite; `used` is read again under the lock.
        visit.link = services.lock_link(visit.link)
    if (refused := _refusal(visit)) is not None:
        return refused
    key = _resume_key(visit)
    if key is None:
        return redirect(url_for(".welcome", token=token))
    audience = visit.link.audience
    pages = services.pages_for(visit.instrument, audience)
    if not 0 <= number < len(pages):
        abort(404)
    current = pages[number]
    if request.method == "GET":
        values = services.saved_values(services.find_in_progress(key))
        return _page(visit, pages, number, values, {})

    data = services.parse_page(visit.instrument, audience, current, request.form)
    if data.errors:
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return _page(visit, pages, number, values, data.errors, status=400)
    response = services.start_response(visit.link, key)
    services.save_page(response, current, data, visit.instrument)
    action = request.form.get("action", "next")
    last = number == len(pages) - 1
    if last and action != "back":
        if not services.submit_response(response, visit.link, visit.instrument):
            db.session.rollback()
            return _render("respondents/done.html", visit, 409)
        db.session.commit()
        return _thanks_redirect(visit)
    target = max(0, number - 1) if action == "back" else number + 1
    response.page = target
    db.session.commit()
    return redirect(url_for(".page", token=token, number=target))


def _page(
    visit: Visit,
    pages: list[services.Page],
    number: int,
    values: dict[str, str],
    errors: dict[str, services.FieldError],
    status: int = 200,
):  # type: ignore[no-untyped-def]
    audience = visit.link.audience
    current = pages[number]
    section = (
        services.section_of(visit.instrument, audience, current)
        if current.kind == "section"
        else None
    )
    return _render(
        "respondents/page.html",
        visit,
        status,
        questionnaire=visit.instrument.questionnaires[audience],
        pages=pages,
        number=number,
        current=current,
        title=services.page_title(visit.instrument, audience, current, visit.language),
        section=section,
        runs=services.item_runs(visit.instrument, section) if section else [],
        points=_points(visit),
        values=values,
        errors={name: _message(visit, error) for name, error in errors.items()},
    )


def _points(visit: Visit) -> Callable[[Any], list[services.Point]]:
    return lambda scale: services.scale_points(visit.instrument, scale, visit.language)


def _message(visit: Visit, error: services.FieldError) -> str:
    return visit.words[error.code].format(**error.params)


def _thanks_redirect(visit: Visit) -> WerkzeugResponse:
    result = make_response(redirect(url_for(".thanks", token=visit.token)))
    if visit.link.kind == LinkKind.OPEN:
        _set_cookie(result, visit, f"{DONE_PREFIX}{visit.link.id}", "1")
        result.delete_cookie(
            f"{COOKIE_PREFIX}{visit.link.id}", path=visit.cookie_path,
            secure=_secure_cookies(), httponly=True, samesite="Lax",
        )
    return result


@bp.get("/<token>/thanks")
def thanks(token: str):  # type: ignore[no-untyped-def]
    visit = _visit(token)
    if not _already_done(visit):
        return redirect(url_for(".welcome", token=token))
    return _render("respondents/thanks.html", visit)

