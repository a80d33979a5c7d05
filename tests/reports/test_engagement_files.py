"""An engagement's logo and cached reports live in its own database (issue #16,
"Engagement files"): two databases sharing one instance folder (a restored backup,
staging beside production) never see each other's, old files in the folder are
ignored, and deleting an engagement deletes its files.

The other database is a SQLite file of its own, made, used and disposed of before
the test's own app (SQLite, or PostgreSQL on that leg) is built: the ``db``
extension serves one app at a time, and no connection is left open."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from assess import create_app
from assess.engagements import files
from assess.engagements.files import LOGO_KEY, EngagementFile, FileKind
from assess.engagements.models import Engagement, Status
from assess.engagements.services import create_engagement, set_status
from assess.extensions import db
from assess.organisations.deletion import delete_organisation
from assess.reports import service
from assess.reports.pdf import report_logo
from assess.reports.settings import engagement_logo, logo_image, update_report_settings
from tests.access import workspace_named
from tests.reports.test_views_and_settings import jpeg, png


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each "PDF" names the organisation it was rendered for (layout is tested elsewhere)."""
    made: list[str] = []

    def stub(engagement: Any, page_size: str = "a4", earlier: Any = None, **_: Any) -> bytes:
        made.append(engagement.organisation.name)
        return f"%PDF-stub for {engagement.organisation.name} #{len(made)}".encode()

    monkeypatch.setattr(service, "build_report_pdf", stub)
    return made


@contextmanager
def other_database(folder: Path, instance: Path) -> Iterator[Flask]:
    """An app on a database of its own that shares ``instance``, in an app context;
    its sessions are closed and its engine disposed on leaving."""
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{folder / 'other.sqlite'}",
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(instance),
        "BASE_URL": "http://testserver",
    })
    try:
        with app.app_context():
            db.create_all()
            yield app
    finally:
        db.session.remove()
        assert db.engine is not None
        db.engine.dispose()


def new_engagement(organisation: str) -> Engagement:
    """The first engagement of a fresh database, opened (the same steps in each)."""
    engagement = create_engagement(
        workspace=workspace_named(), organisation=organisation, name="Assessment",
        instrument_id="customer-centricity",
    )
    set_status(engagement, Status.OPEN)
    db.session.commit()
    return engagement


def test_another_database_sharing_the_folder_gets_no_logo_of_this_one(
    make_app: Callable[..., Flask], tmp_path: Path, renders: list[str]
) -> None:
    instance = tmp_path / "instance"  # the test's own app uses it too (make_app)
    with other_database(tmp_path, instance):
        old = new_engagement("Old Ltd")
        update_report_settings(old, prepared_by="Old Ltd", accent_colour="#1f4e79", logo=png())
        db.session.commit()
        old_id = old.id
        assert engagement_logo(old_id) is not None

    app = make_app()
    with app.app_context():
        new = new_engagement("New Ltd")
        assert new.id == old_id, "the same id in both databases is the point of the test"
        assert engagement_logo(new.id) is None
        assert service.report_for(new).logo is None
        assert logo_image(new.id) is None  # what the logo routes serve
        # Nothing was written to the shared folder by either database.
        assert not (instance / "logos").exists()
        assert not (instance / "reports").exists()


def test_a_report_cached_for_another_database_is_not_served_for_this_one(
    make_app: Callable[..., Flask], tmp_path: Path, renders: list[str]
) -> None:
    instance = tmp_path / "instance"  # the test's own app uses it too (make_app)
    with other_database(tmp_path, instance):
        old = new_engagement("Old Ltd")
        assert service.engagement_report_pdf(old).startswith(b"%PDF-stub for Old Ltd")
        db.session.commit()
        old_id, old_revision = old.id, old.revision
        assert len(service.cached_reports(old_id)) == 1

    app = make_app()
    with app.app_context():
        new = new_engagement("New Ltd")
        # Same id, same revision, same questionnaire: the old folder-based key matched.
        assert (new.id, new.revision) == (old_id, old_revision)
        assert service.cached_reports(new.id) == []
        pdf = service.engagement_report_pdf(new)
        assert pdf.startswith(b"%PDF-stub for New Ltd")
        assert renders == ["Old Ltd", "New Ltd"]
        db.session.commit()
        assert service.engagement_report_pdf(new) == pdf  # and now cached, here
        assert renders == ["Old Ltd", "New Ltd"]


