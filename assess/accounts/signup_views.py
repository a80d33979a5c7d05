"""Signing up: a company or a consulting firm makes its own account and workspace.

Only when the installation allows it (``ASSESS_ALLOW_SIGNUP``; on in ``make run``'s
demo, off by default): otherwise ``/signup`` does not exist (404). One form makes
the person (unverified), the workspace (unverified: it runs its own survey links
but mails nobody else until an owner's address is verified), the owner's
membership and, for a company assessing itself, the workspace's one organisation,
the company. All of it or nothing: one commit. The person is signed in at once.

Sign-ups are limited per client address (``ASSESS_SIGNUP_LIMITS``), so one visitor
cannot make thousands of workspaces.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from assess.accounts.emails import send_verification
from assess.accounts.forms import SignupForm
from assess.accounts.models import User
from assess.accounts.services import AccountError, create_user
from assess.accounts.session import start_session
from assess.engagements.services import get_or_create_organisation
from assess.extensions import db, limiter
from assess.workspaces.models import MemberRole, Workspace, WorkspaceKind
from assess.workspaces.services import WorkspaceError, add_member, create_workspace

bp = Blueprint("signup", __name__)


def _limits() -> str:
    """Sign-ups per client address (``ASSESS_SIGNUP_LIMITS``), every attempt counted:
    a refused one too, so the form cannot be used to probe many addresses for
    accounts."""
    return str(current_app.config["SIGNUP_LIMITS"])


def signup_allowed() -> bool:
    return bool(current_app.config.get("ALLOW_SIGNUP"))


@bp.before_request
def _only_when_allowed() -> None:
    if not signup_allowed():
        abort(404)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(
    _limits,
    methods=["POST"],
    exempt_when=lambda: not signup_allowed(),
    error_message="Too many sign-ups from your network in a short time.",
)
def signup() -> ResponseReturnValue:
    form = SignupForm()
    if form.validate_on_submit():
        made = _sign_up(form)
        if made is not None:
            user, workspace = made
            start_session(user, workspace.id)
            # With SMTP, the address is proven by a link (without, nothing is sent).
            if send_verification(user):
                flash(
                    f"We sent a link to {user.email} to confirm the address. Until it is "
                    "confirmed, your survey links work but nobody else can be invited."
                )
            if workspace.kind == WorkspaceKind.COMPANY:
                return redirect(url_for("first_run.welcome"))
            flash(
                f"Welcome. {workspace.name} is ready. Next: create an engagement for "
                "your first client (New engagement), open it, and send its two links "
                "to the client's staff and customers."
            )
            return redirect(url_for("engagements.index"))
    return render_template("accounts/signup.html", form=form)


def _sign_up(form: SignupForm) -> tuple[User, Workspace] | None:
    """Make the person, the workspace, the membership (and for a company its
    organisation) and commit; or store nothing and put the errors on the form's
    fields."""
    errors: dict[str, str] = {}
    user = workspace = None
    try:
        user = create_user(
            form.email.data or "", form.password.data or "", form.name.data or "",
            verified=False,
        )
    except AccountError as error:
        # The address was checked by the form: what is left is about the password.
        errors["password"] = str(error)
    try:
        kind = WorkspaceKind(form.kind.data)
        workspace = create_workspace(form.workspace.data or "", kind=kind, verified=False)
    except WorkspaceError as error:
        errors["workspace"] = str(error)
    if user is not None and workspace is not None:
        add_member(workspace, user, MemberRole.OWNER)
        if workspace.kind == WorkspaceKind.COMPANY:
            # A company assesses itself: its one organisation, named after it.
            get_or_create_organisation(workspace, workspace.name)
        try:
            db.session.commit()
        except IntegrityError:
            # The same address or name, signed up at the same moment by another request.
            db.session.rollback()
            errors["email"] = (
                "This address or this name was taken a moment ago. Please check both "
                "and send the form again."
            )
        else:
            return user, workspace
    db.session.rollback()
    for name, message in errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]
    return None
