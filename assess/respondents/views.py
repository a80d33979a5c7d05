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
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.schema import Instrument, LocalText
from assess.respondents import links as respondent_links
from assess.respondents import pages as questionnaire_pages
from assess.respondents import recording
from assess.respondents.models import Link, LinkKind
from assess.respondents.texts import best_language, language_name, ui_texts
from assess.scoring import Parameters, comment_threshold, effective_threshold
from assess.workspaces.models import WorkspaceKind

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
    link = respondent_links.resolve_link(token, lock=lock)
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


def _render(
    template: str, visit: Visit | None, status: int = 200, **context: Any
) -> tuple[str, int]:
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


def _wrong_link_page() -> tuple[str, int]:
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
        return respondent_links.resume_key_for_single_use(visit.token)
    secret = request.cookies.get(f"{COOKIE_PREFIX}{visit.link.id}")
    return respondent_links.hash_token(secret) if secret else None


def _already_done(visit: Visit) -> bool:
    if visit.link.kind == LinkKind.SINGLE_USE:
        return visit.link.used
    if request.cookies.get(f"{DONE_PREFIX}{visit.link.id}") == "1":
        return True
    key = _resume_key(visit)
    return key is not None and recording.is_spent(key)


def _refusal(visit: Visit) -> tuple[str, int] | None:
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
def _not_found(error: Exception) -> ResponseReturnValue:
    return _wrong_link_page()


@bp.errorhandler(CSRFError)
def _expired_form(error: CSRFError) -> ResponseReturnValue:
    """A stale or forged form: nothing from it is saved; earlier pages are safe."""
    token = (request.view_args or {}).get("token", "")
    try:
        visit = _visit(token)
    except WrongLink:
        return _wrong_link_page()
    return _render("respondents/expired.html", visit, 400)


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<path:anything>", methods=["GET", "POST"])
def wrong_address(anything: str = "") -> ResponseReturnValue:
    """Whatever else is typed under /r/: the same page as any wrong token."""
    return _wrong_link_page()


@bp.get("/<token>")
def welcome(token: str) -> ResponseReturnValue:
    visit = _visit(token)
    if (refused := _refusal(visit)) is not None:
        return refused
    key = _resume_key(visit)
    response = recording.find_in_progress(key) if key else None
    questionnaire = visit.instrument.questionnaires[visit.link.audience]
    parameters = Parameters(anonymity_threshold=visit.engagement.anonymity_threshold)
    body, status = _render(
        "respondents/welcome.html",
        visit,
        questionnaire=questionnaire,
        response=response,
        # Rule 14, as the results apply it: the smallest group and comment pool shown.
        group_minimum=effective_threshold(parameters),
        comment_minimum=comment_threshold(parameters),
        total_pages=len(questionnaire_pages.pages_for(visit.instrument, visit.link.audience)),
        languages=[(code, language_name(code)) for code in visit.instrument.languages],
        # A company assessing itself runs its own staff survey: the staff are told so.
        run_by_company=visit.engagement.organisation.workspace.kind == WorkspaceKind.COMPANY,
    )
    result = make_response(body, status)
    if request.args.get("lang") == visit.language:
        _set_cookie(result, visit, LANGUAGE_COOKIE, visit.language)
    return result


@bp.post("/<token>/start")
def start(token: str) -> ResponseReturnValue:
    """Begin or resume. Nothing is stored until the first page is saved."""
    visit = _visit(token)
    if (refused := _refusal(visit)) is not None:
        return refused
    key = _resume_key(visit)
    secret = None
    if key is None:
        secret = secrets.token_urlsafe(32)
    response = recording.find_in_progress(key) if key else None
    pages = questionnaire_pages.pages_for(visit.instrument, visit.link.audience)
    number = min(response.page, len(pages) - 1) if response else 0
    result = redirect(url_for(".page", token=token, number=number))
    if secret:
        _set_cookie(result, visit, f"{COOKIE_PREFIX}{visit.link.id}", secret)
    return result


@bp.route("/<token>/page/<int:number>", methods=["GET", "POST"])
def page(token: str, number: int) -> ResponseReturnValue:
    visit = _visit(token)
    if request.method == "POST" and visit.link.kind == LinkKind.SINGLE_USE:
        # The personal link's row stays locked until this request commits, so two
        # requests through it (two tabs, a double click) take turns on PostgreSQL
        # as they do on SQLite; `used` is read again under the lock.
        visit.link = respondent_links.lock_link(visit.link)
    if (refused := _refusal(visit)) is not None:
        return refused
    key = _resume_key(visit)
    if key is None:
        return redirect(url_for(".welcome", token=token))
    audience = visit.link.audience
    pages = questionnaire_pages.pages_for(visit.instrument, audience)
    if not 0 <= number < len(pages):
        abort(404)
    current = pages[number]
    if request.method == "GET":
        values = questionnaire_pages.saved_values(recording.find_in_progress(key))
        return _page(visit, pages, number, values, {})

    data = questionnaire_pages.parse_page(visit.instrument, audience, current, request.form)
    if data.errors:
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return _page(visit, pages, number, values, data.errors, status=400)
    response = recording.start_response(visit.link, key)
    questionnaire_pages.save_page(response, current, data, visit.instrument)
    action = request.form.get("action", "next")
    last = number == len(pages) - 1
    if last and action != "back":
        if not recording.submit_response(response, visit.link, visit.instrument):
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
    pages: list[questionnaire_pages.Page],
    number: int,
    values: dict[str, str],
    errors: dict[str, questionnaire_pages.FieldError],
    status: int = 200,
) -> tuple[str, int]:
    audience = visit.link.audience
    current = pages[number]
    section = (
        questionnaire_pages.section_of(visit.instrument, audience, current)
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
        title=questionnaire_pages.page_title(visit.instrument, audience, current, visit.language),
        section=section,
        runs=questionnaire_pages.item_runs(visit.instrument, section) if section else [],
        points=_points(visit),
        values=values,
        errors={name: _message(visit, error) for name, error in errors.items()},
    )


def _points(visit: Visit) -> Callable[[Any], list[questionnaire_pages.Point]]:
    return lambda scale: questionnaire_pages.scale_points(visit.instrument, scale, visit.language)


def _message(visit: Visit, error: questionnaire_pages.FieldError) -> str:
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
def thanks(token: str) -> ResponseReturnValue:
    visit = _visit(token)
    if not _already_done(visit):
        return redirect(url_for(".welcome", token=token))
    return _render("respondents/thanks.html", visit)

