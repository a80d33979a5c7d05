from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from assess.db import intent
from assess.engagements.services import EngagementError, find_engagement
from assess.results.service import engagement_results, results_document
from assess.results.statistics import MissingAnswerCodes


@click.command("results")
@click.argument("engagement")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@with_appcontext
def results_command(engagement: str, fmt: str) -> None:
    """Print the scored results of ENGAGEMENT (see docs/results.md)."""
    with intent(write=False):
        try:
            found = find_engagement(engagement)
        except EngagementError as error:
            raise click.ClickException(str(error)) from None
        try:
            document = results_document(found, engagement_results(found))
        except MissingAnswerCodes as error:
            raise click.ClickException(str(error)) from None
    click.echo(json.dumps(document, indent=2, allow_nan=False))
