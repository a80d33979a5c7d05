"""A deterministic synthetic demo: an organisation assessed twice, a year apart.

Northwind Utilities is "customer-centric as a means": its machinery is good
(a single customer view, regular surveys, leaders who back the programme), but
it uses it to take. Staff rate the firm's intent (the ends lens) some 30
points higher than its customers do on every end but one, and further apart
where it takes most: honest pricing, freedom to leave and pushing products (a
sales drive since last year made "giving" worse). Incentives that count only sales are the
staff's own weakest point. Customers think better of the people they deal
with than staff do (a hidden strength), and many stay only because switching
is a hassle, long-standing customers most of all.

The staff are a real firm's mix (a handful of senior leaders, most people in
service, operations and sales); every comment answers the question it sits
under and leans the way its writer's ratings do. Same seed, same data.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

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
from assess.instruments.schema import Audience, Instrument, Lens, Outcome, Questionnaire
from assess.respondents.codes import CodeLayout
from assess.respondents.links import open_link
from assess.respondents.recording import NewResponse, record_submitted
from assess.workspaces.models import MemberRole, Workspace
from assess.workspaces.services import add_member, create_workspace

DEMO_WORKSPACE = "Demo Consulting"
DEMO_ORGANISATION = "Northwind Utilities (demo)"
DEMO_EMAIL = "demo@assess.local"
DEMO_PASSWORD = "demo-password"
#: Days from the mailing to the last response counted (fieldwork closes the day after).
FIELDWORK_DAYS = 44

# -- ratings ------------------------------------------------------------------------

# Mean latent opinion per dimension on a 0..1 scale, by audience:
# (this year, last year). Customers answer only the dimensions they can see.
# Staff: the ends high throughout except humanity (scripts); metrics and
# incentives clearly the weakest means. Customers: about 30 points below staff
# on every end, honesty and giving clearly worse, humanity above the staff's view.
DIMENSION_LEVELS: dict[str, dict[Audience, tuple[float, float]]] = {
    "means_strategy": {Audience.STAFF: (0.68, 0.65)},
    "means_organisation": {Audience.STAFF: (0.65, 0.63)},
    "means_insight": {Audience.STAFF: (0.74, 0.68), Audience.CUSTOMER: (0.55, 0.51)},
    "means_listening": {Audience.STAFF: (0.73, 0.71), Audience.CUSTOMER: (0.56, 0.54)},
    "means_metrics": {Audience.STAFF: (0.45, 0.47)},
    "means_experience": {Audience.STAFF: (0.67, 0.65), Audience.CUSTOMER: (0.46, 0.45)},
    "means_partners": {Audience.STAFF: (0.63, 0.60), Audience.CUSTOMER: (0.51, 0.50)},
    "means_leadership": {Audience.STAFF: (0.72, 0.71)},
    "ends_purpose": {Audience.STAFF: (0.85, 0.83), Audience.CUSTOMER: (0.47, 0.45)},
    "ends_giving": {Audience.STAFF: (0.81, 0.79), Audience.CUSTOMER: (0.33, 0.39)},
    "ends_honesty": {Audience.STAFF: (0.84, 0.82), Audience.CUSTOMER: (0.32, 0.31)},
    "ends_ease": {Audience.STAFF: (0.80, 0.78), Audience.CUSTOMER: (0.46, 0.43)},
    "ends_speed": {Audience.STAFF: (0.82, 0.78), Audience.CUSTOMER: (0.44, 0.42)},
    "ends_humanity": {Audience.STAFF: (0.55, 0.54), Audience.CUSTOMER: (0.66, 0.64)},
    "ends_beyond_sale": {Audience.STAFF: (0.85, 0.82), Audience.CUSTOMER: (0.47, 0.44)},
    "ends_trust": {Audience.STAFF: (0.80, 0.79), Audience.CUSTOMER: (0.48, 0.46)},
}
# A dimension the table does not know (another instrument) gets its lens's level.
LENS_LEVELS = {
    (Lens.MEANS, Audience.STAFF): (0.66, 0.63),
    (Lens.ENDS, Audience.STAFF): (0.77, 0.76),
    (Lens.MEANS, Audience.CUSTOMER): (0.52, 0.50),
    (Lens.ENDS, Audience.CUSTOMER): (0.45, 0.45),
}

# -- who answered -------------------------------------------------------------------

# Share of respondents per segment option; the None key is the share who leave the
# question blank. Shares are apportioned exactly (largest remainder), so 40 staff
# and 200 customers give the same mix every time. A utility's staff: most in
# service, operations and sales, a handful of senior leaders (at 40 staff, four:
# too few to report, so the managers are hidden beside them, scoring rule 15).
# Customers: mostly households of long standing, buying direct, online or by phone.
SEGMENT_MIX: dict[str, dict[str | None, float]] = {
    "staff_function": {
        "sales": 0.175, "marketing": 0.075, "service": 0.275,
        "operations": 0.225, "product": 0.15, "support": 0.10,
    },
    "staff_level": {"leadership": 0.10, "manager": 0.175, "individual": 0.725},
    "staff_tenure": {"under_1y": 0.15, "1_3y": 0.25, "3_10y": 0.375, "over_10y": 0.225},
    "customer_length": {
        "under_1y": 0.12, "1_3y": 0.22, "3_10y": 0.36, "over_10y": 0.27, None: 0.03,
    },
    "customer_channel": {
        "online": 0.38, "app": 0.22, "phone": 0.34, "in_person": 0.01, "partner": 0.02,
        None: 0.03,
    },
    "customer_route": {"direct": 0.74, "partner": 0.16, "both": 0.07, None: 0.03},
    "customer_type": {
        "individual": 0.80, "small_business": 0.14, "large_organisation": 0.03, None: 0.03,
    },
}
# Functions whose people deal with customers (except their senior leaders).
CUSTOMER_FACING_FUNCTIONS = {"sales", "service", "operations"}

# How a group's view departs from its audience's, per lens (0..1 scale). Leaders
# see the firm through rosier glasses; staff who face customers see what customers
# see; new customers are still in the honeymoon, long-standing ones are not.
SEGMENT_EFFECTS: dict[tuple[str, str], dict[Lens, float]] = {
    ("staff_level", "leadership"): {Lens.MEANS: 0.08, Lens.ENDS: 0.06},
    ("staff_level", "manager"): {Lens.MEANS: 0.03, Lens.ENDS: 0.02},
    ("staff_customer_facing", "yes"): {Lens.ENDS: -0.05},
    ("staff_customer_facing", "no"): {Lens.ENDS: 0.04},
    ("staff_function", "service"): {Lens.MEANS: -0.04},
    ("staff_tenure", "over_10y"): {Lens.MEANS: -0.03},
    ("customer_length", "under_1y"): {Lens.MEANS: 0.04, Lens.ENDS: 0.08},
    ("customer_length", "1_3y"): {Lens.ENDS: 0.03},
    ("customer_length", "over_10y"): {Lens.ENDS: -0.06},
    ("customer_channel", "app"): {Lens.MEANS: 0.05, Lens.ENDS: 0.02},
    ("customer_channel", "phone"): {Lens.ENDS: -0.03},
    ("customer_type", "small_business"): {Lens.ENDS: -0.04},
}
# Long-standing customers stay out of inertia more often than new ones.
HOSTAGE_EFFECTS = {"under_1y": -0.12, "1_3y": -0.04, "3_10y": 0.04, "over_10y": 0.10}

# -- what they wrote ----------------------------------------------------------------

# Per open question, what a critical and what a warmer respondent might write.
# Every comment answers its own question; each writer's tone follows their ratings.
COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "s_open_change": {
        "critical": (
            "Give the front line the authority to fix a problem on the first call.",
            "Stop paying bonuses on upgrades sold. It pushes people to sell customers "
            "things they do not need.",
            "Let the retention team close an account when the customer asks, instead of "
            "making three offers first.",
            "Measure us on problems solved, not on call length and sales.",
            "Join up the billing and service systems so customers do not have to repeat "
            "themselves.",
            "Put the price increase at the top of the letter, in plain words.",
            "Drop the \u2018today only\u2019 offers. Customers see through them and it "
            "embarrasses us.",
            "Let us leave the script when a customer is clearly upset or vulnerable.",
            "Tell customers when a cheaper tariff would suit them, even if it costs us "
            "revenue.",
            "Give every complaint one owner instead of passing it between teams.",
            "Act on the survey results. We collect plenty of feedback and little changes.",
        ),
        "warm": (
            "Share customer feedback with the teams who never meet customers.",
            "Keep the new customer view, but train everyone to use it properly.",
            "Fewer systems to log into while a customer is waiting on the line.",
            "Involve operations earlier when new tariffs are designed.",
            "Have senior managers listen in to calls once a month.",
        ),
    },
    "s_open_keep": {
        "critical": (
            "The goodwill of the front-line staff. Sales targets are wearing it down.",
            "The people on the phones. They care, even when the process does not.",
            "Our name for reliability. We should not trade it for short-term sales.",
            "Being straight with customers. The new retention script puts that at risk.",
        ),
        "warm": (
            "The priority services register. We look after vulnerable customers properly.",
            "Engineers who stay until the job is done, even after hours.",
            "Our storm response: regular updates and the supply back quickly.",
            "The single customer view we built last year.",
            "Calling customers back when we said we would.",
            "Local teams who know the network and the people on it.",
            "Putting billing mistakes right before the customer has to complain.",
            "The hardship fund for customers who are struggling to pay.",
        ),
    },
    "c_open_change": {
        "critical": (
            "Stop making it so hard to leave. I spent forty minutes on the phone being "
            "offered deals I had not asked for.",
            "Be straight about prices. My direct debit went up twice this year and I only "
            "found out from my bank statement.",
            "Stop the sales pitch. Every time I ring about a fault someone tries to sell "
            "me a bigger package.",
            "Give existing customers the same prices as new ones. Loyalty should count "
            "for something.",
            "Answer the phone. Waiting half an hour to report a fault is not acceptable.",
            "Read my notes before calling me back. I have explained the same problem to "
            "three different people.",
            "Make the bill readable. I still cannot tell what the standing charge covers.",
            "Tell me when a cheaper tariff would suit me instead of waiting for me to find "
            "it.",
            "Drop the exit fees. If the service were good enough you would not need them.",
            "Stop sending me surveys if nothing changes afterwards.",
            "Put the new price on the front of the renewal letter, not on page three.",
            "Give me a straight answer about when a power cut will be fixed.",
            "Ask before moving me onto a dearer plan when my fixed deal ends.",
            "Have one person own my complaint from start to finish.",
            "Follow up after a repair. Nobody checked whether the fault came back.",
        ),
        "warm": (
            "Not much. Perhaps show my usage month by month in the app.",
            "Let me book an engineer online instead of phoning.",
            "Longer phone opening hours on Saturdays.",
            "Tell us what you changed after the last survey. I would like to know it was "
            "read.",
            "Match the comparison-site deals when I renew directly.",
            "A text message before a payment changes, not after.",
            "Offer one simple tariff for people who just want one price.",
            "Send a short summary with the bill; the full version is hard going.",
        ),
    },
    "c_open_keep": {
        "critical": (
            "Hard to say. It is fine as long as nothing goes wrong.",
            "Nothing stands out. I stay because switching looks like a lot of effort.",
            "The people on the phone are kind, but they cannot change anything.",
            "Keeping the lights on, which is the least I would expect.",
            "The app is good. The prices are not.",
            "The engineers are good. Everything around them is slow.",
            "Not sure. I have been with them for years out of habit.",
        ),
        "warm": (
            "The engineers. The one who came out in January was polite, quick and "
            "explained everything.",
            "The app. Sending a meter reading takes a minute.",
            "The text updates during the storm were clear and regular.",
            "Friendly phone staff, even when the wait has been long.",
            "Reminders a few days before my payment is taken.",
            "They put a billing mistake right without me having to chase it.",
            "The priority service for my elderly mother. They ring her before any "
            "planned work.",
            "Letters that sound as if a person wrote them.",
            "A reliable supply. I rarely have to think about it.",
            "The online chat. It is quicker than the phone.",
        ),
    },
}
# Share of respondents who answer each open question: staff write more than
# customers, and fewer people say what to keep than what to change.
COMMENT_RATES = {"s_open_change": 0.40, "s_open_keep": 0.30,
                 "c_open_change": 0.20, "c_open_keep": 0.13}
# Once the longer comments above are used up, writers give the short answers
# that real comment lists repeat (a story told in detail is told only once).
# Listed from the most to the least often written: as in real surveys, what most
# people ask for is what the figures say is wrong (pushing products and unfair
# prices; for staff, incentives that count only sales).
SHORT_COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "s_open_change": {
        "critical": ("Reward good service, not just sales.", "Fewer sales targets.",
                     "More people on the phones at peak times."),
        "warm": ("Reward good service, not just sales.",),
    },
    "s_open_keep": {
        "critical": ("Our engineers.",),
        "warm": ("Our engineers.", "Looking after vulnerable customers."),
    },
    "c_open_change": {
        "critical": ("Stop pushing products I do not need.",
                     "Fairer prices for existing customers.", "Make it easier to leave.",
                     "Answer the phone faster."),
        "warm": ("Nothing really.", "Cheaper prices for loyal customers."),
    },
    "c_open_keep": {
        "critical": ("Not much.", "The engineers.", "Nothing comes to mind."),
        "warm": ("The engineers.", "The app."),
    },
}


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
    # Fieldwork is over: the report a consultant shows is the final one, not an
    # interim (a new engagement shows the open-link side).
    this_year.status = Status.CLOSED
    this_year.opened_on, this_year.closed_on = date(2026, 10, 1), date(2026, 11, 15)
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
        questionnaire = instrument.questionnaires[audience]
        roster = _roster(questionnaire, count, rng)
        comments = _CommentDraw(rng)
        responses = [
            _respondent(engagement, instrument, audience, segments, rng, comments, year_index)
            for segments in roster
        ]
        # Answers arrive over the six weeks of fieldwork, most in the first days
        # after the mailing. Spread by position, not drawn, so the random sequence
        # (and every figure) stays what the seed gives.
        responses = [
            replace(response, day=engagement.created_on + timedelta(
                days=int(FIELDWORK_DAYS * (position / len(responses)) ** 2)))
            for position, response in enumerate(responses)
        ]
        record_submitted(
            engagement.id, CodeLayout.for_instrument(instrument, audience), responses
        )


def apportion(shares: Mapping[str | None, float], count: int) -> list[str | None]:
    """``count`` answers split by ``shares`` with the largest-remainder method, in the
    order of ``shares``: exact, so small groups are as small as intended every time."""
    total = sum(shares.values())
    quotas = {key: count * share / total for key, share in shares.items()}
    sizes = {key: int(quota) for key, quota in quotas.items()}
    by_remainder = sorted(shares, key=lambda key: -(quotas[key] - sizes[key]))
    for key in by_remainder[: count - sum(sizes.values())]:
        sizes[key] += 1
    return [key for key in shares for _ in range(sizes[key])]


def _roster(questionnaire: Questionnaire, count: int, rng: random.Random) -> list[dict[str, str]]:
    """Each respondent's segment answers: the planned mix, shuffled per question."""
    columns: dict[str, list[str | None]] = {}
    for question in questionnaire.segments:
        mix = SEGMENT_MIX.get(question.id)
        # A plan that names an option the question lacks is another instrument's.
        if mix is not None and set(mix) - {None} <= {o.id for o in question.options}:
            column = apportion(mix, count)
            rng.shuffle(column)
            columns[question.id] = column
    roster = []
    for index in range(count):
        chosen: dict[str, str] = {}
        for qid, column in columns.items():
            answer = column[index]
            if answer is not None:  # None: left blank
                chosen[qid] = answer
        for question in questionnaire.segments:
            if question.id in columns:
                continue
            if question.id == "staff_customer_facing" and "staff_function" in columns:
                # Follows from the job: front-line functions face customers, their
                # senior leaders and the back office do not.
                faces = (chosen.get("staff_function") in CUSTOMER_FACING_FUNCTIONS
                         and chosen.get("staff_level") != "leadership")
                chosen[question.id] = "yes" if faces else "no"
                continue
            # A question the demo has no plan for: a plausible, uneven spread.
            weights = [1.0 / (1 + 0.35 * i) for i in range(len(question.options))]
            chosen[question.id] = rng.choices(question.options, weights=weights)[0].id
        roster.append(chosen)
    return roster


