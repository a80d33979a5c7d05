"""The open-link mailing counts of an engagement (owners and consultants): how many
people the consultant sent each audience's open link, for the response rate
(:mod:`assess.results.participation`). Each change is audit-logged."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from assess.audit.log import record
from assess.engagements.access import engagement_for
from assess.engagements.forms import OpenLinkMailingForm
from assess.extensions import db
from assess.results.participation import mailing_count, set_mailing_count
from assess.scoring.model import AUDIENCE_LABELS

bp = Blueprint("participation", __name__)


@bp.post("/engagements/<int:engagement_id>/open-link-mailings")
@login_required
def open_link_mailings(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    here = url_for("engagements.detail", engagement_id=engagement.id)
    form = OpenLinkMailingForm(prefix="mailed")
    if not form.validate_on_submit():
        problems = [f"{form[name].label.text}: {error}"
                    for name, errors in form.errors.items() if name in ("staff", "customer")
                    for error in errors]
        flash(" ".join(problems) or "The form has expired: try again.", "error")
        return redirect(here)
    changes = []
    for audience in (str(a) for a in engagement.instrument().audiences()):
        count = form[audience].data
        before = mailing_count(engagement, audience)
        if count == before:
            continue
        set_mailing_count(engagement, audience, count)
        shown = "not known" if count is None else str(count)
        changes.append(f"{AUDIENCE_LABELS[audience].lower()} {shown}")
    if not changes:
        flash("Nothing changed.")
        return redirect(here)
    record("open_link_mailing", workspace_id=engagement.organisation.workspace_id,
           organisation_id=engagement.organisation_id, engagement_id=engagement.id,
           detail="open link sent to: " + ", ".join(changes))
    db.session.commit()
    flash("Open-link mailing counts saved: " + ", ".join(changes) + ".")
    return redirect(here)
