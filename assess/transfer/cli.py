"""``assess responses import|export``: responses in and out as CSV or XLSX."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import IO, Any

import click
from flask.cli import AppGroup

from assess.db import intent
from assess.engagements.models import Engagement
from assess.engagements.services import EngagementError, find_engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.transfer import services
from assess.transfer.services import FileProblem, ImportRejected, TransferError

responses_cli = AppGroup("responses", help="Import and export an engagement's responses.")

#: Files from this size on show progress bars (on standard error).
PROGRESS_FROM_BYTES = 1_000_000

_AUDIENCES = click.Choice([a.value for a in Audience])


class BarProgress(services.Progress):
    """Progress bars on standard error."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def start(self, label: str, total: int | None) -> None:
        self.done = 0
        if total:
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self.bar.__enter__()
        else:
            click.echo(f"{label}...", err=True)

    def update(self, done: int) -> None:
        if self.bar is not None and done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _engagement(reference: str) -> Engagement:
    try:
        return find_engagement(reference)
    except EngagementError as error:
        raise click.ClickException(str(error)) from None


@responses_cli.command("import")
@click.argument("engagement")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--audience", type=_AUDIENCES, required=True, help="Whose answers the file holds.")
def import_command(engagement: str, file: Path, audience: str) -> None:
    """Add the responses in FILE (CSV in UTF-8, or XLSX) to ENGAGEMENT.

    One header row; an optional `respondent` column (an external id); one
    column per segment question, rated item and open question, named by its
    id. Items: a whole number on the item's scale, empty when skipped, NA for
    "not applicable". A file with any bad cell is refused as a whole, with the
    list of bad cells. Rows whose respondent is already there are skipped, so
    importing the same file twice adds nothing (see docs/results.md).
    """
    found = _engagement(engagement)
    size = file.stat().st_size
    progress = BarProgress() if size >= PROGRESS_FROM_BYTES else None
    with file.open("rb") as stream:
        try:
            report = services.import_responses(
                found, audience, stream, file.name, size=size, progress=progress
            )
        except ImportRejected as rejected:
            db.session.rollback()
            for error in rejected.errors:
                click.echo(f"  {error}", err=True)
            if rejected.total > len(rejected.errors):
                click.echo(f"  ... and {rejected.total - len(rejected.errors):,} more", err=True)
            raise click.ClickException(str(rejected)) from None
        except (FileProblem, TransferError) as error:
            db.session.rollback()
            raise click.ClickException(f"{file.name}: {error}") from None
    db.session.commit()
    click.echo(report.summary())


@responses_cli.command("export")
@click.argument("engagement")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--audience", type=_AUDIENCES, default=None,
              help="Only this audience (default: each audience of the instrument).")
@click.option("--output", "-o", default=None,
              help="The file to write, or - for standard output. Default: "
                   "engagement-ID-AUDIENCE.csv per audience, or engagement-ID-responses.xlsx "
                   "with a sheet per audience, in the current folder.")
def export_command(engagement: str, fmt: str, audience: str | None, output: str | None) -> None:
    """Write ENGAGEMENT's submitted responses in the import layout.

    Importing the files into a new engagement gives identical results. Text
    cells that a spreadsheet would run as a formula get a leading apostrophe.
    """
    with intent(write=False):
        found = _engagement(engagement)
        audiences = [str(a) for a in found.instrument().audiences()]
        if audience is not None:
            try:
                services.check_audience(found, audience)
            except TransferError as error:
                raise click.ClickException(str(error)) from None
            audiences = [audience]
        if fmt == "xlsx":
            name = output or services.export_filename(found, audience, "xlsx")
            sheets = {a: services.export_rows(found, a) for a in audiences}
            with _open_binary(name) as out:
                counts = services.write_xlsx(sheets, out)
            _report(name, ", ".join(f"{n:,} {a}" for a, n in counts.items()))
            return
        if output is not None and len(audiences) > 1:
            raise click.ClickException(
                "A CSV file holds one audience: add --audience, or leave out --output "
                "to write one file per audience."
            )
        for chosen in audiences:
            name = output or services.export_filename(found, chosen, "csv")
            with _open_text(name) as out:
                count = services.write_csv(services.export_rows(found, chosen), out)
            _report(name, f"{count:,} {chosen}")


def _report(name: str, what: str) -> None:
    if name != "-":
        click.echo(f"Wrote {what} responses to {name}.", err=True)


def _open_binary(name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    return click.open_file(name, "wb")  # "-": standard output, left open


def _open_text(name: str) -> contextlib.AbstractContextManager[IO[str]]:
    # A BOM, so that Excel reads the file as UTF-8.
    return click.open_file(name, "w", encoding="utf-8-sig", errors="strict")
