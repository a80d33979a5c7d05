"""The respondent side: welcome, one page at a time, thank you.

Every page is saved when the respondent presses Next or Back, so closing the
browser loses nothing: opening the same link again resumes on the same page
with the earlier answers filled in. The pages are plain HTML forms; they need
no JavaScript.

Every wrong token — unknown, withdrawn, malformed — gets the same polite page
with a 404 status; a link of a draft or closed engagement gets a page saying so.
"""

from __future__ import annotations

import hashlib
import hmac
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
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from assess.engagements.models import Engagement, InstrumentSnapshot, Status
from assess.extensions import db
from assess.instruments.schema import Audience, Instrument, LocalText
from assess.instruments.snapshots import instrument_for
from assess.lru import LRU
from assess.respondents import links as respondent_links
from assess.respondents import pages as questionnaire_pages
from assess.respondents import recording, throttle
from assess.respondents.links import EngagementRow, LinkRow, ResponseRow
from assess.respondents.models import LinkKind, Response
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
    link: LinkRow
    engagement: EngagementRow
    instrument: Instrument
    language: str
    organisation_name: str
    run_by_company: bool
    #: Responses in progress under the request's candidate resume keys, by key.
    in_progress_by_key: dict[str, ResponseRow]
    #: A consultant's preview: the same pages, and nothing is stored.
    preview: bool = False
    #: The instrument snapshot's hash (names the instrument's content).
    content_hash: str = ""
    #: The candidate resume keys that have submitted (read with the visit).
    spent_keys: frozenset[str] = frozenset()

    @property
    def words(self) -> dict[str, str]:
        return dict(ui_texts(self.language))

    def text(self, value: LocalText) -> str:
        return self.instrument.text(value, self.language)

    @property
    def cookie_path(self) -> str:
        return f"/r/{self.token}"

    def page_url(self, number: int) -> str:
        if self.preview:
            return _preview_url("preview_page", self, number=number, lang=self.language)
        return url_for("respondents.page", token=self.token, number=number)

    def welcome_url(self, language: str | None = None) -> str:
        if self.preview:
            return _preview_url("preview", self, lang=language or self.language)
        return url_for("respondents.welcome", token=self.token, lang=language)


class WrongLink(NotFound):
    """Any token that does not open a questionnaire."""


def _preview_url(endpoint: str, visit: Visit, **values: Any) -> str:
    return url_for(
        f"respondent_admin.{endpoint}", engagement_id=visit.engagement.id,
        audience=str(visit.link.audience), **values,
    )


def _visit(token: str) -> Visit:
    # One query for the link, all a page shows of its engagement and the response
    # in progress; the instrument is parsed once per process (docs/performance.md).
    # Read outside any write: a GET never writes, a POST's writes begin after it
    # (db.writing()) and check what they rely on (the response still in progress,
    # the key not spent, the link not used), so SQLite's write lock is held only
    # for the writes themselves.
    db.reading(before_writes=request.method not in ("GET", "HEAD"))
    found = respondent_links.resolve_visit(token, _candidate_keys(token))
    if found is None:
        raise WrongLink()
    link, engagement = found.link, found.engagement
    instrument = instrument_for(
        found.content_hash, lambda: _snapshot_content(engagement.snapshot_id)
    )
    if link.audience not in instrument.questionnaires:
        raise WrongLink()
    chosen = best_language(
        instrument.languages,
        request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE),
        request.accept_languages.values(),
    )
    return Visit(
        token, link, engagement, instrument, chosen or instrument.default_language,
        organisation_name=found.organisation_name,
        # A company assessing itself runs its own staff survey: the staff are told so.
        run_by_company=found.workspace_kind == WorkspaceKind.COMPANY,
        in_progress_by_key=found.in_progress,
        content_hash=found.content_hash,
        spent_keys=found.spent,
    )


def _snapshot_content(snapshot_id: int) -> dict[str, Any]:
    """A snapshot's content: read only when this process has not parsed it yet."""
    content = db.session.scalar(
        select(InstrumentSnapshot.content).where(InstrumentSnapshot.id == snapshot_id)
    )
    assert content is not None  # the visit's query joined the snapshot
    return content


