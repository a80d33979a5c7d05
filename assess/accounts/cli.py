from __future__ import annotations

import click
from flask.cli import AppGroup

from assess.accounts.services import AccountError, create_user, find_user, set_password
from assess.engagements.services import EngagementError, find_organisation, give_reader_access
from assess.extensions import db
from assess.workspaces.models import MemberRole
from assess.workspaces.services import WorkspaceError, add_member, find_workspace

user_cli = AppGroup("user", help="Manage the people who sign in.")


@user_cli.command("create")
@click.argument("email")
@click.option("--workspace", default=None,
              help="The workspace's name (may be left out when there is only one).")
@click.option("--role", type=click.Choice([r.value for r in MemberRole]), required=True,
              help="owner: members and settings; consultant: every organisation of the "
              "workspace; reader: reads the organisations given with --organisation.")
@click.option("--organisation", "organisations", multiple=True,
              help="For a reader: an organisation of the workspace to read (repeatable).")
@click.option("--name", default="", help="Shown as 'prepared by' on reports.")
@click.option("--password", default=None, help="Asked for when not given (new users only).")
def create_command(
    email: str, workspace: str | None, role: str, organisations: tuple[str, ...], name: str,
    password: str | None,
) -> None:
    """Create a user who signs in with EMAIL, as a member of a workspace. An
    existing user becomes a member of that workspace too (their password stays)."""
    try:
        found = find_workspace(workspace)
        chosen = MemberRole(role)
        if organisations and chosen != MemberRole.READER:
            raise click.ClickException(
                "--organisation is for readers: owners and consultants see every "
                "organisation of their workspace."
            )
        targets = []
        for name_of in organisations:
            organisation = find_organisation(found, name_of)
            if organisation is None:
                raise click.ClickException(
                    f"Workspace '{found.name}' has no organisation named '{name_of}'."
                )
            targets.append(organisation)
        user = find_user(email)
        if user is None:
            if password is None:
                password = click.prompt("Password", hide_input=True,
                                        confirmation_prompt=True)
            user = create_user(email, password or "", name=name, verified=True)
            verb = "Created"
        else:
            verb = "Added"
        membership = add_member(found, user, chosen)
        for organisation in targets:
            give_reader_access(membership, organisation)
    except (AccountError, WorkspaceError, EngagementError) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{verb} {user.email} as {chosen} of {found.name}.")


@user_cli.command("reset-password")
@click.argument("email")
@click.option("--password", default=None, help="Asked for when not given.")
def reset_password_command(email: str, password: str | None) -> None:
    """Give the user who signs in with EMAIL a new password; every session of theirs
    ends (they sign in again with it)."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"There is no user {email.strip().lower()}.")
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(user, password or "")
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"New password set for {user.email}; their sessions have ended.")
