"""Share links: making, finding, using and revoking them. Services flush; callers commit.

A share link lets someone without an account read one released report (the results
page and the PDF) until it expires or is revoked. Its token is as strong as a
respondent's (256 random bits, URL-safe), stored only as its sha256 and shown once,
when the link is made. :func:`find_share_link` gives the same ``None`` for every
token that does not open a report: malformed, unknown, expired, revoked, or of an
engagement whose release was withdrawn.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select, update

from assess.audit.log import record
from assess.engagements.models import Engagement
from assess.extensions import db
from assess.respondents.links import TOKEN_SHAPE, hash_token
from assess.sharing.models import ShareLink
from assess.text import without_bidi_controls

#: The expiry choices offered, in days; or a chosen date (``EXPIRY_DATE``).
EXPIRY_DAYS = (7, 30, 90)
EXPIRY_DATE = "date"
#: The latest a chosen date may be, counted from today.
LONGEST_DAYS = 366
#: A use after this long without one is a new visit: one audit entry per visit, so
#: reloading the page or the PDF does not fill the log.
VISIT_GAP = timedelta(hours=1)
TOKEN_BYTES = 32  # 256 bits (respondent tokens: 192)


class ShareLinkError(ValueError):
    """A share link that cannot be made as asked; the message says why."""


def now() -> datetime:
    """Naive UTC, as the database stores it (the tests move this clock)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class NewShareLink:
    link: ShareLink
    token: str  # shown once; only its hash is kept

    @property
    def url(self) -> str:
        return share_url(self.token)


@dataclass(frozen=True)
class SharedReport:
    """A live share link and the engagement it opens."""

    link: ShareLink
    engagement: Engagement


def share_url(token: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/s/{token}"


def is_released(engagement: Engagement) -> bool:
    return engagement.released_at is not None


def expiry_for(choice: str, chosen: date | None, *, at: datetime) -> datetime:
    """When a link made at ``at`` stops working: 7, 30 or 90 days later, or at the
    end (midnight UTC) of a chosen date, which must be after today and within a year."""
    if choice == EXPIRY_DATE:
        if chosen is None:
            raise ShareLinkError("Choose the date until which the link works.")
        today = at.date()
        if chosen <= today:
            raise ShareLinkError("The link's last day must be after today.")
        if chosen > today + timedelta(days=LONGEST_DAYS):
            raise ShareLinkError("A share link works for at most a year: choose an earlier date.")
        return datetime.combine(chosen + timedelta(days=1), time())
    try:
        days = int(choice)
    except ValueError:
        days = 0
    if days not in EXPIRY_DAYS:
        raise ShareLinkError("Choose how long the link works: 7, 30 or 90 days, or a date.")
    return at + timedelta(days=days)


def create_share_link(
    engagement: Engagement,
    *,
    expiry: str,
    chosen_date: date | None = None,
    with_comments: bool = False,
    label: str = "",
    created_by: int | None = None,
) -> NewShareLink:
    """A new link to the engagement's released report; the token is returned once."""
    if not is_released(engagement):
        raise ShareLinkError(
            "Release the results before sharing them: a share link shows released results only."
        )
    at = now()
    expires_at = expiry_for(expiry, chosen_date, at=at)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink(
        engagement_id=engagement.id,
        token_hash=hash_token(token),
        label=without_bidi_controls(label).strip()[:200],
        with_comments=with_comments,
        created_by=created_by,
        created_at=at,
        expires_at=expires_at,
    )
    db.session.add(link)
    db.session.flush()
    record(
        "share_link_created",
        workspace_id=engagement.organisation.workspace_id,
        organisation_id=engagement.organisation_id,
        engagement_id=engagement.id,
        detail=f"{describe(link)}, until {expires_at:%Y-%m-%d %H:%M} UTC, "
        f"{'with' if with_comments else 'without'} comments",
    )
    return NewShareLink(link, token)


def describe(link: ShareLink) -> str:
    return f"share link {link.id}" + (f" ({link.label})" if link.label else "")


def find_share_link(token: str) -> SharedReport | None:
    """The live link of this token and its engagement, else None.

    Every token takes the same path, a hash and one indexed look-up, whatever is
    wrong with it, so neither the answer nor its timing says which it was."""
    row = db.session.execute(
        select(ShareLink, Engagement)
        .join(Engagement, Engagement.id == ShareLink.engagement_id)
        .where(ShareLink.token_hash == hash_token(token))
    ).first()
    well_formed = TOKEN_SHAPE.fullmatch(token) is not None
    if row is None or not well_formed:
        return None
    link, engagement = row
    if link.revoked_at is not None or link.expires_at <= now() or not is_released(engagement):
        return None
    return SharedReport(link, engagement)


def record_use(shared: SharedReport, what: str) -> None:
    """Count a use and note when; the first use of a visit (after ``VISIT_GAP``
    without one) writes an audit entry."""
    link, engagement = shared.link, shared.engagement
    at = now()
    new_visit = link.last_used_at is None or at - link.last_used_at >= VISIT_GAP
    # One UPDATE, so that two readers at once both count.
    db.session.execute(
        update(ShareLink)
        .where(ShareLink.id == link.id)
        .values(uses=ShareLink.uses + 1, last_used_at=at)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(link, ["uses", "last_used_at"])
    if new_visit:
        record(
            "share_link_used",
            workspace_id=engagement.organisation.workspace_id,
            organisation_id=engagement.organisation_id,
            engagement_id=engagement.id,
            detail=f"{describe(link)}: {what}",
            actor=f"share link {link.id}",
        )


def revoke_share_link(link: ShareLink, engagement: Engagement) -> bool:
    """Stop the link for good; False when it was revoked already."""
    if link.revoked_at is not None:
        return False
    link.revoked_at = now()
    db.session.flush()
    record(
        "share_link_revoked",
        workspace_id=engagement.organisation.workspace_id,
        organisation_id=engagement.organisation_id,
        engagement_id=engagement.id,
        detail=describe(link),
    )
    return True


def engagement_share_link(engagement: Engagement, link_id: int) -> ShareLink | None:
    link = db.session.get(ShareLink, link_id)
    if link is None or link.engagement_id != engagement.id:
        return None
    return link


@dataclass(frozen=True)
class ShareLinkRow:
    """One link as the consultant's panel lists it."""

    id: int
    label: str
    with_comments: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    uses: int
    state: str  # "active", "expired" or "revoked"

    @property
    def active(self) -> bool:
        return self.state == "active"


def share_links(engagement: Engagement) -> list[ShareLinkRow]:
    """The engagement's links, newest first, with their state and last use."""
    at = now()
    rows = []
    for link in db.session.scalars(
        select(ShareLink)
        .where(ShareLink.engagement_id == engagement.id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    ):
        state = (
            "revoked" if link.revoked_at is not None
            else "expired" if link.expires_at <= at
            else "active"
        )
        rows.append(
            ShareLinkRow(
                id=link.id, label=link.label, with_comments=link.with_comments,
                created_at=link.created_at, expires_at=link.expires_at,
                revoked_at=link.revoked_at, last_used_at=link.last_used_at,
                uses=link.uses, state=state,
            )
        )
    return rows
