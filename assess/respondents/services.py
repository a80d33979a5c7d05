"""Links, tokens and saving answers page by page. Services flush; callers commit."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import case, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.schema import Audience, Instrument, Item, Scale, Section
from assess.respondents.models import (
    Answer,
    Comment,
    Link,
    LinkKind,
    Mailing,
    MailingKind,
    Response,
    ResponseStatus,
    SegmentAnswer,
    SpentKey,
)
from assess.respondents.texts import ui_texts
from assess.results.codes import CodeLayout

NOT_APPLICABLE = "na"
MAX_SINGLE_USE = 10_000
# Every token we hand out is URL-safe base64 or hex, 32 to 43 characters; anything
# else is refused before the database is asked.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- links --------------------------------------------------------------------------


def open_link_token(link: Link) -> str:
    """The open link's token, derived so it can be shown again without storing it.

    HMAC of the app's secret key with the link's id: 172 bits, reproducible by the
    server alone; a replaced open link is a new row, hence a new token.
    """
    key = current_app.config["SECRET_KEY"].encode()
    message = f"open-link:{link.id}:{link.engagement_id}:{link.audience}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:43]


def link_url(token: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/r/{token}"


def existing_open_link(engagement: Engagement, audience: Audience) -> Link | None:
    return db.session.scalar(
        select(Link)
        .where(
            Link.engagement_id == engagement.id,
            Link.audience == audience,
            Link.kind == LinkKind.OPEN,
            Link.revoked.is_(False),
        )
        .order_by(Link.id)
    )


def open_link(engagement: Engagement, audience: Audience) -> tuple[Link, str]:
    """The engagement's open link for the audience, created on first use."""
    link = existing_open_link(engagement, audience)
    if link is None:
        link = Link(
            engagement_id=engagement.id,
            audience=audience,
            kind=LinkKind.OPEN,
            token_hash=secrets.token_hex(32),  # placeholder until the id is known
        )
        db.session.add(link)
        db.session.flush()
        link.token_hash = hash_token(open_link_token(link))
        db.session.flush()
    return link, open_link_token(link)


def replace_open_link(engagement: Engagement, audience: Audience) -> tuple[Link, str]:
    """Withdraw the open link (it stops working at once) and make a new one."""
    db.session.execute(
        update(Link)
        .where(
            Link.engagement_id == engagement.id,
            Link.audience == audience,
            Link.kind == LinkKind.OPEN,
        )
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return open_link(engagement, audience)


def create_single_use_links(engagement: Engagement, audience: Audience, count: int) -> list[str]:
    """``count`` new personal links; the tokens are returned once and never stored."""
    return [token for token, _link in new_single_use_links(engagement, audience, count)]


def new_single_use_links(
    engagement: Engagement, audience: Audience, count: int
) -> list[tuple[str, Link]]:
    if not 1 <= count <= MAX_SINGLE_USE:
        raise ValueError(f"Create between 1 and {MAX_SINGLE_USE:,} personal links at a time.")
    tokens = [secrets.token_urlsafe(24) for _ in range(count)]  # 192 bits each
    links = [
        Link(
            engagement_id=engagement.id,
            audience=audience,
            kind=LinkKind.SINGLE_USE,
            token_hash=hash_token(token),
        )
        for token in tokens
    ]
    db.session.add_all(links)
    db.session.flush()
    return list(zip(tokens, links, strict=True))


def withdraw_unused_single_use(engagement: Engagement, audience: Audience) -> int:
    """Withdraw every personal link of the audience that has not been used; how many."""
    result = db.session.execute(
        update(Link)
        .where(
            Link.engagement_id == engagement.id,
            Link.audience == audience,
            Link.kind == LinkKind.SINGLE_USE,
            Link.used.is_(False),
            Link.revoked.is_(False),
        )
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def resolve_link(token: str, *, lock: bool = False) -> Link | None:
    """The live link for a token, or None for every kind of wrong token.

    ``lock`` takes the link's row lock for the rest of the transaction (PostgreSQL;
    SQLite's writing transactions are serial already), so requests through one
    personal link are handled one after the other.
    """
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    query = select(Link).where(Link.token_hash == hash_token(token))
    if lock:
        query = query.with_for_update()
    link = db.session.scalar(query)
    if link is None or link.revoked:
        return None
    return link


def lock_link(link: Link) -> Link:
    """The link read again under its row lock (PostgreSQL ``FOR UPDATE``)."""
    locked = db.session.scalar(
        select(Link)
        .where(Link.id == link.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


@dataclass(frozen=True)
class AudienceStats:
    """What the consultant sees about one audience's links: counts only."""

    submitted: int = 0
    in_progress: int = 0
    personal_issued: int = 0  # live single-use links
    personal_used: int = 0
    invitations_sent: int = 0
    first_invitation_on: date | None = None
    reminder_sent_on: date | None = None
    reminder_recipients: int = 0

    @property
    def personal_rate(self) -> int | None:
        """Percentage of personal links used, when any were issued."""
        if not self.personal_issued:
            return None
        return round(100 * self.personal_used / self.personal_issued)


def audience_stats(engagement_id: int, audience: Audience) -> AudienceStats:
    responses = dict(
        db.session.execute(
            select(Response.status, func.count())
            .where(Response.engagement_id == engagement_id, Response.audience == audience)
            .group_by(Response.status)
        ).all()
    )
    issued, used = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Link.used.is_(True), 1), else_=0)), 0),
        ).where(
            Link.engagement_id == engagement_id,
            Link.audience == audience,
            Link.kind == LinkKind.SINGLE_USE,
            (Link.revoked.is_(False)) | (Link.used.is_(True)),
        )
    ).one()
    invitations = db.session.execute(
        select(func.coalesce(func.sum(Mailing.recipients), 0), func.min(Mailing.sent_on)).where(
            Mailing.engagement_id == engagement_id,
            Mailing.audience == audience,
            Mailing.kind == MailingKind.INVITATION,
        )
    ).one()
    reminder = reminder_for(engagement_id, audience)
    return AudienceStats(
        submitted=responses.get(ResponseStatus.SUBMITTED, 0),
        in_progress=responses.get(ResponseStatus.IN_PROGRESS, 0),
        personal_issued=int(issued),
        personal_used=int(used),
        invitations_sent=int(invitations[0]),
        first_invitation_on=invitations[1],
        reminder_sent_on=reminder.sent_on if reminder else None,
        reminder_recipients=reminder.recipients if reminder else 0,
    )


