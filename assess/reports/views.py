from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import login_required

from assess.engagements.views import engagement_for
from assess.reports.data import report_data
from assess.reports.pdf import PAGE_SIZES
from assess.reports.service import engagement_report_pdf
from assess.results.service import engagement_results

bp = Blueprint("reports", __name__)


@bp.get("/engagements/<int:engagement_id>/report.pdf")
@login_required
def download(engagement_id: int):  # type: ignore[no-untyped-def]
    engagement = engagement_for(engagement_id)
    page_size = request.args.get("page_size", "a4")
    if page_size not in PAGE_SIZES:
        abort(400, description="The page size must be 'a4' or 'letter'.")
    pdf = engagement_report_pdf(engagement, page_size)
    filename = f"gap-report-engagement-{engagement.id}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/engagements/<int:engagement_id>/results")
@login_required
def results(engagement_id: int):  # type: ignore[no-untyped-def]
    """The same report on screen."""
    engagement = engagement_for(engagement_id)
    data = report_data(engagement, engagement_results(engagement))
    return render_template("report/screen.html", report=data, engagement_id=engagement.id)
