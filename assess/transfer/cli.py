"""``assess responses import|export|imports|remove-import``: responses in and out
as CSV or XLSX, and removing an import as a whole."""

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
from assess.transfer.services import COMMAND_LINE, FileProblem, ImportRejected, TransferError

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
    importing the same file twice adds nothing (see docs/results.md). Rows
    with no rated answer are no response: skipped and listed. The import is
    recorded as a batch that `assess responses remove-import` removes.
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
    if report.batch_id is not None:
        click.echo(
            f"Recorded as import {report.batch_id}; to undo it: "
            f"assess responses remove-import {found.id} {report.batch_id}"
        )


@responses_cli.command("imports")
@click.argument("engagement")
def imports_command(engagement: str) -> None:
    """List ENGAGEMENT's imports, newest first: id, when (UTC), who, audience,
    responses, file."""
    with intent(write=False):
        found = _engagement(engagement)
        batches = services.import_batches(found)
    if not batches:
        click.echo(f"Engagement {found.id} has no recorded imports.", err=True)
        return
    for batch in batches:
        click.echo(
            f"{batch.id}\t{batch.imported_at:%Y-%m-%d %H:%M}\t{batch.imported_by}\t"
            f"{batch.audience}\t{batch.responses}\t{batch.filename}"
        )


@responses_cli.command("remove-import")
@click.argument("engagement")
@click.argument("batch", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_import_command(engagement: str, batch: int, yes: bool) -> None:
    """Delete import BATCH of ENGAGEMENT: exactly the responses it added, with
    their answers and comments (see `assess responses imports`)."""
    found = _engagement(engagement)
    imported = services.find_import(found, batch)
    if imported is None:
        raise click.ClickException(
            f"Engagement {found.id} has no import {batch}: see `assess responses imports "
            f"{found.id}`."
        )
    if not yes:
        click.confirm(
            f"Delete the {imported.responses:,} {imported.audience} responses that "
            f"{imported.filename} added on {imported.imported_at:%Y-%m-%d %H:%M} UTC?",
            abort=True, err=True,
        )
    try:
        removed = services.remove_import(found, batch, actor=COMMAND_LINE)
    except TransferError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"Removed import {removed.id} ({removed.filename}): {removed.responses:,} "
        f"{removed.audience} responses deleted."
    )


@responses_cli.command("export")
@click.argument("engagement")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--audience", type=_AUDIENCES, default=None,
              help="Only this audience (default: each audience of the instrument).")
@click.option("--output", "-o", default=None,
              help="A file, or a folder (its files are named engagement-ID-AUDIENCE.csv "
                   "or engagement-ID-responses.xlsx). Default, and -: standard output, "
                   "for one audience's CSV or a workbook. CSVs of several audiences "
                   "need a folder.")
def export_command(engagement: str, fmt: str, audience: str | None, output: str | None) -> None:
    """Write ENGAGEMENT's submitted responses in the import layout.

    Never writes into the current folder unasked: one CSV (--audience, or an
    instrument of one audience) or a workbook goes to standard output unless -o
    says where, so `> file.csv` works. Importing the files into a new engagement
    gives identical results. Text cells that a spreadsheet would run as a
    formula get a leading apostrophe.
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
            name = _target(output, services.export_filename(found, audience, "xlsx"))
            if name == "-" and _stdout_is_terminal():
                raise click.ClickException(
                    "An Excel workbook is not text for a terminal: give -o FILE (or -o DIR), "
                    "or redirect standard output to a file (> responses.xlsx)."
                )
            sheets = {a: services.export_rows(found, a) for a in audiences}
            with _open_binary(name) as out:
                counts = services.write_xlsx(sheets, out)
            _report(name, ", ".join(f"{n:,} {a}" for a, n in counts.items()))
            return
        if len(audiences) == 1:
            [chosen] = audiences
            names = {chosen: _target(output, services.export_filename(found, chosen, "csv"))}
        else:
            folder = _csv_folder(output)
            names = {a: str(folder / services.export_filename(found, a, "csv")) for a in audiences}
        for chosen, name in names.items():
            with _open_text(name) as out:
                count = services.write_csv(services.export_rows(found, chosen), out)
            _report(name, f"{count:,} {chosen}")


def _target(output: str | None, default_name: str) -> str:
    """Where one file goes: standard output ("-") unless -o names a file or a folder."""
    if output is None or output == "-":
        return "-"
    if Path(output).is_dir():
        return str(Path(output) / default_name)
    return output


def _csv_folder(output: str | None) -> Path:
    """The folder for one CSV per audience (made if missing); -o must name it."""
    several = (
        "A CSV holds one audience: give -o DIR to write one file per audience into "
        "that folder, or --audience to write one audience's CSV"
    )
    if output is None or output == "-":
        raise click.ClickException(f"{several} to standard output.")
    folder = Path(output)
    if folder.suffix.lower() == ".csv" or (folder.exists() and not folder.is_dir()):
        raise click.ClickException(f"{several} to {output}.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(f"Cannot make the folder {output}: {error.strerror}.") from None
    return folder


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _report(name: str, what: str) -> None:
    if name != "-":
        click.echo(f"Wrote {what} responses to {name}.", err=True)


def _open_binary(name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    return click.open_file(name, "wb")  # "-": standard output, left open


def _open_text(name: str) -> contextlib.AbstractContextManager[IO[str]]:
    # A BOM, so that Excel reads the file as UTF-8.
    return click.open_file(name, "w", encoding="utf-8-sig", errors="strict")
