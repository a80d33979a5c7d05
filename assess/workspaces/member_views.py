"""The members page (owners only) and accepting an invitation.

Owners invite owners and consultants by e-mail when this site sends mail, or
otherwise by a single-use link they copy and hand over; they change roles and
remove people. A workspace always keeps an owner (see
:mod:`assess.workspaces.members`). An invitation's link (``/invitations/<token>``)
lets a signed-in person join, and a new person choose a name and a password.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from assess.accounts import tokens
from assess.accounts.emails import (
    count_mail,
    external_url,
    limit_mail,
    mail_settings,
)
from assess.accounts.models import AccountToken, TokenPurpose
from assess.accounts.services import AccountError, create_user, find_user
from assess.accounts.session import start_session
from assess.engagements import readers
from assess.engagements.access import SESSION_KEY, Actor, require_actor
from assess.extensions import db
from assess.mailer import send_one
from assess.workspaces import members
from assess.workspaces.member_forms import (
    AcceptForm,
    InviteForm,
    JoinForm,
    RemoveForm,
    RoleForm,
)
from assess.workspaces.models import MemberRole, Membership, Workspace

bp = Blueprint("members", __name__)


@dataclass(frozen=True)
class MemberRow:
    """One line of the members table, with its forms."""

    membership: Membership
    name: str
    email: str
    is_me: bool
    last_owner: bool  # cannot be demoted or removed
    role_form: RoleForm | None  # None for client readers (given organisations elsewhere)
    remove_form: RemoveForm

#: Why an unverified workspace may not send invitations by e-mail.
UNVERIFIED = (
    "Your workspace sends no e-mail to others until your own e-mail address is "
    "confirmed, so that nobody can use this site to mail strangers. Open the link we "
    "sent you, or send it again from your Account page."
)


def _owner() -> Actor:
    actor = require_actor()
    if not actor.is_owner:
        abort(403, description="Only the workspace's owners manage its members.")
    return actor


def _client() -> str:
    return str(get_remote_address())


def _workspace() -> str:
    return str(session.get(SESSION_KEY, "none"))


def _page(actor: Actor, *, form: InviteForm | None = None, new_link: str | None = None,
          invited: AccountToken | None = None, status: int = 200) -> ResponseReturnValue:
    workspace = actor.workspace
    can_mail = mail_settings() is not None
    owners = members.owner_count(workspace.id)
    rows = [
        MemberRow(
            membership=m,
            name=m.user.name,
            email=m.user.email,
            is_me=m.user_id == actor.user.id,
            last_owner=m.role == MemberRole.OWNER and owners <= 1,
            role_form=(
                RoleForm(prefix=f"m{m.id}", formdata=None, role=m.role.value)
                if m.role != MemberRole.READER else None
            ),
            remove_form=RemoveForm(prefix=f"m{m.id}", formdata=None),
        )
        for m in members.workspace_members(workspace)
    ]
    return render_template(
        "workspaces/members.html",
        workspace=workspace,
        rows=rows,
        pending=tokens.pending_invitations(workspace.id),
        form=form or InviteForm(formdata=None),
        withdraw_form=AcceptForm(formdata=None),
        can_mail=can_mail,
        unverified=can_mail and workspace.verified_at is None,
        unverified_message=UNVERIFIED,
        new_link=new_link,
        invited=invited,
        valid_for=_days(),
    ), status


@bp.get("/members")
@login_required
def index() -> ResponseReturnValue:
    return _page(_owner())


@bp.post("/members/invite")
@login_required
@limit_mail("client", _client)
@limit_mail("workspace", _workspace)
def invite() -> ResponseReturnValue:
    actor = _owner()
    workspace = actor.workspace
    form = InviteForm()
    settings = mail_settings()
    if settings is not None and workspace.verified_at is None:
        flash(UNVERIFIED, "error")
        return _page(actor, form=form, status=403)
    if not form.validate_on_submit():
        return _page(actor, form=form, status=400)
    role = MemberRole(form.role.data)
    try:
        token, row = members.invite(workspace, form.email.data or "", role)
    except members.MemberError as error:
        form.email.errors = [str(error)]
        return _page(actor, form=form, status=400)
    count_mail()
    url = external_url("members.accept", token=token)
    address = row.email or ""
    if settings is None:
        # No mail: the owner copies the link and hands it over. It is shown this once.
        db.session.commit()
        return _page(actor, new_link=url, invited=row)
    body = render_template(
        "workspaces/email/invitation.txt",
        inviter=actor.user.name or actor.user.email,
        workspace=workspace.name,
        role=role.value,
        role_label=role.label,
        url=url,
        valid_for=_days(),
        has_account=find_user(address) is not None,
    )
    db.session.commit()  # the link works when it arrives
    failure = send_one(settings, address, f"Join {workspace.name} on assess", body)
    if failure:
        members.withdraw_invitation(workspace, row.id)
        db.session.commit()
        flash(f"The invitation to {address} could not be sent: {failure}.", "error")
    else:
        flash(f"Invitation sent to {address}, as {role.label.lower()}. "
              f"The link in it works once, for {_days()}.")
    return redirect(url_for("members.index"))


def _days() -> str:
    days = round(tokens.lifetime(TokenPurpose.INVITATION).total_seconds() / 86400)
    return "1 day" if days == 1 else f"{days} days"


def _member(actor: Actor, membership_id: int) -> Membership:
    membership = members.member_in(actor.workspace, membership_id)
    if membership is None:
        abort(404, description="There is no such member of this workspace.")
    return membership


@bp.post("/members/<int:membership_id>/role")
@login_required
def change_role(membership_id: int) -> ResponseReturnValue:
    actor = _owner()
    membership = _member(actor, membership_id)
    form = RoleForm(prefix=f"m{membership.id}")
    if not form.validate_on_submit():
        flash("Choose owner or consultant.", "error")
        return redirect(url_for("members.index"))
    try:
        members.change_role(membership, MemberRole(form.role.data))
    except members.MemberError as error:
        flash(str(error), "error")
        return redirect(url_for("members.index"))
    db.session.commit()
    g.pop("actor", None)
    who = membership.user.name or membership.user.email
    flash(f"{who} is now {membership.role.label.lower()}.")
    if membership.user_id == actor.user.id and membership.role != MemberRole.OWNER:
        return redirect(url_for("engagements.index"))  # no longer sees this page
    return redirect(url_for("members.index"))


@bp.post("/members/<int:membership_id>/remove")
@login_required
def remove(membership_id: int) -> ResponseReturnValue:
    actor = _owner()
    membership = _member(actor, membership_id)
    form = RemoveForm(prefix=f"m{membership.id}")
    if not form.validate_on_submit():
        flash("Tick the box to confirm the removal.", "error")
        return redirect(url_for("members.index"))
    who = membership.user.name or membership.user.email
    myself = membership.user_id == actor.user.id
    try:
        members.remove_member(membership)
    except members.MemberError as error:
        flash(str(error), "error")
        return redirect(url_for("members.index"))
    db.session.commit()
    if myself:
        # Removing oneself ends one's own sessions too: this one included.
        return redirect(url_for("accounts.login"))
    flash(f"{who} is no longer a member of {actor.workspace.name}; every session of "
          "theirs has ended.")
    return redirect(url_for("members.index"))


@bp.post("/members/invitations/<int:token_id>/withdraw")
@login_required
def withdraw(token_id: int) -> ResponseReturnValue:
    actor = _owner()
    if not members.withdraw_invitation(actor.workspace, token_id):
        abort(404, description="There is no such invitation waiting.")
    db.session.commit()
    flash("The invitation is withdrawn: its link no longer works.")
    return redirect(url_for("members.index"))


# -- accepting an invitation --------------------------------------------------------


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str) -> ResponseReturnValue:
    row = tokens.find_live(TokenPurpose.INVITATION, token)
    workspace = members.invitation_workspace(row) if row is not None else None
    if row is None or workspace is None or workspace.suspended:
        return render_template("accounts/link_invalid.html", what="invitation"), 404
    address = row.email or ""
    role = MemberRole(row.role or MemberRole.CONSULTANT)
    context = {"workspace": workspace, "address": address, "role": role, "token": token,
               "organisations": [o.name for o in readers.invitation_organisations(row)]}
    if current_user.is_authenticated:
        if current_user.email.lower() != address.lower():
            return render_template("workspaces/accept.html", mismatch=True, **context), 403
        form = AcceptForm()
        if form.validate_on_submit():
            return _join(token, workspace, None)
        return render_template("workspaces/accept.html", accept_form=form, **context)
    existing = find_user(address)
    if existing is not None:
        return render_template("workspaces/accept.html", sign_in=True, **context)
    join_form = JoinForm()
    if join_form.validate_on_submit():
        return _join(token, workspace, join_form)
    return render_template("workspaces/accept.html", join_form=join_form, **context), (
        400 if join_form.errors else 200
    )


def _join(token: str, workspace: Workspace, form: JoinForm | None) -> ResponseReturnValue:
    row = tokens.use(TokenPurpose.INVITATION, token)
    if row is None:
        db.session.rollback()
        return render_template("accounts/link_invalid.html", what="invitation"), 404
    if form is None:
        user = current_user._get_current_object()
    else:
        try:
            # A mailed link proves the address; a copied one proves nothing, but then
            # this site sends no mail and nothing is verified anyway.
            user = create_user(
                row.email or "", form.password.data or "", name=form.name.data or "",
                verified=mail_settings() is not None,
            )
        except AccountError as error:
            db.session.rollback()
            form.password.errors = [str(error)]
            return render_template(
                "workspaces/accept.html", join_form=form, workspace=workspace,
                address=row.email, role=MemberRole(row.role or "consultant"), token=token,
            ), 400
    membership = members.accept(row, user)
    if membership.role == MemberRole.READER:
        readers.grant_invited(membership, row)  # a reader's invitation names what they read
    if user.email_verified_at is not None and row.role == MemberRole.OWNER:
        members.verify_owned_workspaces(user)
    db.session.commit()
    if form is not None:
        start_session(user, workspace.id)  # a new person: signed in at once
    else:
        session[SESSION_KEY] = workspace.id
        g.pop("actor", None)
    flash(f"Welcome to {workspace.name}.")
    return redirect(url_for("engagements.index"))
