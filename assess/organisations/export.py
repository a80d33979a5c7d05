"""Everything a workspace holds about one organisation, as one zip.

The zip, for an organisation and each of its engagements (oldest first)::

    organisation.json                       the organisation and what is in the zip
    audit.csv                               the log's entries about it and its engagements
    engagement-<id>/answers-<audience>.csv  one row per submitted response (as exported
                                            from the engagement page, formulas neutralised)
    engagement-<id>/results.json            as `assess results` prints it
    engagement-<id>/report.pdf              the report (A4), from the report cache
    engagement-<id>/report-settings.json    prepared by, the accent colour, the logo's file
    engagement-<id>/logo.png (or .jpg)      the uploaded logo, if there is one

Staff answers of a company's own survey are left out, as everywhere
(:func:`assess.engagements.access.may_export_answers`). Services flush; the caller
records the export and commits.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import select

from assess.audit import log
from assess.engagements.access import exportable_audiences
from assess.engagements.models import Engagement, Organisation
from assess.extensions import db
from assess.reports.service import engagement_report_pdf
from assess.reports.settings import logo_image
from assess.results.service import engagement_results, results_document
from assess.transfer.services import export_rows, write_csv


@dataclass(frozen=True)
class ExportSummary:
    engagements: int
    files: int


def organisation_engagements(organisation: Organisation) -> list[Engagement]:
    """The organisation's engagements, oldest first."""
    return list(
        db.session.scalars(
            select(Engagement)
            .where(Engagement.organisation_id == organisation.id)
            .order_by(Engagement.created_on, Engagement.id)
        )
    )


def zip_name(organisation: Organisation) -> str:
    return f"organisation-{organisation.id}-export.zip"


def write_organisation_zip(organisation: Organisation, out: IO[bytes]) -> ExportSummary:
    """Write the zip to ``out`` (a file opened for binary writing)."""
    engagements = organisation_engagements(organisation)
    files: list[str] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes | str) -> None:
            archive.writestr(name, data)
            files.append(name)

        for engagement in engagements:
            folder = f"engagement-{engagement.id}"
            for audience in exportable_audiences(engagement):
                text = io.StringIO()
                text.write("\ufeff")  # Excel reads accents right
                write_csv(export_rows(engagement, audience), text)
                add(f"{folder}/answers-{audience}.csv", text.getvalue())
            document = results_document(engagement, engagement_results(engagement))
            add(f"{folder}/results.json", _json(document))
            add(f"{folder}/report.pdf", engagement_report_pdf(engagement))
            logo = logo_image(engagement.id)
            logo_name = f"logo.{logo.logo.extension}" if logo is not None else None
            settings = {
                "prepared_by": engagement.prepared_by,
                "accent_colour": engagement.accent_colour,
                "logo": logo_name,
            }
            add(f"{folder}/report-settings.json", _json(settings))
            if logo is not None and logo_name is not None:
                add(f"{folder}/{logo_name}", logo.content)
        add("audit.csv", _audit_csv(organisation, [e.id for e in engagements]))
        manifest = {
            "organisation": {"id": organisation.id, "name": organisation.name},
            "workspace": organisation.workspace.name,
            "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "engagements": [
                {"id": e.id, "name": e.name, "status": str(e.status),
                 "folder": f"engagement-{e.id}"}
                for e in engagements
            ],
            "files": [*files, "organisation.json"],
        }
        archive.writestr("organisation.json", _json(manifest))
    return ExportSummary(engagements=len(engagements), files=len(files) + 1)


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _audit_csv(organisation: Organisation, engagement_ids: list[int]) -> str:
    about = log.About(organisation.id, tuple(engagement_ids))
    found = log.entries(organisation.workspace_id, about=about)
    rows: list[list[Any]] = [list(log.CSV_HEADER), *(log.csv_row(e) for e in found)]
    text = io.StringIO()
    text.write("\ufeff")
    write_csv(iter(rows), text)
    return text.getvalue()