def reminder_for(engagement_id: int, audience: Audience) -> Mailing | None:
    return db.session.scalar(
        select(Mailing).where(
            Mailing.engagement_id == engagement_id,
            Mailing.audience == audience,
            Mailing.kind == MailingKind.REMINDER,
        )
    )


# -- responses ----------------------------------------------------------------------


def resume_key_for_single_use(token: str) -> str:
    return hash_token("resume:" + token)


def accepts_answers(engagement: Engagement) -> bool:
    return engagement.status == Status.OPEN


def find_in_progress(resume_key_hash: str, *, lock: bool = False) -> Response | None:
    query = select(Response).where(
        Response.resume_key_hash == resume_key_hash,
        Response.status == ResponseStatus.IN_PROGRESS,
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def _spent_hash(resume_key_hash: str) -> str:
    # Hashed again so no value in spent_keys ever equals one that sat on a response.
    return hash_token("spent:" + resume_key_hash)


def is_spent(resume_key_hash: str) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(SpentKey.key_hash == _spent_hash(resume_key_hash)))
        )
    )


def start_response(link: Link, resume_key_hash: str) -> Response:
    """The in-progress response for this key (row-locked), created if there is none.

    The unique resume key makes two simultaneous starts converge on one row: the
    loser's INSERT fails inside a savepoint and it takes the winner's row.
    """
    existing = find_in_progress(resume_key_hash, lock=True)
    if existing is not None:
        return existing
    response = Response(
        engagement_id=link.engagement_id,
        audience=link.audience,
        resume_key_hash=resume_key_hash,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        existing = find_in_progress(resume_key_hash, lock=True)
        if existing is None:
            raise
        return existing
    return response


def submit_response(response: Response, link: Link, instrument: Instrument) -> bool:
    """Submit once. Returns False, having changed nothing, when that is not possible.

    The database decides, so this holds under concurrent requests:

    1. the response's key goes into ``spent_keys``, whose primary key refuses a
       second submission through the same key (double click, replay, two tabs);
    2. a personal link is marked used by a conditional UPDATE (``used`` false →
       true), which only one transaction can win;
    3. the response moves from in progress to submitted by a conditional UPDATE
       that also clears its resume key, so nothing joins it back to the link,
       and stores its answer codes (:mod:`assess.results.codes`), read by the
       results; its answers do not change after this.

    On False the caller rolls back.
    """
    key = response.resume_key_hash
    if key is None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(SpentKey(key_hash=_spent_hash(key)))
    except IntegrityError:
        return False
    if link.kind == LinkKind.SINGLE_USE:
        used = db.session.execute(
            update(Link)
            .where(Link.id == link.id, Link.used.is_(False), Link.revoked.is_(False))
            .values(used=True)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            return False
    today = date.today()
    result = db.session.execute(
        update(Response)
        .where(
            Response.id == response.id,
            Response.status == ResponseStatus.IN_PROGRESS,
            Response.resume_key_hash == key,
        )
        .values(
            status=ResponseStatus.SUBMITTED,
            submitted_on=today,
            resume_key_hash=None,
            answer_codes=stored_codes(response, instrument),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    bump_revision(response.engagement_id)
    db.session.expire(response)
    db.session.expire(link)
    return True


def stored_codes(response: Response, instrument: Instrument) -> bytes:
    """The answer codes of a response, from its stored answers."""
    answers = dict(
        db.session.execute(
            select(Answer.item_id, Answer.value).where(Answer.response_id == response.id)
        ).all()
    )
    segments = dict(
        db.session.execute(
            select(SegmentAnswer.question_id, SegmentAnswer.option_id).where(
                SegmentAnswer.response_id == response.id
            )
        ).all()
    )
    return CodeLayout.for_instrument(instrument, response.audience).encode(answers, segments)


def bump_revision(engagement_id: int) -> None:
    """Responses changed: cached reports of this engagement are stale."""
    db.session.execute(
        update(Engagement)
        .where(Engagement.id == engagement_id)
        .values(revision=Engagement.revision + 1)
        .execution_options(synchronize_session=False)
    )


# -- pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    kind: str  # "segments", "section" or "open"
    section_id: str | None = None


def pages_for(instrument: Instrument, audience: Audience) -> list[Page]:
    questionnaire = instrument.questionnaires[audience]
    pages: list[Page] = []
    if questionnaire.segments:
        pages.append(Page("segments"))
    for section in questionnaire.sections:
        pages.append(Page("section", section.id))
    if questionnaire.open_questions:
        pages.append(Page("open"))
    return pages


def section_of(instrument: Instrument, audience: Audience, page: Page) -> Section:
    return next(
        s for s in instrument.questionnaires[audience].sections if s.id == page.section_id
    )


def page_title(instrument: Instrument, audience: Audience, page: Page, language: str) -> str:
    words = ui_texts(language)
    if page.kind == "segments":
        return words["about_you"]
    if page.kind == "open":
        return words["own_words"]
    return instrument.text(section_of(instrument, audience, page).title, language)


@dataclass(frozen=True)
class Point:
    value: str
    label: str


def scale_points(instrument: Instrument, scale: Scale, language: str) -> list[Point]:
    """The scale's answers as (value, label); numbers join the label when only some
    points are labelled (0 "Not at all likely", 1, 2, … 10 "Extremely likely")."""
    all_labelled = all(p in scale.labels for p in scale.points)
    points = []
    for p in scale.points:
        label = instrument.text(scale.labels[p], language) if p in scale.labels else ""
        if all_labelled:
            text = label
        else:
            text = f"{p} – {label}" if label else str(p)
        points.append(Point(str(p), text))
    return points


@dataclass(frozen=True)
class ItemRun:
    """Consecutive items of a section on one scale: one grid on wide screens."""

    scale: Scale
    items: list[Item]


def item_runs(instrument: Instrument, section: Section) -> list[ItemRun]:
    runs: list[ItemRun] = []
    for item_id in section.items:
        item = instrument.item(item_id)
        if runs and runs[-1].scale.id == item.scale:
            runs[-1].items.append(item)
        else:
            runs.append(ItemRun(instrument.scale(item.scale), [item]))
    return runs


@dataclass(frozen=True)
class FieldError:
    """A problem with one field: a key of the page texts and its parameters."""

    code: str
    params: dict[str, int] = field(default_factory=dict)


@dataclass
class PageInput:
    """What a page's form said, validated; ``errors`` maps a field to its problem."""

    answers: dict[str, int | None] = field(default_factory=dict)  # None: not applicable
    skipped: list[str] = field(default_factory=list)
    segments: dict[str, str | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)


_INTEGER = re.compile(r"-?[0-9]{1,6}")
# Control characters other than tab and newline: never part of an honest answer,
# and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(raw: str) -> str:
    """A comment as stored: newlines normalised (browsers send CRLF, and count a
    line break as one character for ``maxlength``), control characters removed."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def parse_page(
    instrument: Instrument, audience: Audience, page: Page, form: MultiDict[str, str]
) -> PageInput:
    """Validate every value against the instrument; unknown fields are tampering."""
    result = PageInput()
    questionnaire = instrument.questionnaires[audience]
    expected: set[str] = set()

    def single(name: str) -> str | None:
        values = form.getlist(name)
        if len(values) > 1:
            result.errors[name] = FieldError("error_twice")
            return None
        return values[0] if values else ""

    if page.kind == "section":
        for item_id in section_of(instrument, audience, page).items:
            item = instrument.item(item_id)
            scale = instrument.scale(item.scale)
            name = f"item-{item_id}"
            expected.add(name)
            raw = single(name)
            if raw is None:
                continue
            raw = raw.strip()
            if raw == "":
                result.skipped.append(item_id)
            elif raw == NOT_APPLICABLE and scale.allow_na:
                result.answers[item_id] = None
            elif _INTEGER.fullmatch(raw) and scale.min <= int(raw) <= scale.max:
                result.answers[item_id] = int(raw)
            else:
                result.errors[name] = FieldError("error_scale")
    elif page.kind == "segments":
        for question in questionnaire.segments:
            name = f"segment-{question.id}"
            expected.add(name)
            raw = single(name)
            if raw is None:
                continue
            raw = raw.strip()
            if raw == "":
                result.segments[question.id] = None
            elif raw in {o.id for o in question.options}:
                result.segments[question.id] = raw
            else:
                result.errors[name] = FieldError("error_option")
    else:
        for question in questionnaire.open_questions:
            name = f"open-{question.id}"
            expected.add(name)
            raw = single(name)
            if raw is None:
                continue
            text = clean_text(raw)
            if len(text) > question.max_length:
                result.errors[name] = FieldError(
                    "error_length", {"max": question.max_length, "n": len(text)}
                )
            else:
                result.comments[question.id] = text
    if any(
        name.startswith(("item-", "segment-", "open-")) and name not in expected
        for name in form
    ):
        result.errors["form"] = FieldError("error_form")
    return result


def save_page(response: Response, page: Page, data: PageInput, instrument: Instrument) -> None:
    """Replace what this page held for the response with the validated input."""
    if data.errors:
        raise ValueError("save_page needs input without errors")
    if page.kind == "section":
        section = section_of(instrument, response.audience, page)
        db.session.execute(
            delete(Answer).where(
                Answer.response_id == response.id, Answer.item_id.in_(section.items)
            )
        )
        db.session.add_all(
            Answer(response_id=response.id, item_id=item_id, value=value)
            for item_id, value in data.answers.items()
        )
    elif page.kind == "segments":
        db.session.execute(delete(SegmentAnswer).where(SegmentAnswer.response_id == response.id))
        db.session.add_all(
            SegmentAnswer(response_id=response.id, question_id=qid, option_id=option)
            for qid, option in data.segments.items()
            if option is not None
        )
    else:
        db.session.execute(delete(Comment).where(Comment.response_id == response.id))
        db.session.add_all(
            Comment(response_id=response.id, question_id=qid, text=text)
            for qid, text in data.comments.items()
            if text
        )
    db.session.flush()


def saved_values(response: Response | None) -> dict[str, str]:
    """The response's stored answers as form values, to fill a page in again."""
    values: dict[str, str] = {}
    if response is None:
        return values
    for answer in db.session.scalars(select(Answer).where(Answer.response_id == response.id)):
        values[f"item-{answer.item_id}"] = (
            NOT_APPLICABLE if answer.value is None else str(answer.value)
        )
    for segment in db.session.scalars(
        select(SegmentAnswer).where(SegmentAnswer.response_id == response.id)
    ):
        values[f"segment-{segment.question_id}"] = segment.option_id
    for comment in db.session.scalars(select(Comment).where(Comment.response_id == response.id)):
        values[f"open-{comment.question_id}"] = comment.text
    return values