@dataclass
class _CommentDraw:
    """Hands out each longer comment once, in a shuffled order, then the short
    answers, so the demo reads like real answers rather than one line repeated."""

    rng: random.Random

    def __post_init__(self) -> None:
        self.queues: dict[tuple[str, str], list[str]] = {}

    def take(self, question_id: str, tone: str) -> str | None:
        key = (question_id, tone)
        if key not in self.queues:
            queue = list(COMMENTS.get(question_id, {}).get(tone, ()))
            self.rng.shuffle(queue)
            self.queues[key] = queue
        if self.queues[key]:
            return self.queues[key].pop()
        short: Sequence[str] = SHORT_COMMENTS.get(question_id, {}).get(tone, ())
        if not short:
            return None
        # The first listed is the most often written, the last the least.
        return self.rng.choices(short, weights=range(len(short), 0, -1))[0]


def _respondent(
    engagement: Engagement,
    instrument: Instrument,
    audience: Audience,
    chosen: dict[str, str],
    rng: random.Random,
    comments: _CommentDraw,
    year_index: int,
) -> NewResponse:
    questionnaire = instrument.questionnaires[audience]
    given: dict[str, int | None] = {}
    mood = rng.gauss(0, 0.10)  # this respondent's general warmth
    lean = {Lens.MEANS: mood, Lens.ENDS: mood}
    for question_id, option_id in chosen.items():
        for lens, shift in SEGMENT_EFFECTS.get((question_id, option_id), {}).items():
            lean[lens] += shift
    # One opinion per dimension, shared by its items, so the items hang together
    # (Cronbach's alpha around 0.7-0.9, as in real surveys).
    opinion = {d.id: rng.gauss(0, 0.12) for d in instrument.dimensions}
    experience = _level(instrument, None, audience, year_index) + lean[Lens.ENDS]
    for item in instrument.items_for(audience):
        if rng.random() < 0.04:
            continue  # skipped
        scale = instrument.scale(item.scale)
        if item.outcome is not None:
            level = _outcome_level(item.outcome, experience, chosen)
        else:
            dimension = item.dimension or ""
            lens = instrument.dimension(dimension).lens if dimension else Lens.ENDS
            level = (_level(instrument, dimension, audience, year_index) + lean[lens]
                     + opinion.get(dimension, 0.0))
        if scale.allow_na and item.outcome is None and rng.random() < 0.05:
            given[item.id] = None
            continue
        latent = min(1.0, max(0.0, rng.gauss(level, 0.10)))
        if item.reverse:
            latent = 1.0 - latent
        given[item.id] = scale.min + round(latent * (scale.max - scale.min))
    # Critical writers are those who think less of the firm's intent than most of
    # their audience do (among staff, more often those who face customers).
    critical = lean[Lens.ENDS] < (0.03 if audience == Audience.CUSTOMER else 0.0)
    tone = "critical" if critical else "warm"
    said = {}
    for question in questionnaire.open_questions:
        if rng.random() < COMMENT_RATES.get(question.id, 0.3):
            text = comments.take(question.id, tone)
            if text is not None:
                said[question.id] = text
    return NewResponse(answers=given, segments=chosen, comments=said, day=engagement.created_on)


def _level(
    instrument: Instrument, dimension: str | None, audience: Audience, year_index: int
) -> float:
    """The audience's mean latent opinion of a dimension (None: of the ends lens)."""
    if not dimension:
        return LENS_LEVELS[(Lens.ENDS, audience)][year_index]
    levels = DIMENSION_LEVELS.get(dimension, {})
    if audience in levels:
        return levels[audience][year_index]
    lens = instrument.dimension(dimension).lens
    return LENS_LEVELS[(lens, audience)][year_index]


def _outcome_level(outcome: Outcome, experience: float, chosen: Mapping[str, str]) -> float:
    """Outcomes follow how the respondent sees the firm's intent."""
    if outcome == Outcome.STAY_HOSTAGE:
        # Those who think least of the firm stay because leaving is a hassle.
        return 0.98 - experience + HOSTAGE_EFFECTS.get(chosen.get("customer_length", ""), 0.0)
    if outcome == Outcome.RECOMMEND:
        return experience + 0.27
    if outcome == Outcome.STAY_BY_CHOICE:
        return experience + 0.04
    return experience + 0.03