def _candidate_keys(token: str) -> list[str]:
    """Every resume key this request may use, before the link's kind is known: a
    personal link's (from the token) and an open link's (from its cookie, sent only
    to this link's path; :func:`_resume_key` picks the one that counts)."""
    keys = [respondent_links.resume_key_for_single_use(token)]
    keys += [
        respondent_links.hash_token(secret)
        for name, secret in request.cookies.items()
        if name.startswith(COOKIE_PREFIX) and secret
    ]
    return keys


def _form_token(token: str) -> str:
    """The token a respondent's forms carry (``csrf_token``), in place of
    Flask-WTF's: an HMAC of the link's token and this browser's resume secrets for
    it (the HttpOnly cookies sent only to the link's path), so a page elsewhere
    cannot make a browser post answers into its response. It needs no session
    cookie (a respondent gets none, and no request decodes or signs one) and never
    expires while a page stays open."""
    resume_secrets = sorted(
        secret for name, secret in request.cookies.items()
        if name.startswith(COOKIE_PREFIX) and secret
    )
    key = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), b"respondent-forms", hashlib.sha256
    ).digest()
    return hmac.new(key, "\0".join([token, *resume_secrets]).encode(), hashlib.sha256).hexdigest()


def _check_form_token(visit: Visit) -> None:
    """A POST's form token, checked before anything of it is stored (after the
    link's own refusals: a stale tab of a submitted response is told so)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent.encode(), _form_token(visit.token).encode()):
        raise CSRFError("The form's token is missing or does not match.")


def _in_progress(visit: Visit, key: str | None) -> ResponseRow | None:
    """The response in progress under ``key`` (read with the visit)."""
    return visit.in_progress_by_key.get(key) if key else None


def _render(
    template: str, visit: Visit | None, status: int = 200, **context: Any
) -> tuple[str, int]:
    if visit is not None:
        if not visit.preview:  # the preview is the consultant's: Flask-WTF's token
            context.setdefault("csrf_token", lambda: _form_token(visit.token))
        context.update(
            visit=visit,
            engagement=visit.engagement,
            instrument=visit.instrument,
            t=visit.words,
            tx=visit.text,
            lang=visit.language,
            organisation_name=visit.organisation_name,
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


def _already_done(visit: Visit, in_progress: ResponseRow | None = None) -> bool:
    """Whether this browser (open link) or this personal link has submitted.

    ``in_progress`` is the response in progress under this visit's resume key, if
    the caller has read it: a key with a response in progress has not submitted
    (submitting clears the key from the response in the transaction that spends
    it), so the spent keys need not be asked."""
    if visit.link.kind == LinkKind.SINGLE_USE:
        return visit.link.used
    if request.cookies.get(f"{DONE_PREFIX}{visit.link.id}") == "1":
        return True
    if in_progress is not None:
        return False
    key = _resume_key(visit)
    return key is not None and key in visit.spent_keys


def _refusal(visit: Visit, in_progress: ResponseRow | None = None) -> tuple[str, int] | None:
    """The page to show instead of the questionnaire, or None when it may go on."""
    if visit.engagement.status != Status.OPEN:
        message = "draft" if visit.engagement.status == Status.DRAFT else "closed"
        return _render("respondents/unavailable.html", visit, 404, message=message)
    if _already_done(visit, in_progress):
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
    """The welcome page. Its Start (or Continue) goes straight to the first (or
    resume) page: an open link's resume cookie is given here, when the browser
    has none, so starting is one request, not a POST and a redirect. The cookie
    is a random code; nothing is stored until the first page is saved."""
    visit = _visit(token)
    key = _resume_key(visit)
    response = _in_progress(visit, key)
    if (refused := _refusal(visit, response)) is not None:
        return refused
    secret = None
    if key is None and visit.link.kind == LinkKind.OPEN:
        secret = secrets.token_urlsafe(32)
    body, status = _welcome_page(visit, response)
    result = make_response(body, status)
    if secret:
        _set_cookie(result, visit, f"{COOKIE_PREFIX}{visit.link.id}", secret)
    if request.args.get("lang") == visit.language:
        _set_cookie(result, visit, LANGUAGE_COOKIE, visit.language)
    return result


def _welcome_page(visit: Visit, response: ResponseRow | None) -> tuple[str, int]:
    questionnaire = visit.instrument.questionnaires[visit.link.audience]
    parameters = Parameters(anonymity_threshold=visit.engagement.anonymity_threshold)
    pages = questionnaire_pages.pages_for(visit.instrument, visit.link.audience)
    return _render(
        "respondents/welcome.html",
        visit,
        questionnaire=questionnaire,
        response=response,
        # Rule 14, as the results apply it: the smallest group and comment pool shown.
        group_minimum=effective_threshold(parameters),
        comment_minimum=comment_threshold(parameters),
        total_pages=len(pages),
        start_url=visit.page_url(_resume_page(response, pages)),
        languages=[(code, language_name(code)) for code in visit.instrument.languages],
        run_by_company=visit.run_by_company,
    )


def _resume_page(response: ResponseRow | None, pages: list[questionnaire_pages.Page]) -> int:
    """Where Start (or Continue) leads: the page the respondent stopped on."""
    return min(response.page, len(pages) - 1) if response else 0


@bp.post("/<token>/start")
def start(token: str) -> ResponseReturnValue:
    """Begin or resume, for a welcome page from before Start was a plain link (a
    tab left open across an upgrade). Nothing is stored until the first page is
    saved."""
    visit = _visit(token)
    key = _resume_key(visit)
    response = _in_progress(visit, key)
    if (refused := _refusal(visit, response)) is not None:
        return refused
    _check_form_token(visit)
    secret = None
    if key is None:
        secret = secrets.token_urlsafe(32)
    pages = questionnaire_pages.pages_for(visit.instrument, visit.link.audience)
    result = redirect(url_for(".page", token=token, number=_resume_page(response, pages)))
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
        db.writing()
        visit.link = respondent_links.lock_link(visit.link)
    key = _resume_key(visit)
    in_progress = _in_progress(visit, key)
    if (refused := _refusal(visit, in_progress)) is not None:
        return refused
    if key is None:
        return redirect(url_for(".welcome", token=token))
    if request.method == "POST":
        _check_form_token(visit)
    audience = visit.link.audience
    pages = questionnaire_pages.pages_for(visit.instrument, audience)
    if not 0 <= number < len(pages):
        abort(404)
    current = pages[number]
    if request.method == "GET":
        # Only what this page shows: its own kind of answers; none to read on a page
        # beyond the furthest saved (most page views: the next page after a save).
        values = (questionnaire_pages.saved_values(in_progress, current)
                  if _may_hold_answers(in_progress, number) else {})
        return _page(visit, pages, number, values, {})

    data = questionnaire_pages.parse_page(visit.instrument, audience, current, request.form)
    if data.errors:
        return _page(visit, pages, number, _typed_values(), data.errors, status=400)
    action = _action()
    if _asks_first(current, data, action):
        # Nothing to save yet: the same page, asking once whether to go on.
        return _page(visit, pages, number, _typed_values(), {}, asking=True)
    submitting = number == len(pages) - 1 and action == "next"
    target = _target_page(number, action, submitting)
    db.writing()  # the transaction of this page's writes begins here
    response = in_progress or recording.start_response(visit.link, key, none_found=True)
    # The first write holds the response until commit: a second request with the
    # same key (two tabs, a double click) waits, then sees what this one saved.
    if not recording.hold_response(response, target, saved=number):
        db.session.rollback()
        return _render("respondents/done.html", visit, 409)
    questionnaire_pages.save_page(response, current, data, visit.instrument)
    if action == "later":
        db.session.commit()
        return _later_page(visit, number)
    if submitting:
        if visit.link.kind == LinkKind.OPEN and not throttle.submission_allowed(
            visit.link, request.remote_addr or ""
        ):
            return _throttled(visit, pages, number, response)
        try:
            submitted = recording.submit_response(response, visit.link, visit.instrument)
        except recording.NoRatedAnswer:
            # Rule 1 (amended): no response. The answers stay in progress, so the
            # respondent can go back and answer; the link is not used up.
            db.session.commit()
            return _nothing_recorded(visit, pages)
        if not submitted:
            db.session.rollback()
            return _render("respondents/done.html", visit, 409)
        db.session.commit()
        return _thanks_redirect(visit)
    db.session.commit()
    return redirect(url_for(".page", token=token, number=target))


def _may_hold_answers(response: ResponseRow | None, number: int) -> bool:
    """Whether page ``number`` may have saved answers: not without a response, nor
    beyond the highest page saved (when known)."""
    if response is None:
        return False
    return response.furthest_saved is None or number <= response.furthest_saved


#: What the buttons of a questionnaire page send (``action``); anything else is Next.
ACTIONS = ("next", "back", "later")


def _action() -> str:
    action = request.form.get("action", "next")
    return action if action in ACTIONS else "next"


def _target_page(number: int, action: str, submitting: bool) -> int:
    """The page the respondent goes on to (and resumes on)."""
    if submitting or action == "later":
        return number
    return max(0, number - 1) if action == "back" else number + 1


def _asks_first(
    current: questionnaire_pages.Page, data: questionnaire_pages.PageInput, action: str
) -> bool:
    """A page of statements sent on with no answer at all is shown once more with
    a gentle question; its "Continue anyway" sends ``empty_ok`` and goes on."""
    return (
        current.kind == "section"
        and action == "next"
        and not data.answers
        and request.form.get("empty_ok") != "1"
    )


def _typed_values() -> dict[str, str]:
    """The page's fields as the respondent sent them, to show them again."""
    return {
        k: v for k, v in request.form.items() if k.startswith(("item-", "segment-", "open-"))
    }


