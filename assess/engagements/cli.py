from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from assess.engagements import services
from assess.engagements.models import Engagement, Organisation, Status
from assess.extensions import db
from assess.instruments.loader import InstrumentError
from assess.respondents.links import change_status
from assess.results.service import response_counts
from assess.scoring.validate import MIN_ANONYMITY_THRESHOLD
from assess.workspaces.services import WorkspaceError, find_workspace

engagement_cli = AppGroup("engagement", help="Create, list, open, close and release engagements.")


@engagement_cli.command("create")
@click.option("--workspace", default=None,
              help="The workspace's name (may be left out when there is only one).")
@click.option("--organisation", required=True,
              help="The client, in that workspace; created if new.")
@click.option("--name", required=True, help="The engagement's name, e.g. 'Assessment 2026'.")
@click.option("--instrument", "instrument_id", default=services.DEFAULT_INSTRUMENT,
              show_default=True, help="Instrument id (see `assess instrument list`).")
@click.option("--anonymity-threshold", type=click.IntRange(min=MIN_ANONYMITY_THRESHOLD),
              default=None, help="Smallest group shown in results (default: the instrument's, 5).")
def create_command(workspace: str | None, organisation: str, name: str, instrument_id: str,
                   anonymity_threshold: int | None) -> None:
    """Create an engagement (and its organisation, if new); print its id."""
    try:
        engagement = services.create_engagement(
            workspace=find_workspace(workspace), organisation=organisation, name=name,
            instrument_id=instrument_id, anonymity_threshold=anonymity_threshold,
        )
    except (services.EngagementError, InstrumentError, WorkspaceError) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(engagement.id)


@engagement_cli.command("list")
@click.option("--workspace", default=None, help="Only this workspace's engagements.")
def list_command(workspace: str | None) -> None:
    """List engagements with their ids, status and responses."""
    query = select(Engagement).order_by(Engagement.id)
    if workspace is not None:
        try:
            found = find_workspace(workspace)
        except WorkspaceError as error:
            raise click.ClickException(str(error)) from None
        query = query.join(Organisation, Organisation.id == Engagement.organisation_id).where(
            Organisation.workspace_id == found.id
        )
    engagements = db.session.scalars(query).all()
    if not engagements:
        click.echo("No engagements yet: `assess engagement create` or `assess demo`.")
        return
    click.echo(
        f"{'id':>4}  {'status':<7} {'staff':>6} {'cust.':>6}  "
        "workspace: organisation / engagement"
    )
    for engagement in engagements:
        counts = response_counts(engagement.id)
        click.echo(
            f"{engagement.id:>4}  {engagement.status:<7} {counts['staff']['submitted']:>6} "
            f"{counts['customer']['submitted']:>6}  {engagement.organisation.workspace.name}: "
            f"{engagement.organisation.name} / "
            f"{engagement.name} ({engagement.snapshot.instrument_id} {engagement.snapshot.version})"
        )


def _set_status(reference: str, status: Status) -> None:
    try:
        engagement = services.find_engagement(reference)
        change_status(engagement, status)
    except services.EngagementError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Engagement {engagement.id} is {engagement.status}.")


@engagement_cli.command("open")
@click.argument("engagement")
def open_command(engagement: str) -> None:
    """Start collecting responses for ENGAGEMENT."""
    _set_status(engagement, Status.OPEN)


@engagement_cli.command("close")
@click.argument("engagement")
def close_command(engagement: str) -> None:
    """Stop collecting responses for ENGAGEMENT; links stop working."""
    _set_status(engagement, Status.CLOSED)


@engagement_cli.command("release")
@click.argument("engagement")
@click.option("--withdraw", is_flag=True, help="Hide it from the readers again.")
def release_command(engagement: str, withdraw: bool) -> None:
    """Show ENGAGEMENT's results and report to its organisation's readers (audited;
    no e-mail is sent from here: the engagement page's button sends it)."""
    try:
        found = services.find_engagement(engagement)
    except services.EngagementError as error:
        raise click.ClickException(str(error)) from None
    if withdraw:
        changed = services.withdraw_release(found, actor="operator")
    else:
        changed = services.release(found, actor="operator")
    db.session.commit()
    state = "released" if found.released_at is not None else "not released"
    click.echo(f"Engagement {found.id} is {state}{'' if changed else ' (unchanged)'}.")
