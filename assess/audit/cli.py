"""``assess audit``: the operator reads the log of every workspace (or one), and
prunes what is older than the retention."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from assess.audit import log
from assess.extensions import db
from assess.transfer.layout import neutralise
from assess.workspaces.models import Workspace
from assess.workspaces.services import WorkspaceError, find_workspace


@click.group("audit", cls=AppGroup, invoke_without_command=True)
@click.option("--workspace", "workspace_name", help="Only this workspace's entries.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Only entries from this date (UTC) on.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text",
              show_default=True)
@click.pass_context
@with_appcontext
def audit_cli(
    context: click.Context, workspace_name: str | None, since: datetime | None, fmt: str
) -> None:
    """Print the audit log, newest first: every workspace's unless --workspace says.
    `assess audit prune` deletes entries older than ASSESS_AUDIT_RETENTION_DAYS."""
    if context.invoked_subcommand is not None:
        return
    workspace_id = None
    if workspace_name is not None:
        try:
            workspace_id = find_workspace(workspace_name).id
        except WorkspaceError as error:
            raise click.ClickException(str(error)) from None
    found = log.entries(workspace_id, since=since)
    names = {id_: name for id_, name in db.session.execute(select(Workspace.id, Workspace.name))}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["workspace", *log.CSV_HEADER])
        for entry in found:
            workspace = names.get(entry.workspace_id, "") if entry.workspace_id else ""
            writer.writerow(
                ["" if v is None else neutralise(v) if isinstance(v, str) else v
                 for v in [workspace, *log.csv_row(entry)]]
            )
        click.echo(out.getvalue(), nl=False)
        return
    if not found:
        click.echo("No entries.")
    for entry in found:
        workspace = names.get(entry.workspace_id, "?") if entry.workspace_id else "-"
        about = []
        if entry.organisation_id is not None:
            about.append(f"organisation {entry.organisation_id}")
        if entry.engagement_id is not None:
            about.append(f"engagement {entry.engagement_id}")
        parts = [
            entry.created_at.replace(microsecond=0).isoformat(sep=" "),
            workspace,
            entry.actor or "-",
            log.ACTIONS.get(entry.action, entry.action),
        ]
        if entry.detail:
            parts.append(entry.detail)
        if about:
            parts.append(f"({', '.join(about)})")
        if entry.address:
            parts.append(f"from {entry.address}")
        click.echo("  ".join(parts))


@audit_cli.command("prune")
def prune_command() -> None:
    """Delete entries (and the addresses in them) older than the retention."""
    removed = log.prune()
    db.session.commit()
    days = int(current_app.config["AUDIT_RETENTION_DAYS"])
    click.echo(f"Deleted {removed} audit entries older than {days} days.")
