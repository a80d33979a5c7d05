"""``assess workspace ...``: the operator's commands, above all workspaces."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from assess.accounts.models import User
from assess.audit.log import record
from assess.engagements.models import Engagement, Organisation
from assess.extensions import db
from assess.workspaces.models import Membership, Workspace
from assess.workspaces.services import (
    WorkspaceError,
    all_workspaces,
    create_workspace,
    delete_workspace,
    find_workspace,
    set_suspended,
)

workspace_cli = AppGroup(
    "workspace", help="Create, list, show, suspend and delete workspaces (tenants)."
)


def _find(name: str | None) -> Workspace:
    try:
        return find_workspace(name)
    except WorkspaceError as error:
        raise click.ClickException(str(error)) from None


@workspace_cli.command("create")
@click.argument("name")
def create_command(name: str) -> None:
    """Create a workspace called NAME (a consulting firm, or a company)."""
    try:
        workspace = create_workspace(name)
    except WorkspaceError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created workspace {workspace.id}: {workspace.name}.")


@workspace_cli.command("list")
def list_command() -> None:
    """List the workspaces with their members and organisations."""
    members = dict(
        db.session.execute(
            select(Membership.workspace_id, func.count()).group_by(Membership.workspace_id)
        ).all()
    )
    organisations = dict(
        db.session.execute(
            select(Organisation.workspace_id, func.count()).group_by(Organisation.workspace_id)
        ).all()
    )
    click.echo(f"{'id':>4}  {'status':<9} {'members':>7} {'orgs':>5}  name")
    for workspace in all_workspaces():
        status = "suspended" if workspace.suspended else "active"
        click.echo(
            f"{workspace.id:>4}  {status:<9} {members.get(workspace.id, 0):>7} "
            f"{organisations.get(workspace.id, 0):>5}  {workspace.name}"
        )


@workspace_cli.command("show")
@click.argument("name")
def show_command(name: str) -> None:
    """Show a workspace's members, organisations and engagements."""
    workspace = _find(name)
    status = "suspended" if workspace.suspended else "active"
    click.echo(f"Workspace {workspace.id}: {workspace.name} ({status})")
    click.echo("Members:")
    rows = db.session.execute(
        select(User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id)
        .order_by(User.email)
    ).all()
    for email, role in rows:
        click.echo(f"  {email} ({role})")
    if not rows:
        click.echo("  none")
    click.echo("Organisations:")
    organisations = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.workspace_id == workspace.id)
            .order_by(Organisation.name)
        )
    )
    for organisation in organisations:
        count = db.session.scalar(
            select(func.count())
            .select_from(Engagement)
            .where(Engagement.organisation_id == organisation.id)
        )
        click.echo(f"  {organisation.name} ({count} engagements)")
    if not organisations:
        click.echo("  none")


@workspace_cli.command("suspend")
@click.argument("name")
@click.option("--lift", is_flag=True, help="End the suspension.")
def suspend_command(name: str, lift: bool) -> None:
    """Suspend a workspace: its members cannot sign in to it; its open respondent
    links keep working until its engagements close."""
    workspace = _find(name)
    set_suspended(workspace, not lift)
    db.session.commit()
    click.echo(f"Workspace {workspace.name} is {'active' if lift else 'suspended'}.")


@workspace_cli.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(name: str, yes: bool) -> None:
    """Delete a workspace with all its organisations, engagements and responses."""
    workspace = _find(name)
    engagements = db.session.scalar(
        select(func.count())
        .select_from(Engagement)
        .join(Organisation, Organisation.id == Engagement.organisation_id)
        .where(Organisation.workspace_id == workspace.id)
    )
    if not yes:
        click.confirm(
            f"Delete workspace '{workspace.name}' with its {engagements} engagements and "
            "all their responses? This cannot be undone",
            abort=True,
        )
    label = workspace.name
    # Its own audit log and its engagements' files (logos, cached reports) go with it.
    delete_workspace(workspace)
    record("workspace_deleted", actor="operator",
           detail=f"{label}: {engagements} engagements")
    db.session.commit()
    click.echo(f"Deleted workspace {label} and its {engagements} engagements.")
