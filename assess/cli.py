"""The ``assess`` console script: a Flask CLI group bound to the factory.

Each feature registers its own commands in its ``init_app``; this module adds
the core ones (``db``, ``demo``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from assess import create_app
from assess.paths import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config

db_cli = AppGroup("db", help="The database schema (Alembic migrations).")


def alembic_config(app: Flask) -> Config:
    # Alembic is imported here, not at the top: every other command starts faster.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database_url"] = app.config["DATABASE_URL"]
    return config


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or upgrade the schema to REVISION (default: the latest)."""
    from alembic import command

    command.upgrade(alembic_config(current_app), revision)
    click.echo("The database schema is up to date.")


def schema_drift() -> list:
    """Differences between the database's schema and the models (empty: none)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from assess.db import Base
    from assess.extensions import db

    assert db.engine is not None
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


@db_cli.command("check")
def check_command() -> None:
    """Fail when the models and the migrated schema differ (a migration is missing)."""
    drift = schema_drift()
    if drift:
        for difference in drift:
            click.echo(f"  {difference}", err=True)
        raise click.ClickException(
            "The models differ from the migrated schema: add an Alembic migration."
        )
    click.echo("The migrations match the models.")


@db_cli.command("current")
def current_command() -> None:
    """Show the schema revision the database is at."""
    from alembic import command

    command.current(alembic_config(current_app), verbose=False)


@click.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same data.")
@with_appcontext
def demo_command(seed: int) -> None:
    """Load a demo organisation with a realistic set of synthetic responses (once)."""
    from assess.demo.generate import DEMO_EMAIL, DEMO_PASSWORD, load_demo
    from assess.extensions import db

    created = load_demo(seed=seed)
    db.session.commit()
    if created:
        click.echo(f"Loaded the demo: engagement {created.id}, {created.name}.")
    else:
        click.echo("The demo is already loaded.")
    click.echo(f"Sign in as {DEMO_EMAIL} with the password {DEMO_PASSWORD}")


def register_core_commands(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_command)
    from assess.instruments.cli import instrument_cli

    app.cli.add_command(instrument_cli)


main = FlaskGroup(
    create_app=create_app,
    add_version_option=False,
    load_dotenv=False,
    help="assess: customer-centricity as a means and as an end, and the gap between them.",
)
