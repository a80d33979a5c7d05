from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from assess.db import intent
from assess.engagements.models import Engagement, Organisation
from assess.engagements.services import EngagementError, find_engagement
from assess.extensions import db
from assess.reports.service import engagement_report_pdf
from assess.results.statistics import MissingAnswerCodes


@click.command("report")
@click.argument("engagement", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Where to write the PDF (with --all: the folder for the PDFs).")
@click.option("--page-size", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--all", "every", is_flag=True,
              help="Every engagement of --organisation, in one process (WeasyPrint and "
                   "Python start once).")
@click.option("--organisation", help="With --all: the organisation's name (in any workspace; "
                                     "its id when the name is in several).")
@with_appcontext
def report_command(engagement: str | None, output: Path, page_size: str, every: bool,
                   organisation: str | None) -> None:
    """Write the gap report of ENGAGEMENT as a PDF, or with --all --organisation NAME
    every engagement's report into the folder -o (each file, then the total time)."""
    if every:
        if engagement is not None or not organisation:
            raise click.UsageError("--all takes --organisation NAME and no ENGAGEMENT.")
        _all_reports(organisation, output, page_size)
        return
    if engagement is None:
        raise click.UsageError("Name an ENGAGEMENT, or use --all --organisation NAME.")
    with intent(write=False):
        try:
            found = find_engagement(engagement)
        except EngagementError as error:
            raise click.ClickException(str(error)) from None
        try:
            pdf = engagement_report_pdf(found, page_size)
        except MissingAnswerCodes as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()  # the PDF just cached, if it was rendered
    output.write_bytes(pdf)
    click.echo(f"Wrote {output} ({len(pdf) // 1024} KiB).")


def _organisation(reference: str) -> Organisation:
    matches = list(db.session.scalars(select(Organisation).where(Organisation.name == reference)))
    if not matches and reference.isdigit():
        by_id = db.session.get(Organisation, int(reference))
        matches = [by_id] if by_id is not None else []
    if not matches:
        raise click.ClickException(f"There is no organisation named '{reference}'.")
    if len(matches) > 1:
        ids = ", ".join(str(o.id) for o in matches)
        raise click.ClickException(
            f"Several workspaces have an organisation named '{reference}' (ids {ids}): "
            "pass its id to --organisation."
        )
    return matches[0]


def _all_reports(reference: str, folder: Path, page_size: str) -> None:
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    with intent(write=False):
        organisation = _organisation(reference)
        engagements = list(db.session.scalars(
            select(Engagement).where(Engagement.organisation_id == organisation.id)
            .order_by(Engagement.id)
        ))
        for engagement in engagements:
            one = time.perf_counter()
            try:
                pdf = engagement_report_pdf(engagement, page_size)
            except MissingAnswerCodes as error:
                click.echo(f"Skipped engagement {engagement.id} ({engagement.name}): {error}",
                           err=True)
                continue
            db.session.commit()  # its PDF cached, if it was rendered
            path = folder / f"gap-report-engagement-{engagement.id}"\
                f"{'' if page_size == 'a4' else '-' + page_size}.pdf"
            path.write_bytes(pdf)
            written += 1
            click.echo(f"Wrote {path} ({len(pdf) // 1024} KiB, "
                       f"{time.perf_counter() - one:.1f} s).")
    click.echo(f"{written} report{'s' if written != 1 else ''} of {organisation.name} in "
               f"{time.perf_counter() - started:.1f} s.")
