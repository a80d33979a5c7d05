"""The consultant's side of respondents: links, personal-link CSVs, invitations.

Everything here acts on one engagement and one audience, checked by
``engagement_for(..., manage=True)``. The panel on the engagement page is
``templates/respondents/_links_panel.html``; the engagement page's view passes
it the data of :func:`assess.respondents.panel.links_panel`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from assess.engagements.access import engagement_for
from assess.engagements.models import Engagement, Status
from assess.engagements.sections import section_url
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import invitations, links, mail
from assess.respondents import views as respondent_pages
from assess.respondents.forms import (
    InvitationForm,
    PersonalLinksForm,
    ReminderForm,
    ReplaceOpenLinkForm,
    WithdrawPersonalLinksForm,
)
from assess.scoring.model import AUDIENCE_LABELS

bp = Blueprint(
    "respondent_admin", __name__, url_prefix="/engagements/<int:engagement_id>/respondents"
)



def _target(engagement_id: int, audience: str) -> tuple[Engagement, Audience]:
    engagement = engagement_for(engagement_id, manage=True)
    try:
        chosen = Audience(audience)
    except ValueError:
        abort(404, description="There is no such audience.")
    if chosen not in engagement.instrument().questionnaires:
        abort(404, description=f"This instrument has no {chosen} questionnaire.")
    return engagement, chosen


def _back(engagement: Engagement, audience: Audience | None = None) -> WerkzeugResponse:
    anchor = f"links-{audience}" if audience else "links-h"
    # The Respondents section: its confirmation shows at the top, not off screen.
    return redirect(section_url(engagement.id, anchor))


def _first_error(form: object) -> str:
    errors = getattr(form, "errors", {})
    for messages in errors.values():
        if messages:
            return str(messages[0])
    return "The form was not complete."


@bp.get("/<audience>/preview")
@login_required
def preview(engagement_id: int, audience: str) -> ResponseReturnValue:
    """The questionnaire as respondents see it, storing nothing (draft, open or
    closed alike): :func:`assess.respondents.views.preview_visit`."""
    engagement, chosen = _target(engagement_id, audience)
    return respondent_pages.preview_welcome(respondent_pages.preview_visit(engagement, chosen))


@bp.route("/<audience>/preview/page/<int:number>", methods=["GET", "POST"])
@login_required
def preview_page(engagement_id: int, audience: str, number: int) -> ResponseReturnValue:
    engagement, chosen = _target(engagement_id, audience)
    return respondent_pages.preview_page(
        respondent_pages.preview_visit(engagement, chosen), number
    )


@bp.post("/<audience>/links.csv")
@login_required
def personal_links_csv(engagement_id: int, audience: str) -> ResponseReturnValue:
    """Personal links as a CSV for a mail merge; the tokens are never shown again."""
    engagement, chosen = _target(engagement_id, audience)
    form = PersonalLinksForm(prefix=f"{chosen}-")
    if engagement.status == Status.CLOSED:
        flash("The engagement is closed: new links would not work.", "error")
        return _back(engagement, chosen)
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
        return _back(engagement, chosen)
    tokens = links.create_single_use_links(engagement, chosen, form.count.data or 0)
    db.session.commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["audience", "link"])
    for token in tokens:
        writer.writerow([str(chosen), links.link_url(token)])
    filename = f"engagement-{engagement.id}-{chosen}-personal-links.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/<audience>/open-link/replace")
@login_required
def replace_open_link(engagement_id: int, audience: str) -> ResponseReturnValue:
    engagement, chosen = _target(engagement_id, audience)
    form = ReplaceOpenLinkForm(prefix=f"{chosen}-")
    if engagement.status == Status.CLOSED:
        flash("The engagement is closed: its links no longer work anyway.", "error")
    elif not form.validate_on_submit():
        flash(_first_error(form), "error")
    else:
        links.replace_open_link(engagement, chosen)
        db.session.commit()
        flash(f"The {chosen} open link was replaced. The old one no longer works.")
    return _back(engagement, chosen)


@bp.post("/<audience>/personal-links/withdraw")
@login_required
def withdraw_personal_links(engagement_id: int, audience: str) -> ResponseReturnValue:
    engagement, chosen = _target(engagement_id, audience)
    form = WithdrawPersonalLinksForm(prefix=f"{chosen}-")
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
    else:
        count = links.withdraw_unused_single_use(engagement, chosen)
        db.session.commit()
        flash(f"{count} unused {chosen} personal link{'s' if count != 1 else ''} withdrawn.")
    return _back(engagement, chosen)


def _settings_or_none() -> mail.SmtpSettings | None:
    settings = mail.smtp_settings(current_app.config)
    if settings is None:
        # The consultant is told only that e-mail is not set up (respondents/_mail_off.html);
        # what to set is for the operator, in the log and docs/respondents.md.
        current_app.logger.warning(
            "A consultant asked to send invitations, but e-mail is off: set ASSESS_SMTP_HOST "
            "and the other ASSESS_SMTP_* settings (docs/respondents.md)."
        )
    return settings


def _outcome_messages(outcome: invitations.MailingOutcome, what: str) -> None:
    if outcome.sent:
        flash(f"Sent {outcome.sent} {what}{'s' if outcome.sent != 1 else ''}.")
    if outcome.failed:
        listed = "; ".join(f"{address}: {reason}" for address, reason in outcome.failed[:20])
        more = f" and {len(outcome.failed) - 20} more" if len(outcome.failed) > 20 else ""
        flash(f"{len(outcome.failed)} could not be sent: {listed}{more}.", "error")


def _send_to_pasted(
    form: InvitationForm | ReminderForm,
    engagement: Engagement,
    chosen: Audience,
    what: str,
    send: Callable[[list[str]], invitations.MailingOutcome],
) -> tuple[WerkzeugResponse | None, list[mail.AddressProblem]]:
    """Parse the pasted addresses and send; nothing goes out if anything pasted is
    not an address (the form shows the list again, as typed, to correct).

    Returns the redirect after a send (or None to show the form again) and what
    was not an e-mail address, with its position.
    """
    parsed = mail.parse_addresses(form.addresses.data or "")
    if parsed.invalid:
        count = len(parsed.invalid)
        form.addresses.errors = [
            f"Nothing was sent. {count} of the items pasted "
            f"{'is not an e-mail address' if count == 1 else 'are not e-mail addresses'}; "
            f"correct or remove {'it' if count == 1 else 'them'} and send again:"
        ]
        return None, parsed.invalid
    try:
        outcome = send(parsed.addresses)
    except invitations.InvitationError as error:
        form.addresses.errors = [str(error)]
        return None, []
    _outcome_messages(outcome, f"{chosen} {what}")
    return _back(engagement, chosen), []


@bp.route("/<audience>/invitations", methods=["GET", "POST"])
@login_required
def invite(engagement_id: int, audience: str) -> ResponseReturnValue:
    engagement, chosen = _target(engagement_id, audience)
    verified = invitations.may_mail_others(engagement)
    settings = _settings_or_none() if verified else None
    form = InvitationForm()
    problems: list[mail.AddressProblem] = []
    if settings is not None and form.validate_on_submit():
        sent, problems = _send_to_pasted(
            form, engagement, chosen, "invitation",
            lambda addresses: invitations.send_invitations(
                settings, engagement, chosen, addresses, form.note.data or ""
            ),
        )
        if sent is not None:
            return sent
    return render_template(
        "respondents/invite.html",
        engagement=engagement,
        audience=chosen,
        label=AUDIENCE_LABELS.get(chosen, str(chosen)),
        form=form,
        problems=problems,
        can_send=settings is not None,
        unverified=not verified and _settings_or_none() is not None,
        unverified_message=invitations.UNVERIFIED,
        subject=invitations.invitation_subject(engagement, chosen),
        preview=invitations.invitation_body(
            engagement, chosen, links.link_url("PERSONAL-LINK"), form.note.data or ""
        ),
        max_recipients=mail.MAX_RECIPIENTS,
    ), (400 if form.errors else 200)


@bp.route("/<audience>/reminder", methods=["GET", "POST"])
@login_required
def remind(engagement_id: int, audience: str) -> ResponseReturnValue:
    engagement, chosen = _target(engagement_id, audience)
    verified = invitations.may_mail_others(engagement)
    settings = _settings_or_none() if verified else None
    form = ReminderForm()
    problems: list[mail.AddressProblem] = []
    if settings is not None and form.validate_on_submit():
        sent, problems = _send_to_pasted(
            form, engagement, chosen, "reminder",
            lambda addresses: invitations.send_reminder(
                settings, engagement, chosen, addresses,
                include_open_link=bool(form.include_open_link.data),
            ),
        )
        if sent is not None:
            return sent
    invited_on = invitations.first_invitation_on(engagement, chosen)
    return render_template(
        "respondents/remind.html",
        engagement=engagement,
        audience=chosen,
        label=AUDIENCE_LABELS.get(chosen, str(chosen)),
        form=form,
        problems=problems,
        can_send=settings is not None,
        unverified=not verified and _settings_or_none() is not None,
        unverified_message=invitations.UNVERIFIED,
        invited_on=invited_on,
        reminder=links.reminder_for(engagement.id, chosen),
        subject="Reminder: " + invitations.invitation_subject(engagement, chosen),
        preview=(
            invitations.reminder_body(
                engagement, chosen, invited_on, "(the open link, if you tick the box)"
            )
            if invited_on
            else None
        ),
    ), (400 if form.errors else 200)
