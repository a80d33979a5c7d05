"""A deterministic synthetic demo: an organisation assessed twice, a year apart.

The data tell the story the product exists to show: staff rate the firm's
intent (the ends lens) clearly higher than its customers do, while the
machinery (means) is middling. Same seed, same data.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from assess.accounts.models import User
from assess.accounts.services import create_user, find_user
from assess.engagements.models import Engagement, Status
from assess.engagements.services import (
    DEFAULT_INSTRUMENT,
    create_engagement,
    find_organisation,
)
from assess.extensions import db
from assess.instruments.schema import Audience, Instrument, Lens, Outcome
from assess.respondents.codes import CodeLayout
from assess.respondents.links import open_link
from assess.respondents.recording import NewResponse, record_submitted
from assess.workspaces.models import MemberRole, Workspace
from assess.workspaces.services import add_member, create_workspace

DEMO_WORKSPACE = "Demo Consulting"
DEMO_ORGANISATION = "Northwind Utilities (demo)"
DEMO_EMAIL = "demo@assess.local"
DEMO_PASSWORD = "demo-password"

# Mean latent opinion on a 0..1 scale, by lens and audience (this year / last year).
LATENT = {
    (Lens.MEANS, Audience.STAFF): (0.62, 0.56),
    (Lens.ENDS, Audience.STAFF): (0.72, 0.70),
    (Lens.MEANS, Audience.CUSTOMER): (0.52, 0.47),
    (Lens.ENDS, Audience.CUSTOMER): (0.47, 0.42),
}

STAFF_COMMENTS = [
    "Give the front line the authority to fix a problem on the first call.",
    "Stop measuring us only on sales volume.",
    "Join up the customer records between billing and service.",
    "Ask customers why they leave and share the answers with everyone.",
    "Make the contract terms simpler to explain.",
]
SEGMENT_EFFECTS = {"leadership": 0.08, "manager": 0.03, "partner": -0.05}
CUSTOMER_COMMENTS = [
    "Make it easier to cancel or change my plan.",
    "Answer the phone faster when something goes wrong.",
    "Stop the constant upselling emails.",
    "Tell me about cheaper plans that would suit me better.",
    "Remember what I told you last time I called.",
    "Explain the bill in plain words.",
]


def load_demo(seed: int = 2026, staff: int = 40, customers: int = 200) -> Engagement | None:
    """Create the demo workspace, its owner, organisation and engagements; None if
    already there."""
    user = find_user(DEMO_EMAIL) or create_user(
        DEMO_EMAIL, DEMO_PASSWORD, name="Demo Consulting", verified=True
    )
    workspace = db.session.scalar(select(Workspace).where(Workspace.name == DEMO_WORKSPACE))
    if workspace is None:
        workspace = create_workspace(DEMO_WORKSPACE)
    add_member(workspace, user, MemberRole.OWNER)
    if find_organisation(workspace, DEMO_ORGANISATION) is not None:
        return None
    last_year = _engagement(workspace, user, "Customer-centricity assessment 2025",
                            date(2025, 10, 1))
    _fill(last_year, random.Random(seed - 1), staff - 6, customers - 40, year_index=1)
    last_year.status = Status.CLOSED
    last_year.opened_on, last_year.closed_on = date(2025, 10, 1), date(2025, 11, 15)
    this_year = _engagement(workspace, user, "Customer-centricity assessment 2026",
                            date(2026, 10, 1))
    _fill(this_year, random.Random(seed), staff, customers, year_index=0)
    this_year.status = Status.OPEN
    this_year.opened_on = date(2026, 10, 1)
    for audience in this_year.instrument().audiences():
        open_link(this_year, audience)
    db.session.flush()
    return this_year


def _engagement(workspace: Workspace, user: User, name: str, created_on: date) -> Engagement:
    engagement = create_engagement(
        workspace=workspace,
        organisation=DEMO_ORGANISATION,
        name=name,
        instrument_id=DEFAULT_INSTRUMENT,
        created_by=user,
        prepared_by="Demo Consulting",
    )
    engagement.created_on = created_on
    engagement.staff_invited = 60
    engagement.customer_invited = 1200
    db.session.flush()
    return engagement


def _fill(
    engagement: Engagement, rng: random.Random, staff: int, customers: int, year_index: int
) -> None:
    instrument = engagement.instrument()
    for audience, count in ((Audience.STAFF, staff), (Audience.CUSTOMER, customers)):
        if audience not in instrument.questionnaires:
            continue
        responses = [
            _respondent(engagement, instrument, audience, rng, year_index) for _ in range(count)
        ]
        record_submitted(
            engagement.id, CodeLayout.for_instrument(instrument, audience), responses
        )


def _respondent(
    engagement: Engagement,
    instrument: Instrument,
    audience: Audience,
    rng: random.Random,
    year_index: int,
) -> NewResponse:
    questionnaire = instrument.questionnaires[audience]
    given: dict[str, int | None] = {}
    chosen: dict[str, str] = {}
    mood = rng.gauss(0, 0.10)  # this respondent's general warmth
    for question in questionnaire.segments:
        # A few leave a segment question blank, as real respondents do.
        if rng.random() < 0.04:
            continue
        weights = [1.0 / (1 + 0.35 * i) for i in range(len(question.options))]
        option = rng.choices(question.options, weights=weights)[0]
        # Leaders see the firm through rosier glasses than the front line.
        mood += SEGMENT_EFFECTS.get(option.id, 0.0)
        chosen[question.id] = option.id
    # One opinion per dimension, shared by its items, so the items hang together
    # (Cronbach's alpha around 0.7-0.85, as in real surveys).
    opinion = {d.id: rng.gauss(0, 0.12) for d in instrument.dimensions}
    for item in instrument.items_for(audience):
        if rng.random() < 0.04:
            continue  # skipped
        scale = instrument.scale(item.scale)
        if item.outcome is not None:
            level = _outcome_level(item.outcome, audience, year_index) + mood
        else:
            dimension = item.dimension or ""
            lens = instrument.dimension(dimension).lens if dimension else Lens.ENDS
            level = LATENT[(lens, audience)][year_index] + mood + opinion.get(dimension, 0.0)
        if scale.allow_na and item.outcome is None and rng.random() < 0.05:
            given[item.id] = None
            continue
        latent = min(1.0, max(0.0, rng.gauss(level, 0.10)))
        if item.reverse:
            latent = 1.0 - latent
        given[item.id] = scale.min + round(latent * (scale.max - scale.min))
    comments = STAFF_COMMENTS if audience == Audience.STAFF else CUSTOMER_COMMENTS
    said = {
        question.id: rng.choice(comments)
        for question in questionnaire.open_questions
        if rng.random() < 0.35
    }
    return NewResponse(answers=given, segments=chosen, comments=said, day=engagement.created_on)


def _outcome_level(outcome: Outcome, audience: Audience, year_index: int) -> float:
    base = LATENT[(Lens.ENDS, audience)][year_index]
    if outcome == Outcome.STAY_HOSTAGE:
        return 1.0 - base + 0.05  # many stay because leaving is hard
    if outcome == Outcome.RECOMMEND:
        return base + 0.30
    return base + 0.05
