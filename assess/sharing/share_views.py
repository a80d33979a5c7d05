"""Share links: the consultant's side (make, revoke) and the public side (``/s/<token>``).

The public pages are read-only: the results page and the PDF of one released
report, with the comments only when the link was made with them. They link to
no signed-in page, send no referrer (the token is in the address), ask not to be
indexed, and answer every wrong token (malformed, unknown, expired, revoked, or
of an engagement whose release was withdrawn) with the same 404 page.
"""

from __future__ import annotations

from datetime import date

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
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from assess.engagements.access import engagement_for
from assess.engagements.sections import section_url
from assess.extensions import db
from assess.headers import style_nonce
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
from assess.reports.settings import logo_image
from assess.sharing import links
from assess.sharing.links import SharedReport, ShareLinkError

bp = Blueprint("sharing", __name__)
public_bp = Blueprint("shared", __name__, url_prefix="/s")

PANEL_ANCHOR = "#share-links"

#: The shared pages load only our own CSS, fonts and the logo, and post nowhere.
SHARED_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


def shared_policy(nonce: str | None) -> str:
    """Only our own CSS, fonts and the logo; the accent colour's inline ``<style>``
    by this response's nonce (no 'unsafe-inline'); posting nowhere."""
    styles = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        f"default-src 'none'; style-src {styles}; font-src 'self'; "
        "img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    )


# -- the consultant's side ------------------------------------------------------------


def _chosen_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@bp.post("/engagements/<int:engagement_id>/share-links")
@login_required
def create(engagement_id: int) -> ResponseReturnValue:
    """Make a link and show its address, once."""
    engagement = engagement_for(engagement_id, manage=True)
    form = request.form
    chosen = form.get("expires_on", "")
    try:
        made = links.create_share_link(
            engagement,
            # A date filled in is the choice, whichever button is ticked.
            expiry=links.EXPIRY_DATE if chosen.strip() else form.get("expiry", ""),
            chosen_date=_chosen_date(chosen),
            with_comments=form.get("with_comments") == "1",
            label=form.get("label", ""),
            created_by=current_user.id,
        )
    except ShareLinkError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(section_url(engagement.id, PANEL_ANCHOR))
    db.session.commit()
    response = Response(
        render_template(
            "sharing/created.html",
            engagement=engagement,
            link=made.link,
            url=made.url,
        ),
        201,
    )
    response.headers["Cache-Control"] = "no-store"  # the token is shown once
    return response


@bp.post("/engagements/<int:engagement_id>/share-links/<int:link_id>/revoke")
@login_required
def revoke(engagement_id: int, link_id: int) -> ResponseReturnValue:
    engagement = engagement_for(engagement_id, manage=True)
    link = links.engagement_share_link(engagement, link_id)
    if link is None:
        abort(404, description="This engagement has no such share link.")
    if links.revoke_share_link(link, engagement):
        db.session.commit()
        flash("The share link is revoked: it no longer opens the report.")
    else:
        flash("That share link was revoked already.")
    return redirect(section_url(engagement.id, PANEL_ANCHOR))


# -- the public side --------------------------------------------------------------------


class WrongShareLink(NotFound):
    """Any token that does not open a shared report."""


def _shared(token: str) -> SharedReport:
    shared = links.find_share_link(token)
    if shared is None:
        raise WrongShareLink()
    return shared


@public_bp.after_request
def _headers(result: WerkzeugResponse) -> WerkzeugResponse:
    for name, value in SHARED_HEADERS.items():
        result.headers.setdefault(name, value)
    result.headers.setdefault("Content-Security-Policy", shared_policy(style_nonce()))
    return result


@public_bp.errorhandler(404)
def _not_found(error: Exception) -> ResponseReturnValue:
    # The same bytes whatever was wrong with the token.
    return render_template("sharing/not_found.html"), 404


@public_bp.route("/", methods=["GET", "POST"])
@public_bp.route("/<path:anything>", methods=["GET", "POST"])
def wrong_address(anything: str = "") -> ResponseReturnValue:
    """Whatever else is typed under /s/: the same page as any wrong token."""
    return render_template("sharing/not_found.html"), 404


@public_bp.get("/<token>")
def results(token: str) -> ResponseReturnValue:
    """The results page of the shared report, read-only."""
    shared = _shared(token)
    engagement = shared.engagement
    data = report_for(
        engagement, released_only=True, with_comments=shared.link.with_comments
    )
    links.record_use(shared, "results page")
    db.session.commit()
    return render_template(
        "sharing/results.html",
        report=data,
        fmt=FORMATS,
        chart=ChartSink(inline=True),
        token=token,
        expires_on=shared.link.expires_at,
        logo_src=url_for(".logo", token=token) if data.logo else None,
    )


@public_bp.get("/<token>/report.pdf")
def report_pdf(token: str) -> ResponseReturnValue:
    shared = _shared(token)
    page_size = request.args.get("page_size", "a4")
    if page_size not in PAGE_SIZE_NAMES:
        page_size = "a4"
    engagement = shared.engagement
    with_comments = shared.link.with_comments
    if rendering_in_background():
        cached = find_cached_report(engagement, page_size, released_only=True,
                                    with_comments=with_comments)
        if cached.pdf is None:
            job, new = prerender.queue_download(
                engagement.id, cached.key, page_size, released_only=True,
                with_comments=with_comments, user_id=None,
                retry=request.args.get("retry") == "1",
            )
            db.session.commit()
            if new:
                dispatch(job.id)
            return redirect(url_for(".report_job", token=token, job_id=job.id), 303)
        pdf = cached.pdf
    else:
        pdf = engagement_report_pdf(
            engagement, page_size, released_only=True, with_comments=with_comments
        )
    links.record_use(shared, f"PDF ({page_size})")
    db.session.commit()
    suffix = "" if page_size == "a4" else f"-{page_size}"
    filename = f"gap-report-engagement-{engagement.id}{suffix}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@public_bp.get("/<token>/report/jobs/<int:job_id>")
def report_job(token: str, job_id: int) -> ResponseReturnValue:
    """The shared PDF being prepared: its progress, then the download."""
    shared = _shared(token)
    job = job_view(job_id, engagement_id=shared.engagement.id)
    if job is None or not prerender.is_download(job.task, job.arguments):
        raise WrongShareLink()
    return preparing_page(
        job, download=".report_pdf", token=token,
        page_url=url_for(".report_job", token=token, job_id=job.id),
        back_url=url_for(".results", token=token), back_label="Back to the results",
    )


@public_bp.get("/<token>/logo")
def logo(token: str) -> ResponseReturnValue:
    """The cover's logo (not counted as a use: the page that shows it was)."""
    shared = _shared(token)
    found = logo_image(shared.engagement.id)
    if found is None:
        raise WrongShareLink()
    return Response(found.content, mimetype=found.logo.media_type)