def _later_page(visit: Visit, number: int) -> tuple[str, int]:
    """Finish later: the page was saved; how to come back to it."""
    single_use = visit.link.kind == LinkKind.SINGLE_USE
    return _render(
        "respondents/later.html",
        visit,
        message=visit.words["later_single" if single_use else "later_open"].format(
            page=number + 1
        ),
        link_url=None if visit.preview else respondent_links.link_url(visit.token),
        continue_url=visit.page_url(number),
    )


def _nothing_recorded(visit: Visit, pages: list[questionnaire_pages.Page]) -> tuple[str, int]:
    """Every rated statement missing: nothing was recorded; back to the first
    page of statements to answer."""
    first = next((n for n, p in enumerate(pages) if p.kind == "section"), 0)
    return _render("respondents/nothing_recorded.html", visit, back_url=visit.page_url(first))


def _throttled(
    visit: Visit, pages: list[questionnaire_pages.Page], number: int,
    response: Response | ResponseRow,
) -> WerkzeugResponse:
    """A burst from this source through the open link: keep the page's answers (the
    response stays in progress, on this page), count it for the consultant, and show
    the same page again with "try again in a minute"."""
    throttle.record_throttled(visit.link)  # the response was held on this page
    db.session.commit()
    values = questionnaire_pages.saved_values(response, pages[number])
    body, status = _page(visit, pages, number, values, {}, status=429, throttled=True)
    result = make_response(body, status)
    result.headers["Retry-After"] = str(
        throttle.seconds_to_wait(visit.link, request.remote_addr or "")
    )
    return result


