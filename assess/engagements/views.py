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
from assess.engagements import readers, sections, services
from assess.engagements import settings as engagement_settings
from assess.engagements.access import (
    engagement_for,
    exportable_audiences,
    require_actor,
    visible_engagements,
)
from assess.engagements.forms import (
    ConfirmForm,
    DeleteEngagementForm,
    EngagementForm,
    NextWaveForm,
    OpenLinkMailingForm,
    SettingsForm,
)
from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.loader import discover_instruments
from assess.organisations import deletion
from assess.reports.settings import engagement_logo
from assess.respondents import links as respondent_links
from assess.respondents.panel import links_panel
from assess.results.dashboard import SORTS, dashboard
from assess.results.participation import engagement_participation, responses_per_day
from assess.results.service import response_counts
from assess.sharing.panel import share_panel
from assess.transfer.jobs import recent_import_jobs
from assess.transfer.services import import_batches

bp = Blueprint("engagements", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    actor = require_actor()
    if actor.can_manage:
        # The dashboard: sorted and filtered by the query string (docs/results.md).
        return render_template(
            "engagements/index.html", actor=actor,
            board=dashboard(actor.workspace.id, request.args), sorts=SORTS,
        )
    # A reader's landing page: what has been shared with them here (released only).
    return render_template(
        "engagements/shared.html", engagements=visible_engagements(actor), actor=actor
    )


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
    tab = request.args.get("tab", sections.OVERVIEW)
    if tab not in sections.SECTION_KEYS:
        abort(404, description="The engagement page has no such section.")
    return _engagement_page(engagement, tab)


def _engagement_page(
    engagement: Engagement,
    tab: str,
    *,
    settings_form: SettingsForm | None = None,
    wave_form: NextWaveForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """One section of the engagement page. The view builds the section's panels
    and passes them in: the templates run no queries. A reader has one page."""
    actor = require_actor()
    manage = actor.can_manage
    if not manage:
        tab = sections.OVERVIEW
    mails = mail_settings() is not None and actor.workspace.verified_at is not None
    context: dict[str, object] = {}
    if manage and tab == sections.OVERVIEW:
        # Response rates, the open-link mailing counts and responses per day
        # (templates/engagements/_response_rates.html).
        context["participation"] = engagement_participation(engagement)
        context["daily"] = responses_per_day(engagement)
        context["mailing_form"] = OpenLinkMailingForm(
            formdata=None, prefix="mailed",
            staff=engagement.staff_invited, customer=engagement.customer_invited,
        )
    if manage and tab == "respondents":
        context["links_panel"] = links_panel(engagement)
    if manage and tab == "data":
        context["export_audiences"] = exportable_audiences(engagement)
        context["imports"] = import_batches(engagement)
        context["import_jobs"] = recent_import_jobs(engagement.id)  # background imports
    if manage and tab == "report":
        context["report_logo"] = engagement_logo(engagement.id)
        context["release_panel"] = readers.release_panel(engagement, mails=mails)
        context["release_form"] = ConfirmForm(formdata=None)
        context["share_panel"] = share_panel(engagement)
    if manage and tab == "settings":
        responses = engagement_settings.response_total(engagement)
        if settings_form is None:
            settings_form = SettingsForm(
                formdata=None, prefix="settings", name=engagement.name,
                anonymity_threshold=engagement.anonymity_threshold, instrument="",
            )
        _instrument_choices(settings_form, engagement, offered=responses == 0)
        newest = engagement_settings.newest_instrument(engagement)
        if wave_form is None:
            wave_form = NextWaveForm(
                formdata=None, prefix="wave", name=engagement_settings.next_wave_name(engagement)
            )
        context.update(
            settings_form=settings_form,
            wave_form=wave_form,
            response_total=responses,
            newest_instrument=newest,
        )
    return render_template(
        "engagements/detail.html",
        engagement=engagement,
        instrument=engagement.instrument(),
        counts=response_counts(engagement.id),
        sections=sections.SECTIONS,
        anchor_map=sections.anchor_map(),
        tab=tab,
        **context,
    ), status


def _instrument_choices(form: SettingsForm, engagement: Engagement, *, offered: bool) -> None:
    """The instruments the engagement may change to: its own snapshot first, then
    each valid instrument's current version; none once a response exists."""
    own = engagement.snapshot
    form.instrument.choices = [SelectChoice("", f"Keep {own.instrument_id} {own.version}")]
    if offered:
        form.instrument.choices += [
            SelectChoice(i.id, f"{i.title} ({i.version}, current)")
            for i in discover_instruments() if i.valid
        ]


@bp.post("/engagements/<int:engagement_id>/settings")
@login_required
def save_settings(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    form = SettingsForm(prefix="settings")
    responses = engagement_settings.response_total(engagement)
    _instrument_choices(form, engagement, offered=responses == 0)
    if form.validate_on_submit():
        try:
            done = engagement_settings.update_settings(
                engagement,
                name=form.name.data or "",
                anonymity_threshold=int(form.anonymity_threshold.data or 0),
                instrument_id=form.instrument.data or None,
            )
        except services.EngagementError as error:
            db.session.rollback()
            engagement = engagement_for(engagement_id, manage=True)
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"Settings saved: {done.describe()}." if done.changes
                else "Nothing to save: the settings were already these."
            )
            return redirect(sections.section_url(engagement.id, "settings"))
    return _engagement_page(engagement, "settings", settings_form=form, status=400)


@bp.post("/engagements/<int:engagement_id>/next-wave")
@login_required
def next_wave(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    form = NextWaveForm(prefix="wave")
    if form.validate_on_submit():
        try:
            wave = engagement_settings.create_next_wave(
                engagement, name=form.name.data or "", newest_version=bool(form.newest_version.data)
            )
        except services.EngagementError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash(
                f"Engagement {wave.id}, {wave.name}, is the next wave of {engagement.name}, "
                f"on {wave.snapshot.instrument_id} {wave.snapshot.version}. It is a draft: "
                "open it to make its links and collect answers."
            )
            return redirect(url_for(".detail", engagement_id=wave.id))
    return _engagement_page(engagement, "settings", wave_form=form, status=400)


@bp.get("/engagements/<int:engagement_id>/close")
@login_required
def confirm_close(engagement_id: int) -> ResponseReturnValue:
    """What closing does, and the button that does it (posts to ``change_status``)."""
    engagement = engagement_for(engagement_id, manage=True)
    if engagement.status != Status.OPEN:
        flash(f"The engagement is {engagement.status}: there is nothing to close.", "error")
        return redirect(url_for(".detail", engagement_id=engagement.id))
    return render_template(
        "engagements/close.html", engagement=engagement, counts=response_counts(engagement.id),
        instrument=engagement.instrument(),
    )


@bp.route("/engagements/<int:engagement_id>/delete", methods=["GET", "POST"])
@login_required
def delete(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    form = DeleteEngagementForm()
    status = 200
    if form.validate_on_submit():
        if (form.name.data or "").strip() != engagement.name:
            form.name.errors = [
                *form.name.errors,
                "That is not the engagement's name: type it exactly as shown to delete it.",
            ]
        else:
            done = deletion.delete_engagement(engagement)
            db.session.commit()
            flash(f"{done.name} is deleted, with {done.holdings.describe_engagement()}.")
            return redirect(url_for(".index"))
    if request.method == "POST":
        status = 400
    return render_template(
        "engagements/delete.html",
        engagement=engagement,
        form=form,
        holdings=deletion.engagement_holdings(engagement),
    ), status


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
