"""Deleting an organisation (owners, after typing its name) leaves no row, file or
cache entry behind, apart from the audit entry that records it: checked by listing
every table of the metadata (logos and cached reports are rows of
``engagement_files``) and the instance folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Table, select

from assess.audit import log
from assess.audit.models import AuditEntry
from assess.db import Base
from assess.engagements.files import EngagementFile
from assess.extensions import db
from assess.organisations.deletion import delete_organisation

from .conftest import Client

PASSWORD = "correct-horse"

#: Plain-id columns (no foreign key) that name what a row concerns.
NAMED_BY_ID = {"organisation_id": "organisations", "engagement_id": "engagements"}


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def held_rows(
    organisation_id: int, engagement_ids: list[int]
) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table that belongs to, or names, the organisation: its own,
    then (to a fixed point) rows whose foreign key, or an ``organisation_id`` /
    ``engagement_id`` column, points at a row already found (or at the organisation's
    and its engagements' ids, which outlive the rows); and invitations whose
    comma-separated ``organisation_ids`` name it. Keyed by table, by primary key."""
    named = {"organisations": {organisation_id}, "engagements": set(engagement_ids)}
    db.session.rollback()
    tables: list[Table] = list(Base.metadata.sorted_tables)
    organisations = Base.metadata.tables["organisations"]
    found = set(db.session.scalars(
        select(organisations.c.id).where(organisations.c.id == organisation_id)
    ))
    held: dict[str, set[Any]] = {"organisations": found}  # table → ids
    rows: dict[str, set[tuple[Any, ...]]] = {"organisations": {(i,) for i in found}}
    changed = True
    while changed:
        changed = False
        for table in tables:
            pk = list(table.primary_key.columns)
            for column in table.columns:
                targets = {fk.column.table.name for fk in column.foreign_keys}
                if column.name in NAMED_BY_ID and not targets:
                    targets = {NAMED_BY_ID[column.name]}
                for target in targets & (held.keys() | named.keys()):
                    ids = held.get(target, set()) | named.get(target, set())
                    found = db.session.execute(select(*pk).where(column.in_(ids))).all()
                    new = {tuple(r) for r in found} - rows.setdefault(table.name, set())
                    if new:
                        rows[table.name] |= new
                        if len(pk) == 1:
                            held.setdefault(table.name, set()).update(r[0] for r in new)
                        changed = True
            if "organisation_ids" in table.columns:
                column = table.columns["organisation_ids"]
                for row in db.session.execute(select(*pk, column).where(column.is_not(None))):
                    if str(organisation_id) in row[-1].split(","):
                        rows.setdefault(table.name, set()).add(tuple(row[:-1]))
    return {name: found for name, found in rows.items() if found}


def every_row() -> dict[str, int]:
    db.session.rollback()
    return {
        table.name: len(db.session.execute(select(*table.primary_key.columns)).all())
        for table in Base.metadata.sorted_tables
    }


def file_kinds(engagement_ids: list[int]) -> set[str]:
    """The kinds of the engagements' stored files (logo, report)."""
    query = select(EngagementFile.kind).where(EngagementFile.engagement_id.in_(engagement_ids))
    return {str(kind) for kind in db.session.scalars(query)}


