"""The report of an engagement as PDF bytes, cached until responses or settings change."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from assess.engagements.models import Engagement
from assess.reports.data import report_data
from assess.reports.pdf import render_report_pdf
from assess.results.service import engagement_results


def cache_path(engagement: Engagement, page_size: str) -> Path:
    folder = Path(current_app.instance_path) / "reports"
    # The revision changes with every submitted response and every settings change;
    # the snapshot hash pins the instrument content the numbers came from.
    name = (
        f"engagement-{engagement.id}-r{engagement.revision}-"
        f"{engagement.snapshot.content_hash[:12]}-{page_size}.pdf"
    )
    return folder / name


def engagement_report_pdf(engagement: Engagement, page_size: str = "a4") -> bytes:
    path = cache_path(engagement, page_size)
    use_cache = current_app.config["REPORT_CACHE"]
    if use_cache and path.is_file():
        return path.read_bytes()
    pdf = render_report_pdf(
        report_data(engagement, engagement_results(engagement)), page_size=page_size
    )
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f"engagement-{engagement.id}-r*-{page_size}.pdf"):
            stale.unlink(missing_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(pdf)
        temporary.replace(path)  # atomic: a reader never sees half a file
    return pdf
