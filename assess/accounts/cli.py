from __future__ import annotations

import click
from flask.cli import AppGroup

from assess.accounts.models import Role
from assess.accounts.services import AccountError, create_user
from assess.extensions import db

user_cli = AppGroup("user", help="Manage the people who sign in.")


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Shown as 'prepared by' on reports.")
@click.password_option(help="Asked for when not given.")
def create_command(email: str, role: str, name: str, password: str) -> None:
    """Create a user who signs in with EMAIL."""
    try:
        user = create_user(email, password, Role(role), name=name)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
