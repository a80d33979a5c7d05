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
from flask_login import current_user, login_required
from wtforms import SelectChoice

from assess.engagements import services
from assess.engagements.forms import EngagementForm
from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.loader import discover_instruments
from assess.respondents import services as respondent_services
from assess.results.service import response_counts

bp = Blueprint("engagements", __name__)


def engagement_for(engagement_id: int, *, manage: bool = False) -> Engagement:
    """The engagement if the signed-in user may see it (and manage it, if asked)."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or not services.can_view(current_user, engagement):
        abort(404, description="There is no such engagement, or it is not shared with you.")
    if manage and not current_user.can_manage:
        abort(403, description="Only consultants and administrators can change engagements.")
    return engagement


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    engagements = services.visible_engagements(current_user)
    return render_template("engagements/index.html", engagements=engagements)


@bp.route("/engagements/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    if not current_user.can_manage:
        abort(403, description="Only consultants and administrators can create engagements.")
    form = EngagementForm()
    available = [i for i in discover_instruments() if i.valid]
    form.instrument.choices = [SelectChoice(i.id, f"{i.title} ({i.version})") for i in available]
    if request.method == "GET":
        form.instrument.data = services.DEFAULT_INSTRUMENT
    if form.validate_on_submit():
        try:
            engagement = services.create_engagement(
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
    return render_template("engagements/new.html", form=form)


@bp.get("/engagements/<int:engagement_id>")
@login_required
def detail(engagement_id: int):  # type: ignore[no-untyped-def]
    engagement = engagement_for(engagement_id)
    return render_template(
        "engagements/detail.html",
        engagement=engagement,
        instrument=engagement.instrument(),
        counts=response_counts(engagement.id),
    )


@bp.post("/engagements/<int:engagement_id>/status")
@login_required
def change_status(engagement_id: int):  # type: ignore[no-untyped-def]
    engagement = engagement_for(engagement_id, manage=True)
    try:
        status = Status(request.form.get("status", ""))
        services.set_status(engagement, status)
        if status == Status.OPEN:
            for audience in engagement.instrument().audiences():
                respondent_services.open_link(engagement, audience)
    except ValueError as error:
        message = str(error) if isinstance(error, services.EngagementError) else (
            "That is not a status an engagement can have."
        )
        flash(message, "error")
    else:
        db.session.commit()
        flash(f"The engagement is now {engagement.status}.")
    return redirect(url_for(".detail", engagement_id=engagement.id))
