"""A person's own account: a forgotten password, the links sent by e-mail
(verify an address, reset a password), and the account page (name, address,
password, sessions, deletion).

``/forgot`` answers the same page for every well-formed address, whether or not
it has an account, and sends the mail after the response (see
:func:`assess.accounts.emails.deliver_after`), so neither the words nor the time
of the answer tell who has an account.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from assess.accounts import tokens
from assess.accounts.account_forms import (
    ConfirmForm,
    DeleteAccountForm,
    EmailForm,
    ForgotForm,
    NameForm,
    PasswordForm,
    ResetForm,
)
from assess.accounts.emails import (
    count_mail,
    deliver,
    deliver_after,
    is_verified,
    limit_mail,
    mail_settings,
    mark_verified,
    reset_message,
    verification_message,
)
from assess.accounts.models import TokenPurpose, User
from assess.accounts.services import AccountError, end_sessions, find_user, set_password
from assess.accounts.session import start_session
from assess.engagements.access import SESSION_KEY, current_actor
from assess.extensions import db
from assess.text import without_bidi_controls
from assess.workspaces.members import MemberError, delete_account, sole_owned_workspaces
from assess.workspaces.members import verify_owned_workspaces as verify_workspaces

bp = Blueprint("account", __name__)


def _client() -> str:
    return str(get_remote_address())


def _workspace() -> str:
    return str(session.get(SESSION_KEY, "none"))


def _person() -> str:
    return str(current_user.id) if current_user.is_authenticated else "anonymous"


def _typed_address() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _invalid_link(what: str) -> ResponseReturnValue:
    """One answer for a link that is unknown, expired or used: nothing says which."""
    return render_template("accounts/link_invalid.html", what=what), 404


# -- a forgotten password -----------------------------------------------------------


@bp.route("/forgot", methods=["GET", "POST"])
@limit_mail("client", _client)
@limit_mail("address", _typed_address)
def forgot() -> ResponseReturnValue:
    form = ForgotForm()
    if mail_settings() is None:
        # No mail: the operator resets passwords (`assess user reset-password`).
        return render_template("accounts/forgot.html", form=None)
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form), (
            400 if form.errors else 200
        )
    count_mail()  # known address or not: the limits must not tell either
    user = find_user(form.email.data or "")
    outgoing = reset_message(user) if user is not None else None
    db.session.commit()
    response = make_response(
        render_template("accounts/forgot_sent.html", address=_typed_address())
    )
    return deliver_after(response, outgoing)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> ResponseReturnValue:
    row = tokens.find_live(TokenPurpose.RESET_PASSWORD, token)
    user = db.session.get(User, row.user_id) if row is not None and row.user_id else None
    if row is None or user is None:
        return _invalid_link("password reset")
    form = ResetForm()
    if form.validate_on_submit():
        if tokens.use(TokenPurpose.RESET_PASSWORD, token) is None:
            return _invalid_link("password reset")
        set_password(user, form.password.data or "")  # ends every session of the person
        if user.email_verified_at is None:
            # The link came to this address: it is proven.
            mark_verified(user, user.email)
            verify_workspaces(user)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        session.pop(SESSION_KEY, None)
        flash("Your password is changed, and every session that was signed in with the "
              "old one has ended. Sign in with the new password.")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, user=user), (
        400 if form.errors else 200
    )


# -- verifying an address -----------------------------------------------------------


@bp.get("/verify/<token>")
def verify(token: str) -> ResponseReturnValue:
    row = tokens.use(TokenPurpose.VERIFY_EMAIL, token)
    user = db.session.get(User, row.user_id) if row is not None and row.user_id else None
    if row is None or user is None:
        db.session.rollback()
        return _invalid_link("confirmation")
    address = (row.email or user.email).lower()
    taken = find_user(address)
    if taken is not None and taken.id != user.id:
        db.session.commit()  # the link is used up either way
        flash(f"{address} belongs to another account now, so it cannot become yours.",
              "error")
    else:
        changed = address != user.email
        mark_verified(user, address)
        verified = verify_workspaces(user)
        db.session.commit()
        message = (f"Your e-mail address is now {address}." if changed
                   else f"Thank you: {address} is confirmed.")
        if verified:
            message += " Your workspace can now send invitations by e-mail."
        flash(message)
    if current_user.is_authenticated:
        return redirect(url_for("account.account"))
    return redirect(url_for("accounts.login"))


# -- the account page ---------------------------------------------------------------


def _page(status: int = 200, **forms: object) -> ResponseReturnValue:
    user: User = current_user
    settings = mail_settings()
    return render_template(
        "accounts/account.html",
        user=user,
        can_mail=settings is not None,
        verified=is_verified(user),
        sole_owner_of=sole_owned_workspaces(user),
        name_form=forms.get("name_form") or NameForm(formdata=None, name=user.name),
        email_form=forms.get("email_form") or EmailForm(formdata=None),
        password_form=forms.get("password_form") or PasswordForm(formdata=None),
        sessions_form=ConfirmForm(formdata=None),
        resend_form=ConfirmForm(formdata=None),
        delete_form=forms.get("delete_form") or DeleteAccountForm(formdata=None),
        # The second factor has its own page (``second_factor_views``), for members.
        second_factor_url=(
            url_for("second_factor.set_up")
            if "second_factor.set_up" in current_app.view_functions and current_actor()
            else None
        ),
    ), status


def _keep_this_session(user: User) -> None:
    """Every session of the person ended (their generation was raised): sign this
    one in again, in the workspace it was acting in."""
    start_session(user, session.get(SESSION_KEY))


def _wrong_password(form: EmailForm | PasswordForm | DeleteAccountForm) -> bool:
    if current_user.check_password(form.current_password.data or ""):
        return False
    form.current_password.errors = ["That is not your current password."]
    return True


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    return _page()


@bp.post("/account/name")
@login_required
def change_name() -> ResponseReturnValue:
    form = NameForm()
    if not form.validate_on_submit():
        return _page(400, name_form=form)
    current_user.name = " ".join(without_bidi_controls(form.name.data or "").split())
    db.session.commit()
    flash("Your name is changed.")
    return redirect(url_for("account.account"))


@bp.post("/account/email")
@login_required
@limit_mail("client", _client)
@limit_mail("workspace", _workspace)
@limit_mail("person", _person)
def change_email() -> ResponseReturnValue:
    form = EmailForm()
    if not form.validate_on_submit() or _wrong_password(form):
        return _page(400, email_form=form)
    user: User = current_user
    address = (form.email.data or "").strip().lower()
    if address == user.email:
        form.email.errors = ["That is your address already."]
        return _page(400, email_form=form)
    if find_user(address) is not None:
        form.email.errors = ["Another account has this address."]
        return _page(400, email_form=form)
    count_mail()
    outgoing = verification_message(user, address)
    if outgoing is None:
        # No mail on this site: nothing can be verified, the address changes now.
        user.email = address
        db.session.commit()
        flash(f"Your e-mail address is now {address}.")
        return redirect(url_for("account.account"))
    db.session.commit()  # the link works when it arrives
    failure = deliver(outgoing)
    if failure:
        flash(f"The message to {address} could not be sent: {failure}. Your address is "
              "unchanged; try again later.", "error")
    else:
        flash(f"We sent a link to {address}. Your address changes when you open it; "
              f"until then you sign in with {user.email}.")
    return redirect(url_for("account.account"))


@bp.post("/account/verification")
@login_required
@limit_mail("client", _client)
@limit_mail("workspace", _workspace)
@limit_mail("person", _person)
def resend_verification() -> ResponseReturnValue:
    """Send the link that confirms the person's address again."""
    user: User = current_user
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if is_verified(user):
        flash("Your e-mail address is confirmed already.")
        return redirect(url_for("account.account"))
    count_mail()
    outgoing = verification_message(user)
    assert outgoing is not None  # unverified implies this site sends mail
    db.session.commit()
    failure = deliver(outgoing)
    if failure:
        flash(f"The message could not be sent: {failure}. Try again later.", "error")
    else:
        flash(f"We sent a new link to {user.email}; the earlier ones no longer work.")
    return redirect(url_for("account.account"))


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    if not form.validate_on_submit() or _wrong_password(form):
        return _page(400, password_form=form)
    user: User = current_user
    try:
        set_password(user, form.password.data or "")  # ends every session of the person
    except AccountError as error:
        form.password.errors = [str(error)]
        return _page(400, password_form=form)
    tokens.withdraw(TokenPurpose.RESET_PASSWORD, user=user)
    db.session.commit()
    _keep_this_session(user)
    flash("Your password is changed. Every other session of yours has ended.")
    return redirect(url_for("account.account"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user: User = current_user
    end_sessions(user)
    db.session.commit()
    _keep_this_session(user)
    flash("Every other session of yours has ended, on every device. This one stays "
          "signed in.")
    return redirect(url_for("account.account"))


@bp.post("/account/delete")
@login_required
def delete() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if not form.validate_on_submit() or _wrong_password(form):
        return _page(400, delete_form=form)
    user: User = current_user
    address = user.email
    try:
        delete_account(user)
    except MemberError as error:
        flash(str(error), "error")
        return _page(400, delete_form=form)
    db.session.commit()
    logout_user()
    session.clear()
    current_app.logger.info("An account was deleted by its owner.")
    flash(f"Your account {address} is deleted.")
    return redirect(url_for("accounts.login"))
