"""The consultant's import and export, on the engagement page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from assess.audit.log import record
from assess.engagements.access import engagement_for, exportable_audiences, may_export_answers
from assess.engagements.models import Engagement
from assess.engagements.sections import section_url
from assess.extensions import db
from assess.jobs.queue import dispatch, job_view
from assess.transfer import jobs as import_jobs
from assess.transfer import services
from assess.transfer.forms import RemoveImportForm
from assess.transfer.services import CellError, TransferError

bp = Blueprint("transfer", __name__)

#: How often an import's page reloads itself while the job runs.
REFRESH_SECONDS = 3


@bp.post("/engagements/<int:engagement_id>/responses/import")
@login_required
def import_file(engagement_id: int) -> ResponseReturnValue:
    """Store the file and queue its import; the job's page shows how it goes."""
    engagement = engagement_for(engagement_id, manage=True)
    back = redirect(section_url(engagement.id, "imports"))
    try:
        upload = request.files.get("file")
        audience = request.form.get("audience", "")
        data = upload.stream.read() if upload is not None and upload.filename else b""
    except RequestEntityTooLarge:
        limit = (request.max_content_length or 0) // (1024 * 1024)
        flash(
            f"The file is larger than {limit} MB, the most one import takes. Split it into "
            "several files (rows already imported are skipped) or use `assess responses import`.",
            "error",
        )
        return back
    if upload is None or not upload.filename:
        flash("Choose a CSV or Excel file to import.", "error")
        return back
    try:
        job = import_jobs.start_import(engagement, audience, data, upload.filename,
                                       user_id=current_user.id)
    except TransferError as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    db.session.commit()
    dispatch(job.id)
    return redirect(url_for(".import_job", engagement_id=engagement.id, job_id=job.id))


@bp.get("/engagements/<int:engagement_id>/imports/jobs/<int:job_id>")
@login_required
def import_job(engagement_id: int, job_id: int) -> ResponseReturnValue:
    """An import's progress, then its outcome: the summary, or the file's bad cells.
    Refreshes itself (no JavaScript) until the job has finished."""
    engagement = engagement_for(engagement_id, manage=True)
    job = job_view(job_id, engagement_id=engagement.id)
    if job is None or job.task != import_jobs.IMPORT_TASK:
        abort(404, description="This engagement has no such import.")
    return render_template(
        "transfer/import_job.html", engagement=engagement, job=job, message=job.message,
        filename=services.shown_name(job.arguments.get("filename", "")),
        errors=[CellError(**e) for e in job.outcome.get("errors", [])],
        total=job.outcome.get("total", 0), refresh_seconds=REFRESH_SECONDS,
        # A page that reloads itself must let a person stop it (WCAG 2.2.1).
        refreshing=not job.finished and request.args.get("refresh") != "off",
    )


@bp.route("/engagements/<int:engagement_id>/imports/<int:batch_id>/remove",
          methods=["GET", "POST"])
@login_required
def remove_import(engagement_id: int, batch_id: int) -> ResponseReturnValue:
    """Removing an import: a page that names the file and what goes, then the
    confirmed POST deletes exactly its responses."""
    engagement = engagement_for(engagement_id, manage=True)
    batch = services.find_import(engagement, batch_id)
    if batch is None:
        abort(404, description="This engagement has no such import: it may have been removed.")
    form = RemoveImportForm()
    if form.validate_on_submit():
        try:
            removed = services.remove_import(engagement, batch.id)
        except TransferError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(section_url(engagement.id, "imports"))
        db.session.commit()
        flash(
            f"Removed the import of {removed.filename}: {removed.responses:,} "
            f"{removed.audience} response{'s' if removed.responses != 1 else ''} deleted. "
            "The results and reports now leave them out."
        )
        return redirect(section_url(engagement.id, "imports"))
    return render_template(
        "transfer/remove_import.html", engagement=engagement, batch=batch, form=form,
    ), (400 if form.errors else 200)


def _refuse_unexportable(engagement: Engagement, audiences: list[str]) -> None:
    if not all(may_export_answers(engagement, a) for a in audiences):
        abort(
            403,
            description="Staff answers of a company's own survey are never exported: its "
            "staff were told their employer sees only results of groups large enough to "
            "hide anyone.",
        )


def _record_export(engagement: Engagement, what: str) -> None:
    record("export", workspace_id=engagement.organisation.workspace_id,
           organisation_id=engagement.organisation_id, engagement_id=engagement.id, detail=what)
    db.session.commit()


@bp.get("/engagements/<int:engagement_id>/responses.csv")
@login_required
def export_csv(engagement_id: int) -> ResponseReturnValue:
    # Row-level answers are for consultants only: clients see suppressed results.
    engagement = engagement_for(engagement_id, manage=True)
    audience = request.args.get("audience", "")
    _refuse_unexportable(engagement, [audience])
    try:
        services.check_audience(engagement, audience)
        # Recorded (and committed) before the answers' query streams.
        _record_export(engagement, f"{audience} answers, CSV")
        rows = services.export_rows(engagement, audience)
        header = next(rows)  # checks the audience before the response starts
    except TransferError as error:
        flash(str(error), "error")
        return redirect(section_url(engagement.id, "imports"))

    def with_header() -> Iterator[list[Any]]:
        yield header
        yield from rows

    filename = services.export_filename(engagement, audience, "csv")
    return Response(
        stream_with_context(services.csv_chunks(with_header())),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.get("/engagements/<int:engagement_id>/responses.xlsx")
@login_required
def export_xlsx(engagement_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    audience = request.args.get("audience") or None
    audiences = [str(a) for a in engagement.instrument().audiences()]
    if audience is not None:
        try:
            services.check_audience(engagement, audience)
        except TransferError as error:
            flash(str(error), "error")
            return redirect(section_url(engagement.id, "imports"))
        audiences = [audience]
        _refuse_unexportable(engagement, audiences)
    else:
        audiences = exportable_audiences(engagement)
    _record_export(engagement, f"{', '.join(audiences)} answers, XLSX")
    out = io.BytesIO()  # compressed: a few MB for 100,000 responses
    services.write_xlsx({a: services.export_rows(engagement, a) for a in audiences}, out)
    out.seek(0)
    return send_file(
        out,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=services.export_filename(engagement, audience, "xlsx"),
    )
