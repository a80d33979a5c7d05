"""Links, tokens and saving answers page by page. Services flush; callers commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import delete, select, update

from assess.engagements.models import Engagement
from assess.extensions import db
from assess.instruments.schema import Audience, Instrument
from assess.respondents.models import (
    Answer,
    Comment,
    Link,
    LinkKind,
    Response,
    ResponseStatus,
    SegmentAnswer,
)

NOT_APPLICABLE = "na"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_link_token(link: Link) -> str:
    """The open link's token, derived so it can be shown again without storing it.

    HMAC of the app's secret key with the link's id: 256 bits, reproducible by the
    server alone; a revoked open link is replaced by a new row, hence a new token.
    """
    key = current_app.config["SECRET_KEY"].encode()
    message = f"open-link:{link.id}:{link.engagement_id}:{link.audience}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:43]


def link_url(token: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/r/{token}"


def existing_open_link(engagement: Engagement, audience: Audience) -> Link | None:
    return db.session.scalar(
        select(Link).where(
            Link.engagement_id == engagement.id,
            Link.audience == audience,
            Link.kind == LinkKind.OPEN,
            Link.revoked.is_(False),
        )
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


def create_single_use_links(
    engagement: Engagement, audience: Audience, count: int
) -> list[str]:
    """``count`` new personal links; the tokens are returned once and never stored."""
    if not 1 <= count <= 10000:
        raise ValueError("Create between 1 and 10,000 personal links at a time.")
    tokens = [secrets.token_urlsafe(24) for _ in range(count)]  # 192 bits each
    db.session.add_all(
        Link(
            engagement_id=engagement.id,
            audience=audience,
            kind=LinkKind.SINGLE_USE,
            token_hash=hash_token(token),
        )
        for token in tokens
    )
    db.session.flush()
    return tokens


def resolve_link(token: str) -> Link | None:
    """The live link for a token, or None for every kind of wrong token."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(Link).where(Link.token_hash == hash_token(token)))
    if link is None or link.revoked:
        return None
    return link


# -- responses ----------------------------------------------------------------------


def resume_key_for_single_use(token: str) -> str:
    return hash_token("resume:" + token)


def find_in_progress(resume_key_hash: str) -> Response | None:
    return db.session.scalar(
        select(Response).where(
            Response.resume_key_hash == resume_key_hash,
            Response.status == ResponseStatus.IN_PROGRESS,
        )
    )


def start_response(link: Link, resume_key_hash: str) -> Response:
    """The in-progress response for this key, created if there is none.

    The unique resume key makes two simultaneous starts converge on one row.
    """
    existing = find_in_progress(resume_key_hash)
    if existing is not None:
        return existing
    response = Response(
        engagement_id=link.engagement_id,
        audience=link.audience,
        resume_key_hash=resume_key_hash,
    )
    db.session.add(response)
    db.session.flush()
    return response


# -- pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    kind: str  # "segments", "section" or "open"
    title: str
    section_id: str | None = None


def pages_for(instrument: Instrument, audience: Audience) -> list[Page]:
    questionnaire = instrument.questionnaires[audience]
    pages: list[Page] = []
    if questionnaire.segments:
        pages.append(Page("segments", "About you"))
    for section in questionnaire.sections:
        pages.append(Page("section", instrument.text(section.title), section.id))
    if questionnaire.open_questions:
        pages.append(Page("open", "In your own words"))
    return pages


@dataclass
class PageInput:
    """What a page's form said, validated; ``errors`` maps a field to its problem."""

    answers: dict[str, int | None] = field(default_factory=dict)  # None: not applicable
    skipped: list[str] = field(default_factory=list)
    segments: dict[str, str | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def parse_page(
    instrument: Instrument, audience: Audience, page: Page, form: dict[str, str]
) -> PageInput:
    """Validate every value against the instrument; unknown fields are tampering."""
    result = PageInput()
    questionnaire = instrument.questionnaires[audience]
    expected: set[str] = set()
    if page.kind == "section":
        section = next(s for s in questionnaire.sections if s.id == page.section_id)
        for item_id in section.items:
            item = instrument.item(item_id)
            scale = instrument.scale(item.scale)
            name = f"item-{item_id}"
            expected.add(name)
            raw = (form.get(name) or "").strip()
            if raw == "":
                result.skipped.append(item_id)
            elif raw == NOT_APPLICABLE and scale.allow_na:
                result.answers[item_id] = None
            else:
                try:
                    value = int(raw)
                except ValueError:
                    value = None
                if value is None or not scale.min <= value <= scale.max:
                    result.errors[name] = (
                        f"'{raw[:20]}' is not an answer on this question's scale "
                        f"({scale.min} to {scale.max})."
                    )
                else:
                    result.answers[item_id] = value
    elif page.kind == "segments":
        for question in questionnaire.segments:
            name = f"segment-{question.id}"
            expected.add(name)
            raw = (form.get(name) or "").strip()
            options = {o.id for o in question.options}
            if raw == "":
                result.segments[question.id] = None
            elif raw in options:
                result.segments[question.id] = raw
            else:
                result.errors[name] = f"'{raw[:20]}' is not one of this question's choices."
    else:
        for question in questionnaire.open_questions:
            name = f"open-{question.id}"
            expected.add(name)
            text = (form.get(name) or "").strip()
            if len(text) > question.max_length:
                result.errors[name] = (
                    f"Please keep this to {question.max_length} characters "
                    f"(it has {len(text)})."
                )
            else:
                result.comments[question.id] = text
    unknown = [
        name
        for name in form
        if name.startswith(("item-", "segment-", "open-")) and name not in expected
    ]
    if unknown:
        result.errors["form"] = (
            "This page was sent with questions that are not on it "
            f"({', '.join(sorted(unknown)[:3])}). Reload the page and answer again."
        )
    return result


def save_page(response: Response, page: Page, data: PageInput, instrument: Instrument) -> None:
    """Replace what this page held for the response with the validated input."""
    if data.errors:
        raise ValueError("save_page needs input without errors")
    if page.kind == "section":
        section = next(
            s for s in instrument.questionnaires[response.audience].sections
            if s.id == page.section_id
        )
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


def saved_values(response: Response) -> dict[str, str]:
    """The response's stored answers as form values, to fill a page in again."""
    values: dict[str, str] = {}
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


def submit_response(response: Response, link: Link) -> bool:
    """Submit once. Returns False, having changed nothing, when that is not possible.

    Conditional UPDATEs are the guard, so the database decides under concurrency:
    of two simultaneous submissions only one finds the personal link unused and
    the response still in progress. Submission also clears the resume key, so
    nothing joins the response back to the link it came through. On False the
    caller rolls back (the second UPDATE cannot fail after the first succeeded
    unless the row changed under us, and then nothing must be kept).
    """
    today = date.today()
    if link.kind == LinkKind.SINGLE_USE:
        used = db.session.execute(
            update(Link)
            .where(Link.id == link.id, Link.used_on.is_(None))
            .values(used_on=today)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:
            return False
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.IN_PROGRESS)
        .values(status=ResponseStatus.SUBMITTED, submitted_on=today, resume_key_hash=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    bump_revision(response.engagement_id)
    db.session.expire(response)
    return True


def bump_revision(engagement_id: int) -> None:
    """Responses changed: cached reports of this engagement are stale."""
    db.session.execute(
        update(Engagement)
        .where(Engagement.id == engagement_id)
        .values(revision=Engagement.revision + 1)
        .execution_options(synchronize_session=False)
    )