def instance_files(app: Flask) -> set[str]:
    folder = Path(app.instance_path)
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_deleting_leaves_nothing_of_the_organisation_but_the_entry_recording_it(
    app: Flask, make_client: Callable[..., Client], make_user: Any
) -> None:
    doomed = make_client("Acme Ltd")
    kept = make_client("Keep plc")
    make_user("owner", email="owner@example.com")
    doomed_ids = [e.id for e in doomed.engagements]
    kept_ids = [e.id for e in kept.engagements]
    organisation_id = doomed.organisation.id

    before = held_rows(organisation_id, doomed_ids)
    # The world holds one of everything this test means to see go.
    for table in ("engagements", "responses", "answers", "segment_answers", "comments",
                  "links", "mailings", "share_links", "reader_access", "account_tokens",
                  "audit_entries", "engagement_files"):
        assert before.get(table), f"the organisation holds no {table}: nothing to test"
    kept_before = held_rows(kept.organisation.id, kept_ids)
    assert file_kinds(doomed_ids) == {"logo", "report"}
    files_before = instance_files(app)
    counts_before = every_row()

    owner = signed_in(app, "owner@example.com")
    page = owner.get(f"/organisations/{organisation_id}/delete")
    assert page.status_code == 200 and "Acme Ltd" in page.get_data(as_text=True)
    refused = owner.post(f"/organisations/{organisation_id}/delete", data={"name": "acme"})
    assert refused.status_code == 400 and every_row()["organisations"] == 2
    done = owner.post(f"/organisations/{organisation_id}/delete", data={"name": " Acme Ltd "})
    assert done.status_code == 302

    after = held_rows(organisation_id, doomed_ids)
    assert after == {}, f"rows left that refer to the organisation: {after}"
    # The one entry that records it names it, by name (ids may be reused).
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "organisation_deleted")
    ).all()
    assert entry.actor == "owner@example.com" and entry.organisation_id is None
    assert entry.detail.startswith(
        f"Acme Ltd (organisation {organisation_id}): 2 engagements, 12 responses, "
    )
    assert "2 share links" in entry.detail and "2 logos" in entry.detail

    assert file_kinds(doomed_ids) == set()
    # Nothing of it was ever on disk, so nothing is left there.
    assert instance_files(app) == files_before
    assert not any(name.startswith(("logos", "reports")) for name in files_before)
    # The other organisation keeps every row, its logos and reports included.
    assert held_rows(kept.organisation.id, kept_ids) == kept_before
    assert file_kinds(kept_ids) == {"logo", "report"}
    # What went is exactly what it held (and the owner's sign-in and the entry came).
    counts_after = every_row()
    for table, rows in before.items():
        gone = counts_before[table] - counts_after[table]
        if table == "audit_entries":
            continue  # earlier entries stay, without saying what they were about
        assert gone == len(rows), table
    # Earlier entries keep who did what and when, and nothing of what it concerned.
    earlier = db.session.scalars(
        select(AuditEntry).where(AuditEntry.detail == log.FORGOTTEN)
    ).all()
    assert len(earlier) == 3 and {e.actor for e in earlier} == {"carl@example.com"}
    assert all(e.organisation_id is None and e.engagement_id is None for e in earlier)
    texts = " ".join(e.detail for e in db.session.scalars(select(AuditEntry)))
    assert texts.count("Acme Ltd") == 1  # only the entry recording the deletion names it


def test_only_owners_delete_and_only_their_workspace_s_organisations(
    app: Flask, make_client: Callable[..., Client], make_user: Any
) -> None:
    acme = make_client("Acme Ltd")
    other = make_client("Acme Ltd", workspace="Other firm")
    make_user("owner", email="owner@example.com")
    make_user("consultant", email="carl@example.com")
    owner = signed_in(app, "owner@example.com")
    consultant = signed_in(app, "carl@example.com")
    url = f"/organisations/{acme.organisation.id}/delete"
    assert consultant.get(url).status_code == 403
    assert consultant.post(url, data={"name": "Acme Ltd"}).status_code == 403
    elsewhere = f"/organisations/{other.organisation.id}/delete"
    assert owner.get(elsewhere).status_code == 404
    assert owner.post(elsewhere, data={"name": "Acme Ltd"}).status_code == 404
    assert owner.get("/organisations/999999/delete").status_code == 404
    assert every_row()["organisations"] == 2


def test_the_files_go_only_when_the_caller_commits(
    app: Flask, make_client: Callable[..., Client]
) -> None:
    acme = make_client("Acme Ltd")
    ids = [e.id for e in acme.engagements]
    delete_organisation(acme.organisation)
    db.session.rollback()  # the request failed: everything is still there
    assert every_row()["organisations"] == 1
    assert file_kinds(ids) == {"logo", "report"}
    delete_organisation(db.session.get(type(acme.organisation), acme.organisation.id))
    db.session.commit()
    assert file_kinds(ids) == set()
