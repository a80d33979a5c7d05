"""Releasing an engagement to the client's readers, and withdrawing the release.

Release decides only who can see: once released, the organisation's readers see
the engagement's results page and PDF (:mod:`assess.engagements.access`). Both are
recorded in the audit log. Releasing e-mails the readers a link to the report when
this site sends mail (and the workspace is verified), within the mail limits.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, session
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import login_required

from assess.accounts.emails import count_mail, external_url, limit_mail, mail_settings
from assess.engagements import readers, services
from assess.engagements.access import SESSION_KEY, engagement_for, require_actor
from assess.engagements.forms import ConfirmForm
from assess.engagements.sections import section_url
from assess.extensions import db
from assess.mailer import send_all

bp = Blueprint("release", __name__)


def _client() -> str:
    return str(get_remote_address())


def _workspace() -> str:
    return str(session.get(SESSION_KEY, "none"))


def _back(engagement_id: int) -> ResponseReturnValue:
    return redirect(section_url(engagement_id, "release"))


@bp.post("/engagements/<int:engagement_id>/release")
@login_required
@limit_mail("client", _client)
@limit_mail("workspace", _workspace)
def release(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    actor = require_actor()
    if not ConfirmForm().validate_on_submit():
        # Release shows the client what may still be interim, and may mail them: confirmed.
        flash("Tick the box to confirm the release.", "error")
        return _back(engagement.id)
    if not services.release(engagement):
        flash("This engagement is already released.")
        return _back(engagement.id)
    organisation = engagement.organisation
    settings = mail_settings()
    if settings is None or organisation.workspace.verified_at is None:
        db.session.commit()
        flash(f"Released: {organisation.name}'s readers now see the results and the report "
              "when they sign in." + ("" if settings is None else
              " No e-mail was sent: your workspace sends none until an owner's address "
              "is confirmed."))
        return _back(engagement.id)
    mails = readers.release_messages(
        engagement, settings,
        url=external_url("reports.results", engagement_id=engagement.id),
        sender_name=actor.user.name or actor.user.email,
    )
    db.session.commit()  # released before anyone is told
    if not mails:
        flash(f"Released. {organisation.name} has no readers yet: invite them from "
              "the organisation's page.")
        return _back(engagement.id)
    count_mail()
    failures = send_all(settings, mails)
    sent = len(mails) - len(failures)
    flash(f"Released, and {sent} of {len(mails)} readers told by e-mail.",
          "error" if failures else "message")
    if failures:
        flash(f"Not sent: {next(iter(failures.values()))}.", "error")
    return _back(engagement.id)


@bp.post("/engagements/<int:engagement_id>/release/withdraw")
@login_required
def withdraw(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    if not ConfirmForm().validate_on_submit():
        flash("Tick the box to confirm.", "error")
        return _back(engagement.id)
    if services.withdraw_release(engagement):
        db.session.commit()
        flash(f"The release is withdrawn: {engagement.organisation.name}'s readers no "
              "longer see this engagement.")
    else:
        flash("This engagement is not released.")
    return _back(engagement.id)
