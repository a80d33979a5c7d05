"""The report of an engagement as PDF bytes, cached until responses or settings change.

The cache is a folder of PDFs in the instance folder, one per engagement and
page size. A PDF's name carries everything it was made from:

- the engagement's ``revision`` (bumped by every submitted response, status
  change and report-settings change);
- the instrument snapshot's content hash;
- the previous engagement's id and revision (the trend section shows it), and
  whether it was chosen among released engagements only (a client reader's
  report, whose trend compares released waves only: ``released`` or ``all``);
- the logo file's size and modification time (belt and braces: a logo written
  but whose revision bump was rolled back);
- a fingerprint of the report's code, templates and stylesheets, so a new
  release never serves a PDF laid out by the old one.

A request for a name that exists is a file read; anything else renders anew and
replaces the engagement's older PDFs of that page size. A PDF without the comments
(a share link made without them) is a file of its own, ``…-a4-nocomments.pdf``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from flask import current_app

from assess.engagements.models import Engagement
from assess.engagements.services import previous_engagement
from assess.paths import static_dir, templates_dir
from assess.reports.data import Report, report_data
from assess.reports.settings import engagement_logo
from assess.results.service import scored_engagement

PAGE_SIZE_NAMES = ("a4", "letter")

_fingerprint: str | None = None
_fingerprint_lock = threading.Lock()


def layout_fingerprint() -> str:
    """A short hash of everything that shapes the PDF besides the data (computed once)."""
    global _fingerprint
    with _fingerprint_lock:
        if _fingerprint is None:
            digest = hashlib.sha256()
            package = Path(__file__).resolve().parent
            files = sorted(package.glob("*.py"))
            files += sorted((templates_dir() / "report").rglob("*.html"))
            files += [static_dir() / "css" / "report.css", static_dir() / "css" / "fonts.css"]
            for path in files:
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
            _fingerprint = digest.hexdigest()[:10]
        return _fingerprint


def cache_key(
    engagement: Engagement, page_size: str, earlier: Engagement | None,
    released_only: bool = False,
) -> str:
    """``earlier``: the engagement's previous engagement (the caller looked it up,
    among released engagements only when ``released_only``)."""
    waves = "released" if released_only else "all"
    previous = f"p{earlier.id}.{earlier.revision}" if earlier is not None else "p0"
    logo = engagement_logo(engagement.id)
    logo_part = "l0"
    if logo is not None:
        stat = logo.path.stat()
        logo_part = f"l{stat.st_size}.{stat.st_mtime_ns}"
    return (
        f"{waves}-r{engagement.revision}-{engagement.snapshot.content_hash[:12]}-{previous}-"
        f"{logo_part}-{layout_fingerprint()}"
    )


def cache_variant(page_size: str, with_comments: bool = True) -> str:
    """The end of a cached PDF's name: the page size, and whether comments are left out."""
    return page_size if with_comments else f"{page_size}-nocomments"


def cache_path(
    engagement: Engagement, page_size: str, earlier: Engagement | None,
    released_only: bool = False, with_comments: bool = True,
) -> Path:
    folder = Path(current_app.instance_path) / "reports"
    key = cache_key(engagement, page_size, earlier, released_only)
    variant = cache_variant(page_size, with_comments)
    return folder / f"engagement-{engagement.id}-{key}-{variant}.pdf"


def engagement_report(
    engagement: Engagement, earlier: Engagement | None, *, with_comments: bool = True
) -> Report:
    """The report's data; ``earlier`` is the previous engagement, looked up once by
    the caller and scored once here, for both the trend and the report."""
    results, earlier_results = scored_engagement(engagement, earlier)
    previous = None if earlier is None or earlier_results is None else (earlier, earlier_results)
    return report_data(engagement, results, previous=previous, with_comments=with_comments)


def report_for(
    engagement: Engagement, *, released_only: bool = False, with_comments: bool = True
) -> Report:
    """The report's data for the screen page: one look-up of the previous engagement
    (among released ones only, for a client reader: ``released_only``);
    ``with_comments=False`` leaves the open answers out (a share link's choice)."""
    return engagement_report(
        engagement, previous_engagement(engagement, released_only=released_only),
        with_comments=with_comments,
    )


def build_report_pdf(
    engagement: Engagement, page_size: str = "a4", earlier: Engagement | None = None,
    *, with_comments: bool = True,
) -> bytes:
    """Render the report now, without the cache (``earlier``: see :func:`engagement_report`)."""
    from assess.reports.pdf import render_report_pdf  # imports WeasyPrint

    report = engagement_report(engagement, earlier, with_comments=with_comments)
    return render_report_pdf(report, page_size=page_size)


def engagement_report_pdf(
    engagement: Engagement, page_size: str = "a4", *, released_only: bool = False,
    with_comments: bool = True,
) -> bytes:
    """The report PDF, from the cache when nothing it depends on has changed;
    ``released_only``: the trend compares released waves only (a client reader's);
    ``with_comments=False``: without the open answers (a share link's choice)."""
    if page_size not in PAGE_SIZE_NAMES:
        raise ValueError(f"The page size must be one of {', '.join(PAGE_SIZE_NAMES)}.")
    # The one look-up, for the key and the trend.
    earlier = previous_engagement(engagement, released_only=released_only)
    if not current_app.config["REPORT_CACHE"]:
        return build_report_pdf(engagement, page_size, earlier, with_comments=with_comments)
    path = cache_path(engagement, page_size, earlier, released_only, with_comments)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = build_report_pdf(engagement, page_size, earlier, with_comments=with_comments)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_bytes(pdf)
    temporary.replace(path)  # atomic: a reader never sees half a file
    # Older PDFs of the same kind go (a consultant's and a reader's PDF both stay).
    waves = "released" if released_only else "all"
    variant = cache_variant(page_size, with_comments)
    for stale in path.parent.glob(f"engagement-{engagement.id}-{waves}-*-{variant}.pdf"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return pdf


def forget_engagement_files(engagement_id: int) -> None:
    """Remove the engagement's cached reports and logo from the instance folder
    (when the engagement is deleted: a later engagement may get its id)."""
    folder = Path(current_app.instance_path) / "reports"
    for cached in folder.glob(f"engagement-{engagement_id}-*.pdf"):
        cached.unlink(missing_ok=True)
    logo = engagement_logo(engagement_id)
    if logo is not None:
        logo.path.unlink(missing_ok=True)
