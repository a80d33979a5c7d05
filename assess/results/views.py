from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from assess.engagements.views import engagement_for
from assess.reports.data import report_data
from assess.results.service import engagement_results

bp = Blueprint("results", __name__)


@bp.get("/engagements/<int:engagement_id>/results")
@login_required
def show(engagement_id: int):  # type: ignore[no-untyped-def]
    engagement = engagement_for(engagement_id)
    data = report_data(engagement, engagement_results(engagement))
    return render_template("report/screen.html", report=data, engagement_id=engagement.id)
