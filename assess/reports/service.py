"""The report of an engagement as PDF bytes, cached until responses or settings change.

The cache is kept in the database, as the engagement's files of kind ``report``
(:mod:`assess.engagements.files`): a database never sees another's cached reports,
and deleting an engagement deletes them (``ON DELETE CASCADE``). The instance
folder's old ``reports/`` is not read or written any more. A cached PDF's key
carries everything it was made from:

- which PDF it is (its *slot*): the page size, whether comments are left out (a
  share link made without them: ``a4-nocomments``) and whether the trend compares
  released engagements only (a client reader's report: ``released``, else ``all``);
- the engagement's ``revision`` (bumped by every submitted response, status
  change and report-settings change);
- the instrument snapshot's content hash;
- the previous engagement's id and revision (the trend section shows it);
- the numbers invited per audience (the response rates);
- the logo's content hash (``l0``: no logo), so a PDF never shows another logo
  than the one stored now;
- a fingerprint of the report's code, templates and stylesheets, so a new
  release never serves a PDF laid out by the old one.

A request for a key that is stored is one read of its bytes; anything else renders
anew, stores the PDF and removes the older PDFs of that slot, so each engagement
keeps at most one PDF per slot. Storing is flushed in a savepoint, and the caller
commits (a download commits with its audit entry); when a concurrent request
stored the same PDF first, its copy stands.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import IntegrityError

from assess.engagements import files
from assess.engagements.files import FileKind
from assess.engagements.models import Engagement
from assess.engagements.services import previous_engagement
from assess.extensions import db
from assess.paths import static_dir, templates_dir
from assess.reports.data import Report, report_data
from assess.reports.settings import engagement_logo
from assess.results.participation import invited_counts
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


def cache_slot(page_size: str, released_only: bool = False, with_comments: bool = True) -> str:
    """Which of an engagement's PDFs a key names: ``all-a4``, ``released-letter``,
    ``all-a4-nocomments``... Each slot keeps only its newest PDF."""
    waves = "released" if released_only else "all"
    variant = page_size if with_comments else f"{page_size}-nocomments"
    return f"{waves}-{variant}"


def cache_key(
    engagement: Engagement, page_size: str, earlier: Engagement | None,
    released_only: bool = False, with_comments: bool = True,
) -> str:
    """The cached PDF's key: its slot, then everything it was made from.
    ``earlier``: the engagement's previous engagement (the caller looked it up,
    among released engagements only when ``released_only``)."""
    previous = f"p{earlier.id}.{earlier.revision}" if earlier is not None else "p0"
    logo = engagement_logo(engagement.id)
    logo_part = "l0" if logo is None else f"l{logo.sha256[:16]}"
    # The numbers invited (personal links issued or withdrawn, mailing counts) move
    # the response rates without touching the revision.
    invited = invited_counts([engagement])[engagement.id]
    invited_part = "i" + ".".join("-" if n is None else str(n) for n in invited.values())
    # The interim mark depends on the status and the latest response counted: the
    # revision moves with both, the status is named as well so a PDF made while
    # fieldwork was open is never served once it has closed.
    return (
        f"{cache_slot(page_size, released_only, with_comments)}/"
        f"r{engagement.revision}-{engagement.status}-"
        f"{engagement.snapshot.content_hash[:12]}-{previous}-"
        f"{logo_part}-{invited_part}-{layout_fingerprint()}"
    )


def cached_reports(engagement_id: int) -> list[str]:
    """The keys of the engagement's cached PDFs (for tests and the curious)."""
    return files.keys(engagement_id, FileKind.REPORT)


def store_cached_report(engagement_id: int, key: str, pdf: bytes) -> None:
    """Keep ``pdf`` under ``key`` and drop the older PDFs of its slot. Flushed in
    a savepoint: when another request stored this key first, its copy stands."""
    slot = key.partition("/")[0]
    try:
        with db.session.begin_nested():
            files.remove(engagement_id, FileKind.REPORT, key_prefix=f"{slot}/", keep=key)
            files.store(engagement_id, FileKind.REPORT, key, pdf, "application/pdf")
    except IntegrityError:
        pass


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


@dataclass(frozen=True)
class CachedReport:
    """A report PDF looked for in the cache: its key, and the PDF when it is there."""

    key: str
    pdf: bytes | None


def find_cached_report(
    engagement: Engagement, page_size: str, *, released_only: bool = False,
    with_comments: bool = True,
) -> CachedReport:
    """The cache's PDF for this engagement and variant, if it holds one for the
    data as it is now (the key says what it was made from)."""
    if page_size not in PAGE_SIZE_NAMES:
        raise ValueError(f"The page size must be one of {', '.join(PAGE_SIZE_NAMES)}.")
    earlier = previous_engagement(engagement, released_only=released_only)
    key = cache_key(engagement, page_size, earlier, released_only, with_comments)
    return CachedReport(key, files.content(engagement.id, FileKind.REPORT, key))


def engagement_report_pdf(
    engagement: Engagement, page_size: str = "a4", *, released_only: bool = False,
    with_comments: bool = True,
) -> bytes:
    """The report PDF, from the cache when nothing it depends on has changed;
    ``released_only``: the trend compares released waves only (a client reader's);
    ``with_comments=False``: without the open answers (a share link's choice).
    A PDF rendered here is stored and flushed: the caller commits."""
    if page_size not in PAGE_SIZE_NAMES:
        raise ValueError(f"The page size must be one of {', '.join(PAGE_SIZE_NAMES)}.")
    # The one look-up, for the key and the trend.
    earlier = previous_engagement(engagement, released_only=released_only)
    if not current_app.config["REPORT_CACHE"]:
        return build_report_pdf(engagement, page_size, earlier, with_comments=with_comments)
    key = cache_key(engagement, page_size, earlier, released_only, with_comments)
    cached = files.content(engagement.id, FileKind.REPORT, key)
    if cached is not None:
        return cached
    pdf = build_report_pdf(engagement, page_size, earlier, with_comments=with_comments)
    store_cached_report(engagement.id, key, pdf)
    return pdf
