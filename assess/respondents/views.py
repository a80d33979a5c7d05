"""The respondent side: welcome, one page at a time, thank you.

Every page is saved when the respondent presses Next or Back, so closing the
browser loses nothing: opening the same link again resumes on the same page.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.schema import Instrument
from assess.respondents import services
from assess.respondents.models import Link, LinkKind, Response

bp = Blueprint("respondents", __name__, url_prefix="/r")

COOKIE_PREFIX = "assess_resume_"
DONE_PREFIX = "assess_done_"
COOKIE_AGE = 60 * 60 * 24 * 120  # long enough for a survey window


def _link_or_404(token: str) -> tuple[Link, Engagement, Instrument]:
    link = services.resolve_link(token)
    if link is None:
        abort(404, description="This link does not work. It may have been mistyped or withdrawn.")
    engagement = db.session.get(Engagement, link.engagement_id)
    assert engagement is not None
    return link, engagement, engagement.instrument()


def _unavailable(engagement: Engagement) -> str | None:
    if engagement.status == Status.DRAFT:
        return "This questionnaire has not opened yet. Please try again later."
    if engagement.status == Status.CLOSED:
        return "This questionnaire has closed. Thank you for your interest."
    return None


def _resume_key(link: Link, token: str) -> str | None:
    if link.kind == LinkKind.SINGLE_USE:
        return services.resume_key_for_single_use(token)
    secret = request.cookies.get(f"{COOKIE_PREFIX}{link.id}")
    return services.hash_token(secret) if secret else None


def _current_response(link: Link, token: str) -> Response | None:
    key = _resume_key(link, token)
    return services.find_in_progress(key) if key else None


def _already_done(link: Link) -> bool:
    if link.kind == LinkKind.SINGLE_USE:
        return link.used_on is not None
    return request.cookies.get(f"{DONE_PREFIX}{link.id}") == "1"


def _closed_page(message: str) -> tuple[str, int]:
    return render_template("respondents/unavailable.html", message=message), 404


@bp.get("/<token>")
def welcome(token: str):  # type: ignore[no-untyped-def]
    link, engagement, instrument = _link_or_404(token)
    if message := _unavailable(engagement):
        return _closed_page(message)
    if _already_done(link):
        return render_template("respondents/done.html", engagement=engagement)
    questionnaire = instrument.questionnaires[link.audience]
    return render_template(
        "respondents/welcome.html",
        token=token,
        engagement=engagement,
        instrument=instrument,
        questionnaire=questionnaire,
        response=_current_response(link, token),
        audience=link.audience,
    )


@bp.post("/<token>/start")
def start(token: str):  # type: ignore[no-untyped-def]
    link, engagement, _instrument = _link_or_404(token)
    if message := _unavailable(engagement):
        return _closed_page(message)
    if _already_done(link):
        return render_template("respondents/done.html", engagement=engagement)
    secret = None
    key = _resume_key(link, token)
    if key is None:
        secret = secrets.token_urlsafe(32)
        key = services.hash_token(secret)
    response = services.start_response(link, key)
    page = response.page
    db.session.commit()
    result = redirect(url_for(".page", token=token, number=page))
    if secret:
        result.set_cookie(
            f"{COOKIE_PREFIX}{link.id}",
            secret,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            path=f"/r/{token}",
        )
    return result


@bp.route("/<token>/page/<int:number>", methods=["GET", "POST"])
def page(token: str, number: int):  # type: ignore[no-untyped-def]
    link, engagement, instrument = _link_or_404(token)
    if message := _unavailable(engagement):
        return _closed_page(message)
    response = _current_response(link, token)
    if response is None:
        if _already_done(link):
            return render_template("respondents/done.html", engagement=engagement)
        return redirect(url_for(".welcome", token=token))
    pages = services.pages_for(instrument, link.audience)
    if not 0 <= number < len(pages):
        abort(404, description="There is no such page in this questionnaire.")
    current = pages[number]
    errors: dict[str, str] = {}
    values: dict[str, str]
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k != "csrf_token"}
        data = services.parse_page(instrument, link.audience, current, form)
        if not data.errors:
            services.save_page(response, current, data, instrument)
            action = request.form.get("action", "next")
            target = number - 1 if action == "back" else number + 1
            if action == "submit" or target >= len(pages):
                if not services.submit_response(response, link):
                    db.session.rollback()
                    return render_template("respondents/done.html", engagement=engagement)
                db.session.commit()
                return _thanks_redirect(token, link)
            response.page = max(0, target)
            db.session.commit()
            return redirect(url_for(".page", token=token, number=max(0, target)))
        errors = data.errors
        values = {k: v for k, v in form.items()}
    else:
        values = services.saved_values(response)
    return render_template(
        "respondents/page.html",
        token=token,
        engagement=engagement,
        instrument=instrument,
        questionnaire=instrument.questionnaires[link.audience],
        pages=pages,
        number=number,
        current=current,
        values=values,
        errors=errors,
    ), (400 if errors else 200)


def _thanks_redirect(token: str, link: Link) -> WerkzeugResponse:
    result = make_response(redirect(url_for(".thanks", token=token)))
    if link.kind == LinkKind.OPEN:
        result.set_cookie(
            f"{DONE_PREFIX}{link.id}", "1", max_age=COOKIE_AGE, httponly=True,
            samesite="Lax", path=f"/r/{token}",
        )
        result.delete_cookie(f"{COOKIE_PREFIX}{link.id}", path=f"/r/{token}")
    return result


@bp.get("/<token>/thanks")
def thanks(token: str):  # type: ignore[no-untyped-def]
    _link, engagement, _instrument = _link_or_404(token)
    return render_template("respondents/thanks.html", engagement=engagement)
