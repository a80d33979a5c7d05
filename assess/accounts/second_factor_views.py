"""The second factor's pages: the code asked for at sign-in, setting it up and
switching it off, and the owner's switch that requires it for the workspace.

Sign-in in two steps: the login view checks the password and calls
:func:`begin_challenge`; when the person has a second factor this leaves only a
*pending* sign-in in the session (their id, for a few minutes; nobody is signed
in), and the challenge page completes it on a right code or recovery code.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from assess.accounts import second_factor
from assess.accounts.models import User
from assess.accounts.session import anonymous_page, start_session
from assess.audit.log import record
from assess.engagements.access import current_actor, first_workspace, require_actor
from assess.extensions import db, limiter
from assess.workspaces.second_factor import must_set_up, set_required

bp = Blueprint("second_factor", __name__)

#: The session keys of a sign-in waiting for its second factor.
PENDING_USER = "pending_user"
PENDING_UNTIL = "pending_until"
PENDING_NEXT = "pending_next"
#: How long a pending sign-in waits for its code: long enough to find the phone.
PENDING_SECONDS = 5 * 60
#: A set-up page's secret until the first code confirms it.
NEW_SECRET = "second_factor_secret"
#: Attempts at the code are limited (a six-digit code is guessed one time in
#: 333,333 within the window): per pending person and per client address, wrong
#: codes only, so that the wait grows; the 429 page says how long.
TOO_MANY_CODES = "Too many wrong codes."
#: Pages with a secret or recovery codes on them are kept by no cache.
NO_STORE = {"Cache-Control": "no-store"}


class CodeForm(FlaskForm):
    code = StringField(
        "Six-digit code from your authenticator app",
        validators=[DataRequired(message="Enter the code your app shows."), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "spellcheck": "false", "autocapitalize": "off"},
    )


class ChallengeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[DataRequired(message="Enter the code your app shows."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false",
                   "autocapitalize": "off", "autofocus": True},
    )


class RequireForm(FlaskForm):
    required = HiddenField(validators=[AnyOf(["1", "0"])])


# -- signing in: the second step --------------------------------------------------------


def _local_path(target: str) -> str | None:
    """``target`` if it is a path on this site (never an open redirect)."""
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return None
    return target


def begin_challenge(user: User) -> bool:
    """For the login view, once the password is right: True when the person has a
    second factor, and the session now holds only their pending sign-in (send
    them to ``second_factor.challenge``); False when signing in may finish now."""
    if not second_factor.needs_second_factor(user):
        return False
    target = _local_path(request.args.get("next", ""))
    session.clear()
    session[PENDING_USER] = user.id
    session[PENDING_UNTIL] = int(time.time()) + PENDING_SECONDS
    if target:
        session[PENDING_NEXT] = target
    return True


def pending_user() -> User | None:
    """The person whose sign-in waits for a code, if it has not expired."""
    user_id, until = session.get(PENDING_USER), session.get(PENDING_UNTIL)
    if not isinstance(user_id, int) or not isinstance(until, int) or until < time.time():
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and second_factor.needs_second_factor(user) else None


def _attempts_key() -> str:
    """Attempts are counted per pending person as well as per client address."""
    return f"second-factor/{session.get(PENDING_USER)}"


def _failed(response: Response) -> bool:
    """A wrong code (401): only these count towards the limits."""
    return response.status_code == 401


def _no_pending_sign_in() -> bool:
    return pending_user() is None


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(
    "20/minute;100/hour", methods=["POST"], scope="second-factor-address",
    exempt_when=_no_pending_sign_in, deduct_when=_failed, error_message=TOO_MANY_CODES,
)
@limiter.limit(
    "5/minute;20/hour;50/day", key_func=_attempts_key, methods=["POST"],
    scope="second-factor-account", exempt_when=_no_pending_sign_in, deduct_when=_failed,
    error_message=TOO_MANY_CODES,
)
def challenge() -> ResponseReturnValue:
    user = pending_user()
    if user is None:
        for key in (PENDING_USER, PENDING_UNTIL, PENDING_NEXT):
            session.pop(key, None)
        flash("Please sign in (again): there is no sign-in waiting for a code, or it waited "
              "too long.", "error")
        return redirect(url_for("accounts.login"))
    form = ChallengeForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if second_factor.verify(user, code) or second_factor.use_recovery_code(user, code):
            db.session.commit()  # a spent recovery code stays spent
            return _complete_sign_in(user)
        # A failed sign-in: its entry is committed alone.
        record("sign_in_failed", workspace_id=first_workspace(user), actor=user.email,
               user_id=user.id, detail="wrong second-factor code")
        db.session.commit()
        form.code.errors = ["That code is not right, or it was used already. Try the newest "
                            "code your app shows, or one of your recovery codes."]
    status = 401 if request.method == "POST" else 200
    return render_template("accounts/second_factor_challenge.html", form=form), status


def _complete_sign_in(user: User) -> ResponseReturnValue:
    """Sign in as the login view does once the password is right (a new session,
    the first workspace)."""
    target = _local_path(session.get(PENDING_NEXT) or "")
    workspace_id = first_workspace(user)
    session.clear()
    if workspace_id is None:
        flash(
            "Your workspace is suspended, or you are not a member of any workspace any "
            "more. Ask the workspace's owner or the operator of this site.",
            "error",
        )
        return redirect(url_for("accounts.login"))
    record("sign_in", workspace_id=workspace_id, actor=user.email, user_id=user.id,
           detail="with a second factor")
    db.session.commit()
    start_session(user, workspace_id)
    return redirect(target or url_for("engagements.index"))


# -- setting it up, switching it off ------------------------------------------------


def _qr_svg(uri: str) -> Markup:
    """The set-up URI as an inline SVG QR code (no image request, no script)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, omitsize=False)
    return Markup(svg)  # segno's own markup, made from our own URI


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def set_up() -> ResponseReturnValue:
    actor = require_actor()
    user: User = current_user
    if second_factor.needs_second_factor(user):
        if request.method == "POST":
            return redirect(url_for(".set_up"))
        return _settings_page(CodeForm(), 200)
    secret = session.get(NEW_SECRET)
    if not isinstance(secret, str):
        secret = session[NEW_SECRET] = second_factor.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        if second_factor.check_code(user.id, secret, form.code.data or ""):
            codes = second_factor.enable(user, secret)
            db.session.commit()
            session.pop(NEW_SECRET, None)
            page = render_template("accounts/second_factor_codes.html", codes=codes)
            return page, 200, NO_STORE
        form.code.errors = ["That code is not right. Check that the app's clock is right, "
                            "and enter the newest code it shows."]
    uri = second_factor.provisioning_uri(secret, user.email)
    page = render_template(
        "accounts/second_factor_set_up.html",
        form=form,
        secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr=_qr_svg(uri),
        required=must_set_up(user, actor.workspace),
        owner_switch=_owner_switch(),
    )
    return page, 200, NO_STORE


