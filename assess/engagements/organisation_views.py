"""An organisation's page (owners and consultants): its engagements and its client
readers — inviting them by e-mail or by a link to copy, withdrawing an invitation,
taking a reader's access away.

Readers are invited with the members' single-use invitation link (role reader,
with the organisation); see :mod:`assess.engagements.readers`. A reader of the
organisation gets 403 here, anyone else 404 (:func:`access.organisation_for`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import login_required

from assess.accounts import tokens
from assess.accounts.emails import count_mail, external_url, limit_mail, mail_settings
from assess.accounts.models import AccountToken, TokenPurpose
from assess.accounts.services import find_user
from assess.engagements import readers
from assess.engagements.access import SESSION_KEY, organisation_for, require_actor
from assess.engagements.forms import ConfirmForm, ReaderInviteForm
from assess.engagements.models import Organisation
from assess.engagements.services import EngagementError, organisation_engagements
from assess.extensions import db
from assess.mailer import send_one
from assess.results.waves import organisation_waves

bp = Blueprint("organisations", __name__)

#: Why an unverified workspace may not send invitations by e-mail (as on the members page).
UNVERIFIED = (
    "Your workspace sends no e-mail to others until an owner's e-mail address is "
    "confirmed, so that nobody can use this site to mail strangers. Open the link we "
    "sent, or send it again from the Account page."
)


def _client() -> str:
    return str(get_remote_address())


def _workspace() -> str:
    return str(session.get(SESSION_KEY, "none"))


def _days() -> str:
    days = round(tokens.lifetime(TokenPurpose.INVITATION).total_seconds() / 86400)
    return "1 day" if days == 1 else f"{days} days"


def _page(
    organisation: Organisation, *, form: ReaderInviteForm | None = None,
    new_link: str | None = None, invited: AccountToken | None = None, status: int = 200,
) -> ResponseReturnValue:
    can_mail = mail_settings() is not None
    engagements = organisation_engagements(organisation)
    return render_template(
        "engagements/organisation.html",
        organisation=organisation,
        engagements=engagements,
        # Its waves over time and the trend of its position (docs/results.md, "Waves").
        waves=organisation_waves(engagements),
        readers=readers.organisation_readers(organisation),
        pending=readers.pending_reader_invitations(organisation),
        form=form or ReaderInviteForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        can_mail=can_mail,
        unverified=can_mail and organisation.workspace.verified_at is None,
        unverified_message=UNVERIFIED,
        new_link=new_link,
        invited=invited,
        valid_for=_days(),
    ), status


@bp.get("/organisations/<int:organisation_id>")
@login_required
def page(organisation_id: int) -> ResponseReturnValue:
    return _page(organisation_for(organisation_id))


@bp.post("/organisations/<int:organisation_id>/readers/invite")
@login_required
@limit_mail("client", _client)
@limit_mail("workspace", _workspace)
def invite(organisation_id: int) -> ResponseReturnValue:
    organisation = organisation_for(organisation_id)
    actor = require_actor()
    form = ReaderInviteForm()
    settings = mail_settings()
    if settings is not None and organisation.workspace.verified_at is None:
        flash(UNVERIFIED, "error")
        return _page(organisation, form=form, status=403)
    if not form.validate_on_submit():
        return _page(organisation, form=form, status=400)
    try:
        outcome = readers.invite_reader(organisation, form.email.data or "")
    except EngagementError as error:
        form.email.errors = [str(error)]
        return _page(organisation, form=form, status=400)
    here = url_for(".page", organisation_id=organisation.id)
    if isinstance(outcome, readers.Granted):
        user = outcome.membership.user
        db.session.commit()
        flash(f"{user.name or user.email} already reads for {organisation.workspace.name}, "
              f"and now reads {organisation.name} too.")
        return redirect(here)
    address = outcome.row.email or ""
    count_mail()
    url = external_url("members.accept", token=outcome.token)
    if settings is None:
        # No mail: the consultant copies the link and hands it over; shown this once.
        db.session.commit()
        return _page(organisation, new_link=url, invited=outcome.row)
    body = render_template(
        "engagements/email/reader_invitation.txt",
        inviter=actor.user.name or actor.user.email,
        workspace=organisation.workspace.name,
        organisations=[o.name for o in readers.invitation_organisations(outcome.row)],
        url=url,
        valid_for=_days(),
        has_account=find_user(address) is not None,
    )
    db.session.commit()  # the link works when it arrives
    failure = send_one(
        settings, address, f"{organisation.workspace.name} shares results with you", body
    )
    if failure:
        tokens.withdraw(TokenPurpose.INVITATION, token_id=outcome.row.id)
        db.session.commit()
        flash(f"The invitation to {address} could not be sent: {failure}.", "error")
    else:
        flash(f"Invitation sent to {address}. The link in it works once, for {_days()}.")
    return redirect(here)


@bp.post("/organisations/<int:organisation_id>/readers/<int:membership_id>/remove")
@login_required
def remove(organisation_id: int, membership_id: int) -> ResponseReturnValue:
    organisation = organisation_for(organisation_id)
    here = url_for(".page", organisation_id=organisation.id)
    if not ConfirmForm().validate_on_submit():
        flash("Tick the box to confirm.", "error")
        return redirect(here)
    reader = readers.remove_reader(organisation, membership_id)
    if reader is None:
        abort(404, description="There is no such reader of this organisation.")
    db.session.commit()
    flash(f"{reader.name or reader.email} no longer reads {organisation.name}.")
    return redirect(here)


@bp.post("/organisations/<int:organisation_id>/invitations/<int:token_id>/withdraw")
@login_required
def withdraw(organisation_id: int, token_id: int) -> ResponseReturnValue:
    organisation = organisation_for(organisation_id)
    if not readers.withdraw_reader_invitation(organisation, token_id):
        abort(404, description="There is no such invitation waiting.")
    db.session.commit()
    flash("The invitation is withdrawn.")
    return redirect(url_for(".page", organisation_id=organisation.id))
