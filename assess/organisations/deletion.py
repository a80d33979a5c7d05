"""Deleting an organisation with everything a workspace holds about it.

What goes:

- in the database, by its cascades from ``organisations``: the engagements, their
  links, responses, answers, segment answers, comments, mailings, share links and
  files (report logos and cached PDF reports: :mod:`assess.engagements.files`),
  and the readers' access to the organisation;
- pending reader invitations lose the organisation (an invitation left with none
  is deleted);
- in the audit log: one new entry records the deletion (the organisation's name,
  its former id and what it held, counted; no id columns, as ids may be reused).
  Earlier entries about the organisation or its engagements stay, as a record of
  who did what and when, but their detail and ids are cleared
  (:func:`assess.audit.log.forget`), so the log keeps nothing else about what was
  deleted.

One engagement (:func:`delete_engagement`, a consultant's "Delete this
engagement") goes the same way, by the same code (:func:`_erase`): the cascades from
``engagements`` take its links, responses, answers, comments, mailings, share links,
files (logo, cached reports) and import batches; one entry records it and earlier
entries about the engagement are forgotten (those about its organisation stay).

Not here: instrument snapshots (questionnaire content, shared between engagements
and organisations) and spent resume keys (a hash and nothing else). Nothing is left
on disk. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Delete, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from assess.accounts.models import AccountToken, TokenPurpose
from assess.audit import log
from assess.audit.models import AuditEntry
from assess.engagements import files
from assess.engagements.files import FileKind
from assess.engagements.models import Engagement, Organisation
from assess.extensions import db
from assess.respondents.models import Comment, Link, Mailing, Response
from assess.sharing.models import ShareLink
from assess.transfer.models import ImportBatch
from assess.workspaces.models import ReaderAccess


@dataclass(frozen=True)
class Holdings:
    """What an organisation holds: shown before deleting it, recorded after."""

    engagements: int
    responses: int
    comments: int
    links: int
    mailings: int
    share_links: int
    readers: int
    logos: int
    imports: int = 0
    reports: int = 0

    def describe_engagement(self) -> str:
        """What one engagement holds, for the confirmation and the audit entry: what
        it had none of is left out ("nothing else" when it had nothing)."""
        parts = [
            (self.responses, "response", "responses"),
            (self.comments, "comment", "comments"),
            (self.links, "respondent link", "respondent links"),
            (self.mailings, "mailing", "mailings"),
            (self.share_links, "share link", "share links"),
            (self.imports, "import", "imports"),
            (self.logos, "logo", "logos"),
            (self.reports, "cached report", "cached reports"),
        ]
        held = [f"{n} {one if n == 1 else many}" for n, one, many in parts if n]
        return ", ".join(held) or "nothing else"

    def describe(self) -> str:
        """"2 engagements, 12 responses, ...": for the page and the audit entry."""
        parts = [
            (self.engagements, "engagement", "engagements"),
            (self.responses, "response", "responses"),
            (self.comments, "comment", "comments"),
            (self.links, "respondent link", "respondent links"),
            (self.mailings, "mailing", "mailings"),
            (self.share_links, "share link", "share links"),
            (self.readers, "reader access", "reader accesses"),
            (self.logos, "logo", "logos"),
        ]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts)


@dataclass(frozen=True)
class Deletion:
    """A deletion done in the database: what it held."""

    name: str
    holdings: Holdings
    engagement_ids: tuple[int, ...]
    entry: AuditEntry


def engagement_ids(organisation: Organisation) -> tuple[int, ...]:
    return tuple(
        db.session.scalars(
            select(Engagement.id)
            .where(Engagement.organisation_id == organisation.id)
            .order_by(Engagement.id)
        )
    )


def holdings(organisation: Organisation) -> Holdings:
    return _holdings(engagement_ids(organisation), organisation.id)


def engagement_holdings(engagement: Engagement) -> Holdings:
    """What one engagement holds (no readers: they are given the organisation)."""
    return _holdings((engagement.id,), None)


def _holdings(ids: tuple[int, ...], organisation_id: int | None) -> Holdings:
    def count(column: InstrumentedAttribute[int]) -> int:
        query = select(func.count()).select_from(column.class_).where(column.in_(ids))
        return int(db.session.scalar(query) or 0)

    return Holdings(
        engagements=len(ids),
        responses=count(Response.engagement_id),
        comments=int(
            db.session.scalar(
                select(func.count())
                .select_from(Comment)
                .join(Response, Response.id == Comment.response_id)
                .where(Response.engagement_id.in_(ids))
            )
            or 0
        ),
        links=count(Link.engagement_id),
        mailings=count(Mailing.engagement_id),
        share_links=count(ShareLink.engagement_id),
        readers=0 if organisation_id is None else int(
            db.session.scalar(
                select(func.count())
                .select_from(ReaderAccess)
                .where(ReaderAccess.organisation_id == organisation_id)
            )
            or 0
        ),
        logos=files.count(ids, FileKind.LOGO),
        imports=count(ImportBatch.engagement_id),
        reports=files.count(ids, FileKind.REPORT),
    )


def delete_organisation(organisation: Organisation) -> Deletion:
    """Delete the organisation and all it holds, and record it. The caller commits."""
    held = holdings(organisation)
    ids = engagement_ids(organisation)
    name = organisation.name
    workspace_id = organisation.workspace_id
    organisation_id = organisation.id
    _forget_reader_invitations(workspace_id, organisation_id)
    entry = _erase(
        delete(Organisation).where(Organisation.id == organisation_id),
        "organisation_deleted",
        workspace_id=workspace_id,
        detail=f"{name} (organisation {organisation_id}): {held.describe()}",
        about=log.About(organisation_id, ids),
    )
    return Deletion(name=name, holdings=held, engagement_ids=ids, entry=entry)


def delete_engagement(engagement: Engagement) -> Deletion:
    """Delete one engagement and all it holds, and record it. The caller commits."""
    held = engagement_holdings(engagement)
    organisation = engagement.organisation
    engagement_id = engagement.id
    name = engagement.name
    entry = _erase(
        delete(Engagement).where(Engagement.id == engagement_id),
        "engagement_deleted",
        workspace_id=organisation.workspace_id,
        detail=f"{organisation.name}: {name} (engagement {engagement_id}): "
        f"{held.describe_engagement()}",
        about=log.About(None, (engagement_id,)),
        organisation_id=organisation.id,
    )
    return Deletion(name=name, holdings=held, engagement_ids=(engagement_id,), entry=entry)


def _erase(
    statement: Delete,
    action: str,
    *,
    workspace_id: int,
    detail: str,
    about: log.About,
    organisation_id: int | None = None,
) -> AuditEntry:
    """Delete by ``statement`` (the database's cascades take what the rows hold),
    record it, and forget what earlier entries said about it."""
    db.session.execute(statement)
    db.session.expire_all()
    # The entry names what went but carries no id of it: SQLite may give a deleted
    # row's id to the next one made, whose export and deletion would take it in.
    # (An engagement's entry keeps its organisation's id: the organisation stays.)
    entry = log.record(
        action, workspace_id=workspace_id, detail=detail, organisation_id=organisation_id
    )
    log.forget(about, keep=entry)
    db.session.flush()
    return entry


def _forget_reader_invitations(workspace_id: int, organisation_id: int) -> None:
    """Unused reader invitations name the organisations they give (ids, comma-
    separated): take this one out; an invitation left with none is deleted."""
    rows = db.session.scalars(
        select(AccountToken).where(
            AccountToken.purpose == TokenPurpose.INVITATION,
            AccountToken.workspace_id == workspace_id,
            AccountToken.organisation_ids.is_not(None),
        )
    )
    for row in rows:
        ids = [part for part in (row.organisation_ids or "").split(",") if part.strip()]
        kept = [part for part in ids if part.strip() != str(organisation_id)]
        if kept == ids:
            continue
        if kept:
            row.organisation_ids = ",".join(kept)
        else:
            db.session.delete(row)
    db.session.flush()