def _owner_switch() -> bool:
    """The owner's switch is shown to owners only."""
    actor = current_actor()
    return actor is not None and actor.is_owner


def _settings_page(disable_form: CodeForm, status: int) -> ResponseReturnValue:
    response = make_response(
        render_template(
            "accounts/second_factor_on.html",
            form=disable_form,
            codes_left=second_factor.recovery_codes_left(current_user),
            owner_switch=_owner_switch(),
        ),
        status,
    )
    response.headers.update(NO_STORE)
    return response


@bp.post("/account/second-factor/disable")
@login_required
def disable() -> ResponseReturnValue:
    require_actor()
    user: User = current_user
    if not second_factor.needs_second_factor(user):
        return redirect(url_for(".set_up"))
    form = CodeForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if second_factor.verify(user, code) or second_factor.use_recovery_code(user, code):
            second_factor.disable(user)
            db.session.commit()
            flash("The second factor is off: signing in asks only for your password.", "status")
            return redirect(url_for(".set_up"))
        form.code.errors = ["That code is not right, or it was used already."]
    return _settings_page(form, 200)


# -- the owner's requirement ----------------------------------------------------------


@bp.post("/workspace/second-factor")
@login_required
def require() -> ResponseReturnValue:
    actor = require_actor()
    if not actor.is_owner:
        abort(403, description="Only the workspace's owners can require a second factor.")
    form = RequireForm()
    if not form.validate_on_submit():
        flash("Nothing was changed: the form was incomplete. Please try again.", "error")
    elif form.required.data == "1" and not second_factor.needs_second_factor(actor.user):
        flash("Set up your own second factor first: then require it of everyone.", "error")
    else:
        required = form.required.data == "1"
        set_required(actor.workspace, required)
        db.session.commit()
        flash(
            f"{actor.workspace.name} now requires a second factor of every owner and "
            "consultant: those without one are asked to set it up when they next open a page."
            if required else
            f"{actor.workspace.name} no longer requires a second factor.",
            "status",
        )
    return redirect(url_for(".set_up"))


# -- enforcing the requirement --------------------------------------------------------

#: What an owner or consultant who must set up a second factor may still reach.
_ALLOWED_BEFORE_SET_UP = frozenset({
    "second_factor.set_up", "accounts.logout", "workspaces.switch", "static",
})


@bp.before_app_request
def _send_to_set_up() -> ResponseReturnValue | None:
    """An owner or consultant of a workspace that requires a second factor, who has
    none, sees the set-up page until they set one up (or switch workspace)."""
    if request.endpoint is None or request.endpoint in _ALLOWED_BEFORE_SET_UP:
        return None
    if anonymous_page():  # a respondent's page: nobody is signed in to answer
        return None
    if not current_user.is_authenticated:
        return None
    actor = current_actor()
    if actor is None or not must_set_up(actor.user, actor.workspace):
        return None
    return redirect(url_for("second_factor.set_up"))
