"""The report: the PDF download, the same report on screen, and its settings."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from assess.audit.log import record
from assess.engagements.access import engagement_for, released_waves_only, require_actor
from assess.engagements.models import Engagement
from assess.engagements.sections import section_url
from assess.extensions import db
from assess.jobs.queue import dispatch, job_view
from assess.reports import prerender
from assess.reports.charts import ChartSink
from assess.reports.downloads import preparing_page, rendering_in_background
from assess.reports.format import FORMATS
from assess.reports.service import (
    PAGE_SIZE_NAMES,
    engagement_report_pdf,
    find_cached_report,
    report_for,
)
from assess.reports.settings import (
    LOGO_MAX_BYTES,
    ReportSettingsError,
    logo_image,
    update_report_settings,
)
from assess.results.service import response_counts

bp = Blueprint("reports", __name__)


def _nothing_to_report(engagement: Engagement) -> bool:
    """True while no response counts (rule 1, amended): a draft, or an engagement
    nobody has answered. Its report would be fifteen pages of empty sections, so the
    results page and the download explain instead (docs/report.md)."""
    return not any(c["submitted"] for c in response_counts(engagement.id).values())


def _nothing_yet_page(engagement: Engagement, *, pdf: bool) -> ResponseReturnValue:
    # 409 for the download: no PDF exists in this state, and a script fetching it
    # (curl -f) should fail rather than save an HTML page as a .pdf.
    page = render_template("report/nothing_yet.html", engagement=engagement, pdf=pdf)
    return page, 409 if pdf else 200


@bp.get("/engagements/<int:engagement_id>/report.pdf")
@login_required
def download(engagement_id: int) -> ResponseReturnValue:
    """The PDF, for consultants and the client's viewers alike: from the cache, or,
    when it must be rendered first, a page that follows its job and then offers it."""
    engagement = engagement_for(engagement_id)
    page_size = request.args.get("page_size", "a4")
    if page_size not in PAGE_SIZE_NAMES:
        abort(400, description="The page size must be 'a4' or 'letter'.")
    if _nothing_to_report(engagement):
        return _nothing_yet_page(engagement, pdf=True)
    released_only = released_waves_only(require_actor())
    if rendering_in_background():
        cached = find_cached_report(engagement, page_size, released_only=released_only)
        if cached.pdf is None:
            job, new = prerender.queue_download(
                engagement.id, cached.key, page_size, released_only=released_only,
                with_comments=True, user_id=current_user.id,
                retry=request.args.get("retry") == "1",
            )
            db.session.commit()
            if new:
                dispatch(job.id)
            return redirect(url_for(".download_job", engagement_id=engagement.id,
                                    job_id=job.id), 303)
        pdf = cached.pdf
    else:
        pdf = engagement_report_pdf(engagement, page_size, released_only=released_only)
    record("report_download", workspace_id=engagement.organisation.workspace_id,
           organisation_id=engagement.organisation_id, engagement_id=engagement.id,
           detail=f"PDF, {page_size}")
    db.session.commit()
    suffix = "" if page_size == "a4" else f"-{page_size}"
    filename = f"gap-report-engagement-{engagement.id}{suffix}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/engagements/<int:engagement_id>/report/jobs/<int:job_id>")
@login_required
def download_job(engagement_id: int, job_id: int) -> ResponseReturnValue:
    """The PDF being prepared: its progress, then the download."""
    engagement = engagement_for(engagement_id)
    job = job_view(job_id, engagement_id=engagement.id)
    if job is None or not prerender.is_download(job.task, job.arguments):
        abort(404, description="This engagement has no such report being prepared.")
    return preparing_page(
        job, download=".download", engagement_id=engagement.id,
        page_url=url_for(".download_job", engagement_id=engagement.id, job_id=job.id),
        back_url=url_for("engagements.detail", engagement_id=engagement.id),
        back_label="Back to the engagement",
    )


@bp.get("/engagements/<int:engagement_id>/results")
@login_required
def results(engagement_id: int) -> ResponseReturnValue:
    """The same report on screen."""
    engagement = engagement_for(engagement_id)
    if _nothing_to_report(engagement):
        return _nothing_yet_page(engagement, pdf=False)
    data = report_for(engagement, released_only=released_waves_only(require_actor()))
    logo_src = url_for(".logo", engagement_id=engagement.id) if data.logo else None
    return render_template(
        "report/screen.html",
        report=data,
        fmt=FORMATS,
        chart=ChartSink(inline=True),
        engagement_id=engagement.id,
        logo_src=logo_src,
    )


@bp.get("/engagements/<int:engagement_id>/report/logo")
@login_required
def logo(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id)
    found = logo_image(engagement.id)
    if found is None:
        abort(404, description="This engagement's report has no logo.")
    # At most 1 MB (checked on upload), from the database.
    return Response(
        found.content,
        mimetype=found.logo.media_type,
        headers={"Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"},
    )


@bp.post("/engagements/<int:engagement_id>/report/settings")
@login_required
def settings(engagement_id: int) -> ResponseReturnValue:
    """Save "prepared by", the accent colour and the logo (report/_settings_panel.html)."""
    engagement = engagement_for(engagement_id, manage=True)
    upload = request.files.get("logo")
    logo = None
    if upload is not None and upload.filename:
        logo = upload.stream.read(LOGO_MAX_BYTES + 1)
    try:
        changed = update_report_settings(
            engagement,
            prepared_by=request.form.get("prepared_by", ""),
            accent_colour=request.form.get("accent_colour", ""),
            logo=logo,
            remove_logo=request.form.get("remove_logo") == "1",
        )
    except ReportSettingsError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Report settings saved." if changed else "The report settings are unchanged.")
    # The section page with the panel: the confirmation shows at its top.
    return redirect(section_url(engagement.id, "report-settings"))
