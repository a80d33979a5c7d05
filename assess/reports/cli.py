from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from assess.db import intent
from assess.engagements.services import EngagementError, find_engagement
from assess.extensions import db
from assess.reports.service import engagement_report_pdf
from assess.results.statistics import MissingAnswerCodes


@click.command("report")
@click.argument("engagement")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the PDF.")
@click.option("--page-size", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@with_appcontext
def report_command(engagement: str, output: Path, page_size: str) -> None:
    """Write the gap report of ENGAGEMENT as a PDF."""
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
