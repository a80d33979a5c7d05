"""An organisation's data as a whole: ``/organisations/<id>/export.zip`` (owners and
consultants) and ``/organisations/<id>/delete`` (owners, after typing its name).
Another workspace's organisation answers 404, as everywhere; a reader's 403."""

from __future__ import annotations

import tempfile

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from assess.audit import log
from assess.engagements.access import organisation_for
from assess.extensions import db
from assess.organisations import deletion, export
from assess.organisations.forms import DeleteOrganisationForm

bp = Blueprint("organisation_data", __name__)

#: A zip larger than this is written to a temporary file rather than kept in memory.
IN_MEMORY_BYTES = 32 * 1024 * 1024


@bp.get("/organisations/<int:organisation_id>/export.zip")
@login_required
def export_zip(organisation_id: int) -> ResponseReturnValue:
    organisation = organisation_for(organisation_id)
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - send_file closes it
    summary = export.write_organisation_zip(organisation, out)
    log.record(
        "organisation_export",
        workspace_id=organisation.workspace_id,
        organisation_id=organisation.id,
        detail=f"{organisation.name}: {summary.engagements} engagements, {summary.files} files",
    )
    db.session.commit()
    out.seek(0)
    response = send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=export.zip_name(organisation),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/organisations/<int:organisation_id>/delete", methods=["GET", "POST"])
@login_required
def delete(organisation_id: int) -> ResponseReturnValue:
    organisation = organisation_for(organisation_id, owner=True)
    form = DeleteOrganisationForm()
    if form.confirms(organisation.name):
        done = deletion.delete_organisation(organisation)
        db.session.commit()
        flash(f"{done.name} is deleted, with {done.holdings.describe()}.")
        return redirect(url_for("engagements.index"))
    return render_template(
        "organisations/delete.html",
        organisation=organisation,
        holdings=deletion.holdings(organisation),
        form=form,
    ), (400 if form.is_submitted() else 200)
