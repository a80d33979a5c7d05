from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates it

from assess.accounts.emails import mail_settings
from assess.engagements import readers, services
from assess.engagements.access import (
    engagement_for,
    exportable_audiences,
    require_actor,
    visible_engagements,
)
from assess.engagements.forms import ConfirmForm, EngagementForm
from assess.engagements.models import Status
from assess.extensions import db
from assess.instruments.loader import discover_instruments
from assess.reports.settings import engagement_logo
from assess.respondents import links as respondent_links
from assess.respondents.panel import links_panel
from assess.results.service import response_counts
from assess.sharing.panel import share_panel
from assess.transfer.services import import_batches

bp = Blueprint("engagements", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    actor = require_actor()
    # A reader's landing page: what has been shared with them here (released only).
    template = "engagements/index.html" if actor.can_manage else "engagements/shared.html"
    return render_template(template, engagements=visible_engagements(actor), actor=actor)


@bp.route("/engagements/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    actor = require_actor()
    if not actor.can_manage:
        abort(403, description="Only the workspace's consultants can create engagements.")
    form = EngagementForm()
    available = [i for i in discover_instruments() if i.valid]
    form.instrument.choices = [SelectChoice(i.id, f"{i.title} ({i.version})") for i in available]
    if request.method == "GET":
        form.instrument.data = services.DEFAULT_INSTRUMENT
    if form.validate_on_submit():
        try:
            engagement = services.create_engagement(
                workspace=actor.workspace,
                organisation=form.organisation.data or "",
                name=form.name.data or "",
                instrument_id=form.instrument.data or services.DEFAULT_INSTRUMENT,
                created_by=current_user,
                anonymity_threshold=form.anonymity_threshold.data,
            )
        except services.EngagementError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Engagement {engagement.id} created. Open it to start collecting answers.")
            return redirect(url_for(".detail", engagement_id=engagement.id))
    return render_template("engagements/new.html", form=form, actor=actor)


@bp.get("/engagements/<int:engagement_id>")
@login_required
def detail(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id)
    actor = require_actor()
    manage = actor.can_manage
    mails = mail_settings() is not None and actor.workspace.verified_at is not None
    return render_template(
        "engagements/detail.html",
        engagement=engagement,
        instrument=engagement.instrument(),
        counts=response_counts(engagement.id),
        # The consultant's panels, built here: the templates only draw them.
        links_panel=links_panel(engagement) if manage else None,
        export_audiences=exportable_audiences(engagement) if manage else [],
        imports=import_batches(engagement) if manage else [],
        report_logo=engagement_logo(engagement.id) if manage else None,
        release_panel=readers.release_panel(engagement, mails=mails) if manage else None,
        release_form=ConfirmForm(formdata=None) if manage else None,
        share_panel=share_panel(engagement) if manage else None,
    )


@bp.post("/engagements/<int:engagement_id>/status")
@login_required
def change_status(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    try:
        status = Status(request.form.get("status", ""))
        respondent_links.change_status(engagement, status)
    except ValueError as error:
        message = str(error) if isinstance(error, services.EngagementError) else (
            "That is not a status an engagement can have."
        )
        flash(message, "error")
    else:
        db.session.commit()
        flash(f"The engagement is now {engagement.status}.")
    return redirect(url_for(".detail", engagement_id=engagement.id))