def test_old_files_in_the_instance_folder_are_ignored(
    make_app: Callable[..., Flask], tmp_path: Path, renders: list[str]
) -> None:
    """Logos and PDFs an older release left in the folder are neither served nor kept."""
    app = make_app()
    with app.app_context():
        engagement = new_engagement("Acme Ltd")
        logos = Path(app.instance_path) / "logos"
        reports = Path(app.instance_path) / "reports"
        logos.mkdir(parents=True)
        reports.mkdir(parents=True)
        (logos / f"engagement-{engagement.id}.png").write_bytes(png())
        stale = reports / f"engagement-{engagement.id}-all-r1-x-p0-l0-y-a4.pdf"
        stale.write_bytes(b"%PDF-old")
        assert engagement_logo(engagement.id) is None
        assert service.engagement_report_pdf(engagement).startswith(b"%PDF-stub for Acme")
        assert sorted(p.name for p in reports.iterdir()) == [stale.name]


def test_the_logo_is_stored_whole_and_the_report_key_names_its_content(
    app: Flask, make_engagement: Callable[..., Any], renders: list[str]
) -> None:
    engagement = make_engagement()
    update_report_settings(engagement, prepared_by="Us", accent_colour="#1f4e79", logo=png())
    db.session.commit()
    # Binary content round-trips (bytea on PostgreSQL, BLOB on SQLite).
    assert report_logo(service.report_for(engagement)) == png()
    first = service.cache_key(engagement, "a4", None)
    # A different logo under the same revision (as a failed bump would leave it) is
    # another key: a PDF never shows a logo other than the one stored now.
    files.store(engagement.id, FileKind.LOGO, LOGO_KEY, jpeg(), "image/jpeg")
    second = service.cache_key(engagement, "a4", None)
    assert first != second
    assert first.split("-l")[0] == second.split("-l")[0]
    # The data names the logo it was built with: a replaced logo is not drawn.
    data = service.report_for(engagement)
    files.store(engagement.id, FileKind.LOGO, LOGO_KEY, png(10, 10), "image/png")
    assert report_logo(data) is None


def test_each_slot_keeps_only_its_newest_report(
    app: Flask, make_engagement: Callable[..., Any], answer_all: Any, renders: list[str]
) -> None:
    engagement = make_engagement()
    for _ in range(3):
        answer_all(engagement, "staff")  # a new revision each time
        db.session.refresh(engagement)
        service.engagement_report_pdf(engagement)
        service.engagement_report_pdf(engagement, "letter")
        db.session.commit()
    keys = service.cached_reports(engagement.id)
    assert [key.partition("/")[0] for key in keys] == ["all-a4", "all-letter"]
    assert all(key.partition("/")[2].startswith(f"r{engagement.revision}-") for key in keys)


def stored_files(engagement_id: int) -> int:
    query = select(func.count()).select_from(EngagementFile).where(
        EngagementFile.engagement_id == engagement_id
    )
    return int(db.session.scalar(query) or 0)


def with_files(make_engagement: Callable[..., Any], organisation: str) -> int:
    engagement = make_engagement(organisation=organisation)
    update_report_settings(engagement, prepared_by="Us", accent_colour="#1f4e79", logo=png())
    service.engagement_report_pdf(engagement)
    db.session.commit()
    assert stored_files(engagement.id) == 2  # the logo and a cached report
    return int(engagement.id)


def test_deleting_an_engagement_or_its_organisation_deletes_its_files(
    app: Flask, make_engagement: Callable[..., Any], renders: list[str]
) -> None:
    kept, gone = with_files(make_engagement, "Acme Ltd"), with_files(make_engagement, "Keep plc")
    # An engagement deleted on its own (the cascade, whatever path deletes it).
    db.session.execute(delete(Engagement).where(Engagement.id == gone))
    db.session.commit()
    assert stored_files(gone) == 0
    # The next engagement may be given the same id (SQLite reuses the highest): it
    # starts with no logo and no cached report.
    later = make_engagement(organisation="Later Ltd")
    assert engagement_logo(later.id) is None
    assert service.engagement_report_pdf(later).startswith(b"%PDF-stub for Later Ltd")
    # An organisation: its deletion counts the logos it held, then they go with it.
    organisation = db.session.get(Engagement, kept).organisation
    deletion = delete_organisation(organisation)
    assert deletion.holdings.logos == 1
    db.session.commit()
    assert stored_files(kept) == 0
    assert stored_files(later.id) == 1  # another organisation's engagement keeps its PDF
