"""The first run of a company assessing itself: from sign-up to an open survey.

A person who has never run a survey reads, in plain words, what their staff and
their customers will be asked and what the company gets back, presses one button,
and has an open engagement with its two links (staff, customers) to copy. Only for
a company workspace's owners and consultants; a consulting firm starts from its
engagements page instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from assess.engagements.access import (
    Actor,
    require_actor,
    visible_engagements,
    visible_organisations_query,
)
from assess.engagements.models import Engagement, Organisation, Status
from assess.engagements.services import DEFAULT_INSTRUMENT, create_engagement
from assess.extensions import db
from assess.instruments.loader import load_instrument_by_id
from assess.instruments.schema import Audience, Instrument
from assess.respondents import links as respondent_links
from assess.scoring import Parameters, comment_threshold, effective_threshold
from assess.scoring.model import AUDIENCE_LABELS
from assess.workspaces.models import WorkspaceKind

bp = Blueprint("first_run", __name__)


@dataclass(frozen=True)
class AskedOf:
    """What one audience is asked, as the first-run page says it."""

    audience: str
    label: str  # "Staff", "Customers"
    title: str  # the questionnaire's own title
    minutes: int
    statements: int
    example: str  # the questionnaire's first statement
    about_them: bool  # a few optional questions about the respondent (groups)
    own_words: bool  # room for comments


@dataclass(frozen=True)
class OpenLink:
    audience: str
    label: str
    url: str


@dataclass(frozen=True)
class FirstRun:
    """Everything the page shows: the template computes nothing."""

    company: str
    asked: list[AskedOf]
    group_minimum: int
    comment_minimum: int
    engagement: Engagement | None  # the company's latest engagement, if it has one
    links: list[OpenLink]  # its open links, when it is open
    engagement_name: str  # the name the button gives a new engagement


def _company_actor() -> Actor:
    """The signed-in owner or consultant of a company workspace (403 for a reader)."""
    actor = require_actor()
    if not actor.can_manage:
        abort(403, description="Only the workspace's owners and consultants can run surveys.")
    return actor


def _asked_of(instrument: Instrument, audience: Audience) -> AskedOf:
    questionnaire = instrument.questionnaires[audience]
    first = questionnaire.sections[0].items[0] if questionnaire.sections else None
    return AskedOf(
        audience=str(audience),
        label=AUDIENCE_LABELS.get(audience, str(audience).capitalize()),
        title=instrument.text(questionnaire.title),
        minutes=questionnaire.estimated_minutes,
        statements=len(instrument.items_for(audience)),
        example=instrument.text(instrument.item(first).text) if first else "",
        about_them=bool(questionnaire.segments),
        own_words=bool(questionnaire.open_questions),
    )


def _first_run(actor: Actor) -> FirstRun:
    engagements = visible_engagements(actor)
    engagement = max(engagements, key=lambda e: (e.created_on, e.id), default=None)
    instrument = engagement.instrument() if engagement else load_instrument_by_id(
        DEFAULT_INSTRUMENT
    )
    threshold = (
        engagement.anonymity_threshold if engagement else instrument.scoring.anonymity_threshold
    )
    parameters = Parameters(anonymity_threshold=threshold)
    links: list[OpenLink] = []
    if engagement is not None and engagement.status == Status.OPEN:
        for audience in instrument.audiences():
            link = respondent_links.existing_open_link(engagement, audience)
            if link is not None:
                links.append(OpenLink(
                    audience=str(audience),
                    label=AUDIENCE_LABELS.get(audience, str(audience).capitalize()),
                    url=respondent_links.link_url(respondent_links.open_link_token(link)),
                ))
    return FirstRun(
        company=_organisation_name(actor),
        asked=[_asked_of(instrument, a) for a in instrument.audiences()],
        group_minimum=effective_threshold(parameters),
        comment_minimum=comment_threshold(parameters),
        engagement=engagement,
        links=links,
        engagement_name=_new_engagement_name(),
    )


def _new_engagement_name() -> str:
    return f"Customer-centricity assessment {date.today().year}"


def _organisation_name(actor: Actor) -> str:
    """The company's organisation (made at sign-up); the workspace's name if it has none."""
    organisation = db.session.scalars(
        visible_organisations_query(actor).order_by(Organisation.id).limit(1)
    ).first()
    return organisation.name if organisation is not None else actor.workspace.name


@bp.get("/welcome")
@login_required
def welcome() -> ResponseReturnValue:
    actor = _company_actor()
    if actor.workspace.kind != WorkspaceKind.COMPANY:
        return redirect(url_for("engagements.index"))
    return render_template("workspaces/first_run.html", first_run=_first_run(actor))


@bp.post("/welcome")
@login_required
def start() -> ResponseReturnValue:
    """Create and open the company's first engagement; once only (a second press,
    or a reload, finds the engagement there)."""
    actor = _company_actor()
    if actor.workspace.kind != WorkspaceKind.COMPANY:
        return redirect(url_for("engagements.index"))
    if not visible_engagements(actor):
        engagement: Engagement = create_engagement(
            workspace=actor.workspace,
            organisation=_organisation_name(actor),
            name=_new_engagement_name(),
            created_by=current_user,
        )
        respondent_links.open_engagement(engagement)
        db.session.commit()
    return redirect(url_for(".welcome"))