def _page(
    visit: Visit,
    pages: list[questionnaire_pages.Page],
    number: int,
    values: dict[str, str],
    errors: dict[str, questionnaire_pages.FieldError],
    status: int = 200,
    throttled: bool = False,
    asking: bool = False,
) -> tuple[str, int]:
    audience = visit.link.audience
    fresh = not (values or errors or throttled or asking or visit.preview) and _may_keep_pages()
    if fresh:
        key = (visit.content_hash, str(audience), number, visit.language,
               visit.organisation_name)
        html = _fresh_pages.get(key)
        if html is None:
            html, _ = _page_html(visit, pages, number, values, errors, status, throttled,
                                 asking, form_token=_TOKEN_SLOT)
            _fresh_pages.put(key, html)
        return html.replace(_TOKEN_SLOT, _form_token(visit.token)), status
    return _page_html(visit, pages, number, values, errors, status, throttled, asking)


def _page_html(
    visit: Visit,
    pages: list[questionnaire_pages.Page],
    number: int,
    values: dict[str, str],
    errors: dict[str, questionnaire_pages.FieldError],
    status: int,
    throttled: bool,
    asking: bool,
    form_token: str | None = None,
) -> tuple[str, int]:
    audience = visit.link.audience
    current = pages[number]
    section = (
        questionnaire_pages.section_of(visit.instrument, audience, current)
        if current.kind == "section"
        else None
    )
    extra: dict[str, Any] = {} if form_token is None else {"csrf_token": lambda: form_token}
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
        throttled=throttled,
        asking=asking,
        **extra,
    )


#: Questionnaire pages as first shown (nothing answered on them yet, no message),
#: rendered once per instrument, audience, page, language and organisation, and kept
#: in this process: most page GETs of a survey are such pages, and rendering one was
#: a sixth of a page's time. The form's token, the one part that is the browser's
#: own, is put in afterwards.
_fresh_pages: LRU[tuple[str, str, int, str, str], str] = LRU(256)
#: Stands for the form's token in a kept page (random: never in a page's text).
_TOKEN_SLOT = f"form-token-{secrets.token_hex(16)}"


