"""Respondent links: the open link and personal (single-use) links, their tokens,
opening an engagement, and what the consultant sees of each audience's links.
Services flush; callers commit."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import TextClause, case, func, select, text, update

from assess.engagements.models import Engagement, Status
from assess.engagements.services import set_status
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents.models import (
    Link,
    LinkKind,
    Mailing,
    MailingKind,
    Response,
    ResponseStatus,
    counted_or_in_progress,
)
from assess.workspaces.models import WorkspaceKind

MAX_SINGLE_USE = 10_000
# Every token we hand out is URL-safe base64 or hex, 32 to 43 characters; anything
# else is refused before the database is asked.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resume_key_for_single_use(token: str) -> str:
    return hash_token("resume:" + token)


def spent_hash(resume_key_hash: str) -> str:
    """A submitted key as ``spent_keys`` holds it: hashed again, so no value there
    ever equals one that sat on a response."""
    return hash_token("spent:" + resume_key_hash)


def accepts_answers(engagement: Engagement) -> bool:
    return engagement.status == Status.OPEN


def open_engagement(engagement: Engagement) -> None:
    """Open the engagement for answers: its status, and an open link per audience."""
    set_status(engagement, Status.OPEN)
    for audience in engagement.instrument().audiences():
        open_link(engagement, audience)


def change_status(engagement: Engagement, status: Status) -> None:
    """Move the engagement to ``status``; opening it also makes its open links."""
    if status == Status.OPEN:
        open_engagement(engagement)
    else:
        set_status(engagement, status)


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
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult


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


@dataclass
class LinkRow:
    """What a respondent page reads of its link: a plain row, not an ORM object
    (the page reads it with one plain query: :func:`resolve_visit`)."""

    id: int
    engagement_id: int
    audience: Audience
    kind: LinkKind
    used: bool


@dataclass(frozen=True)
class EngagementRow:
    """What a respondent page reads of its engagement."""

    id: int
    name: str
    prepared_by: str | None
    status: Status
    anonymity_threshold: int
    snapshot_id: int

    @classmethod
    def of(cls, engagement: Engagement) -> EngagementRow:
        return cls(engagement.id, engagement.name, engagement.prepared_by, engagement.status,
                   engagement.anonymity_threshold, engagement.snapshot_id)


@dataclass
class ResponseRow:
    """A response in progress as a respondent page reads it. Its answers are
    written by plain statements keyed by ``id`` (:mod:`assess.respondents.recording`)."""

    id: int
    engagement_id: int
    audience: Audience
    resume_key_hash: str
    page: int
    #: The highest page saved so far (-1: none; None: not known, an older response).
    furthest_saved: int | None = None


@dataclass(frozen=True)
class LinkVisit:
    """A live link and what every respondent page needs of its engagement."""

    link: LinkRow
    engagement: EngagementRow
    #: The engagement's instrument snapshot's hash (the content is not read:
    #: :mod:`assess.instruments.snapshots`).
    content_hash: str
    organisation_name: str
    workspace_kind: WorkspaceKind
    #: The responses in progress of this engagement under the resume keys asked about.
    in_progress: dict[str, ResponseRow]
    #: The resume keys asked about that have submitted (``spent_keys``).
    spent: frozenset[str] = frozenset()


def resolve_visit(token: str, resume_keys: Sequence[str] = ()) -> LinkVisit | None:
    """The live link for a token with its engagement, or None for every kind of
    wrong token; and the responses in progress under ``resume_keys`` (the
    request's candidates: the caller picks the one the link's kind uses). One
    query for all a respondent page reads but its saved answers.

    Plain SQL and plain rows: through the ORM the same query cost more than the
    rest of a page's reading (docs/performance.md)."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    keys = list(resume_keys) or [""]
    parameters: dict[str, object] = {f"key{n}": key for n, key in enumerate(keys)}
    parameters.update({f"spent{n}": spent_hash(key) for n, key in enumerate(keys)})
    parameters.update(token_hash=hash_token(token), revoked=False,
                      in_progress=ResponseStatus.IN_PROGRESS.value)
    rows = db.session.execute(_visit_query(len(keys)), parameters).all()
    if not rows:
        return None
    (link_id, engagement_id, audience, kind, used, name, prepared_by, status, threshold,
     snapshot_id, content_hash, organisation_name, workspace_kind) = rows[0][:13]
    spent = frozenset(key for key, flag in zip(keys, rows[0][13:13 + len(keys)], strict=True)
                      if flag)
    in_progress = {
        key_hash: ResponseRow(response_id, engagement_id, Audience(audience), key_hash, page,
                              furthest)
        for *_, response_id, key_hash, page, furthest in rows
        if response_id is not None
    }
    return LinkVisit(
        LinkRow(link_id, engagement_id, Audience(audience), LinkKind(kind), bool(used)),
        EngagementRow(engagement_id, name, prepared_by, Status(status), threshold, snapshot_id),
        content_hash, organisation_name, WorkspaceKind(workspace_kind), in_progress, spent,
    )


