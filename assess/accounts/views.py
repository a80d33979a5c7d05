from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required, login_user, logout_user

from assess.accounts.forms import LoginForm
from assess.accounts.services import authenticate
from assess.engagements.access import SESSION_KEY, first_workspace

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        workspace_id = first_workspace(user) if user is not None else None
        if user is not None and workspace_id is None:
            # The password was right: say why signing in is refused.
            flash(
                "Your workspace is suspended, or you are not a member of any workspace "
                "any more. Ask the workspace's owner or the operator of this site.",
                "error",
            )
            return render_template("accounts/login.html", form=form), 403
        if user is not None:
            login_user(user)
            session[SESSION_KEY] = workspace_id
            g.pop("actor", None)
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
    logout_user()
    session.pop(SESSION_KEY, None)
    g.pop("actor", None)
    return redirect(url_for("accounts.login"))
