"""Signing in and out.

Failed attempts are limited per client address and per account (the address typed),
so guessing is slow without a worker ever sleeping: past a limit the answer is a
429 with Retry-After (the page says how long, see ``assess/errors.py``), the right
password included. Only failures count, so an office behind one address signing in
all morning is never stopped. docs/accounts.md, "Signing in", says more.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user

from assess.accounts.forms import LoginForm
from assess.accounts.second_factor_views import begin_challenge
from assess.accounts.services import authenticate, end_sessions, find_user
from assess.accounts.session import start_session
from assess.audit.log import record
from assess.engagements.access import first_workspace
from assess.extensions import db, limiter

bp = Blueprint("accounts", __name__)

TOO_MANY_ATTEMPTS = (
    "Signing in is paused after too many failed attempts, to keep accounts safe."
)


def record_failed_sign_in(typed: str, why: str) -> None:
    """Log a refused sign-in and commit it alone (nothing else is committed then).
    The entry goes to the workspace the account would have signed in to; an
    address without an account has none (only the operator's ``assess audit``
    shows it)."""
    address = " ".join(typed.split()).lower()
    user = find_user(address) if address else None
    workspace_id = first_workspace(user) if user is not None else None
    record(
        "sign_in_failed", workspace_id=workspace_id, actor=address,
        user_id=user.id if user is not None else None, detail=why,
    )
    db.session.commit()


def _failed(response: Response) -> bool:
    """A wrong address or password (401): the attempts the limits count."""
    return response.status_code == 401


def _account_key() -> str:
    """The account an attempt is against: the address as typed, normalised, and
    hashed so that the limiter's storage holds no one's e-mail address."""
    typed = (request.form.get("email") or "").strip().lower()
    return "account:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: str(current_app.config["LOGIN_LIMITS_ADDRESS"]),
    methods=["POST"], deduct_when=_failed, scope="login-address",
    error_message=TOO_MANY_ATTEMPTS,
)
@limiter.limit(
    lambda: str(current_app.config["LOGIN_LIMITS_ACCOUNT"]),
    key_func=_account_key, methods=["POST"], deduct_when=_failed, scope="login-account",
    error_message=TOO_MANY_ATTEMPTS,
)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()  # a hash made with older parameters was replaced
        workspace_id = first_workspace(user) if user is not None else None
        if user is None:
            record_failed_sign_in(form.email.data or "", "wrong address or password")
        if user is not None and workspace_id is None:
            record_failed_sign_in(user.email, "no workspace to sign in to")
            # The password was right: say why signing in is refused.
            flash(
                "Your workspace is suspended, or you are not a member of any workspace "
                "any more. Ask the workspace's owner or the operator of this site.",
                "error",
            )
            return render_template("accounts/login.html", form=form), 403
        if user is not None and begin_challenge(user):
            # The password was right; the second factor finishes signing in.
            return redirect(url_for("second_factor.challenge"))
        if user is not None:
            record("sign_in", workspace_id=workspace_id, actor=user.email, user_id=user.id)
            db.session.commit()
            start_session(user, workspace_id)
            target = request.args.get("next", "")
            # Only local paths: never an open redirect.
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("engagements.index")
            return redirect(target)
        flash("That e-mail and password do not match an account.", "error")
    return render_template("accounts/login.html", form=form), (
        401 if request.method == "POST" else 200
    )


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    # Every copy of this session's cookie stops working, and the person's sessions
    # on other devices end too.
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    g.pop("actor", None)
    return redirect(url_for("accounts.login"))