def forget_kept_pages() -> None:
    _fresh_pages.clear()


def _may_keep_pages() -> bool:
    """Not while templates may change under a running process (debug, reloading),
    nor for a request with messages waiting to be shown (a signed-in consultant)."""
    app = current_app
    return not (app.debug or app.config.get("TEMPLATES_AUTO_RELOAD")) and (
        "_flashes" not in session
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
    if not _already_done(visit, _in_progress(visit, _resume_key(visit))):
        return redirect(url_for(".welcome", token=token))
    return _render("respondents/thanks.html", visit)



# -- the consultant's preview ---------------------------------------------------------
#
# The same welcome page, pages, validation and languages as a live link, but
# nothing is stored: no response, no answer, no link use, no spent key, and no
# cookie on the live link's path, so the browser can still answer the open link.
# The answers given so far live in the signed session cookie (rated and "about
# you" answers only: comments are not kept between pages), one entry per
# engagement and audience. The routes are the consultant's
# (:mod:`assess.respondents.admin_views`), which check that the signed-in user
# may manage the engagement; the engagement may be draft, open or closed.


def preview_visit(engagement: Engagement, audience: Audience) -> Visit:
    instrument = engagement.instrument()
    chosen = best_language(
        instrument.languages, request.args.get("lang"), request.accept_languages.values()
    )
    organisation = engagement.organisation
    return Visit(
        "",
        # The preview stands for an open link that is stored nowhere.
        LinkRow(0, engagement.id, audience, LinkKind.OPEN, used=False),
        EngagementRow.of(engagement), instrument, chosen or instrument.default_language,
        organisation_name=organisation.name,
        run_by_company=organisation.workspace.kind == WorkspaceKind.COMPANY,
        in_progress_by_key={},
        preview=True,
    )


def _preview_key(visit: Visit) -> str:
    return f"preview-{visit.engagement.id}-{visit.link.audience}"


def preview_welcome(visit: Visit) -> ResponseReturnValue:
    # A new preview starts empty.
    session.pop(_preview_key(visit), None)
    return _welcome_page(visit, None)


def preview_page(visit: Visit, number: int) -> ResponseReturnValue:
    pages = questionnaire_pages.pages_for(visit.instrument, visit.link.audience)
    if not 0 <= number < len(pages):
        abort(404, description="The questionnaire has no such page.")
    current = pages[number]
    kept: dict[str, str] = dict(session.get(_preview_key(visit), {}))
    if request.method == "GET":
        return _page(visit, pages, number, kept, {})
    data = questionnaire_pages.parse_page(
        visit.instrument, visit.link.audience, current, request.form
    )
    if data.errors:
        return _page(visit, pages, number, _typed_values(), data.errors, status=400)
    action = _action()
    if _asks_first(current, data, action):
        return _page(visit, pages, number, _typed_values(), {}, asking=True)
    kept = _kept_in_preview(visit, current, data, kept)
    session[_preview_key(visit)] = kept
    if action == "later":
        return _later_page(visit, number)
    if number == len(pages) - 1 and action == "next":
        if not any(k.startswith("item-") and v != questionnaire_pages.NOT_APPLICABLE
                   for k, v in kept.items()):
            return _nothing_recorded(visit, pages)
        session.pop(_preview_key(visit), None)
        return _render("respondents/preview_end.html", visit)
    return redirect(visit.page_url(_target_page(number, action, submitting=False)))


def _kept_in_preview(
    visit: Visit,
    page: questionnaire_pages.Page,
    data: questionnaire_pages.PageInput,
    kept: dict[str, str],
) -> dict[str, str]:
    """The preview's answers after this page, as form values."""
    if page.kind == "section":
        section = questionnaire_pages.section_of(visit.instrument, visit.link.audience, page)
        on_page = {f"item-{item_id}" for item_id in section.items}
        kept = {k: v for k, v in kept.items() if k not in on_page}
        for item_id, value in data.answers.items():
            kept[f"item-{item_id}"] = (
                questionnaire_pages.NOT_APPLICABLE if value is None else str(value)
            )
    elif page.kind == "segments":
        kept = {k: v for k, v in kept.items() if not k.startswith("segment-")}
        for question_id, option in data.segments.items():
            if option is not None:
                kept[f"segment-{question_id}"] = option
    return kept