@functools.cache
def _visit_query(keys: int) -> TextClause:
    # One statement per number of candidate keys (usually one or two), made once.
    # The response's unique resume key makes at most one row per key; whether each
    # key has submitted rides along (a spent-key lookup of its own was a round trip).
    candidates = ", ".join(f":key{n}" for n in range(keys))
    spent = "".join(
        f"EXISTS (SELECT 1 FROM spent_keys WHERE spent_keys.key_hash = :spent{n}), "
        for n in range(keys)
    )
    return text(
        "SELECT links.id, links.engagement_id, links.audience, links.kind, links.used, "
        "engagements.name, engagements.prepared_by, engagements.status, "
        "engagements.anonymity_threshold, engagements.snapshot_id, "
        "instrument_snapshots.content_hash, organisations.name, workspaces.kind, "
        f"{spent}responses.id, responses.resume_key_hash, responses.page, "
        "responses.furthest_saved "
        "FROM links JOIN engagements ON engagements.id = links.engagement_id "
        "JOIN instrument_snapshots ON instrument_snapshots.id = engagements.snapshot_id "
        "JOIN organisations ON organisations.id = engagements.organisation_id "
        "JOIN workspaces ON workspaces.id = organisations.workspace_id "
        "LEFT OUTER JOIN responses ON responses.engagement_id = links.engagement_id "
        f"AND responses.status = :in_progress AND responses.resume_key_hash IN ({candidates}) "
        "WHERE links.token_hash = :token_hash AND links.revoked = :revoked"
    )


def lock_link(link: LinkRow) -> LinkRow:
    """The link with ``used`` read again under its row lock (PostgreSQL ``FOR UPDATE``)."""
    used = db.session.scalar(select(Link.used).where(Link.id == link.id).with_for_update())
    return dataclasses.replace(link, used=bool(used))


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
    # Submissions through the open links refused for a minute: a burst from one source.
    throttled: int = 0

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
            .where(
                Response.engagement_id == engagement_id,
                Response.audience == audience,
                counted_or_in_progress(),  # rule 1, amended: an empty response is none
            )
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
    throttled = db.session.scalar(
        select(func.coalesce(func.sum(Link.throttled), 0)).where(
            Link.engagement_id == engagement_id,
            Link.audience == audience,
            Link.kind == LinkKind.OPEN,
        )
    )
    return AudienceStats(
        submitted=responses.get(ResponseStatus.SUBMITTED, 0),
        in_progress=responses.get(ResponseStatus.IN_PROGRESS, 0),
        personal_issued=int(issued),
        personal_used=int(used),
        invitations_sent=int(invitations[0]),
        first_invitation_on=invitations[1],
        reminder_sent_on=reminder.sent_on if reminder else None,
        reminder_recipients=reminder.recipients if reminder else 0,
        throttled=int(throttled or 0),
    )


def reminder_for(engagement_id: int, audience: Audience) -> Mailing | None:
    return db.session.scalar(
        select(Mailing).where(
            Mailing.engagement_id == engagement_id,
            Mailing.audience == audience,
            Mailing.kind == MailingKind.REMINDER,
        )
    )
