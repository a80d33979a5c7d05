from __future__ import annotations

import click
from flask.cli import with_appcontext

from assess.engagements.models import Status
from assess.engagements.services import EngagementError, find_engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links as respondent_links


@click.command("links")
@click.argument("engagement")
@click.option(
    "--audience", type=click.Choice([a.value for a in Audience]), required=True,
    help="Whose questionnaire the links open.",
)
@click.option(
    "--single-use", "single_use", type=click.IntRange(1, respondent_links.MAX_SINGLE_USE),
    default=None,
    help="Print this many new personal links, one a line, instead of the open link.",
)
@with_appcontext
def links_command(engagement: str, audience: str, single_use: int | None) -> None:
    """Print the open link of ENGAGEMENT for an audience, or new personal links.

    Full URLs built on ASSESS_BASE_URL. Personal (single-use) tokens are stored
    hashed, so they are shown only now: keep the output for your mail merge.
    """
    try:
        found = find_engagement(engagement)
    except EngagementError as error:
        raise click.ClickException(str(error)) from None
    chosen = Audience(audience)
    if chosen not in found.instrument().questionnaires:
        raise click.ClickException(
            f"Engagement {found.id}'s instrument has no {chosen} questionnaire."
        )
    if found.status == Status.CLOSED:
        raise click.ClickException(
            f"Engagement {found.id} is closed: its links no longer accept answers."
        )
    if found.status == Status.DRAFT:
        click.echo(
            f"Note: engagement {found.id} is a draft; the links work once it is opened "
            f"(`assess engagement open {found.id}`).",
            err=True,
        )
    if single_use:
        tokens = respondent_links.create_single_use_links(found, chosen, single_use)
        db.session.commit()
        for token in tokens:
            click.echo(respondent_links.link_url(token))
    else:
        _link, token = respondent_links.open_link(found, chosen)
        db.session.commit()
        click.echo(respondent_links.link_url(token))
