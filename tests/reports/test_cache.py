"""The PDF is cached per engagement and page size, and rebuilt only when what it
shows can have changed: responses, settings, the previous engagement, the logo."""

from __future__ import annotations

from typing import Any

import pytest

from assess.extensions import db
from assess.reports import service
from assess.reports.settings import update_report_settings


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Count renders; each "PDF" names what it was made from (the layout is tested
    elsewhere, so these tests stay fast)."""
    calls: list[Any] = []

    def counting(engagement: Any, page_size: str = "a4", earlier: Any = None,
                 **options: Any) -> bytes:
        calls.append((engagement.id, page_size))
        return (f"%PDF-stub {engagement.id} r{engagement.revision} {engagement.prepared_by} "
                f"{page_size} #{len(calls)}").encode()

    monkeypatch.setattr(service, "build_report_pdf", counting)
    return calls


def test_second_request_is_served_from_the_cache(app, make_engagement, answer_all, renders):
    engagement = make_engagement()
    answer_all(engagement, "staff")
    first = service.engagement_report_pdf(engagement)
    second = service.engagement_report_pdf(engagement)
    assert first == second == f"%PDF-stub {engagement.id} r{engagement.revision}  a4 #1".encode()
    assert renders == [(engagement.id, "a4")]
    assert len(service.cached_reports(engagement.id)) == 1
    service.engagement_report_pdf(engagement, "letter")  # its own entry
    assert renders[-1] == (engagement.id, "letter")
    assert [key.partition("/")[0] for key in service.cached_reports(engagement.id)] == [
        "all-a4", "all-letter"]


def test_a_new_response_or_a_settings_change_rebuilds_it(
    app, make_engagement, answer_all, renders
):
    engagement = make_engagement()
    answer_all(engagement, "staff")
    service.engagement_report_pdf(engagement)
    answer_all(engagement, "staff")  # bumps the revision
    db.session.refresh(engagement)
    service.engagement_report_pdf(engagement)
    assert len(renders) == 2
    update_report_settings(engagement, prepared_by="New Name", accent_colour="#123456")
    db.session.commit()
    pdf = service.engagement_report_pdf(engagement)
    assert len(renders) == 3
    assert b"New Name" in pdf and b"#3" in pdf
    keys = service.cached_reports(engagement.id)
    assert len(keys) == 1, "stale PDFs of the engagement are removed"
    assert keys[0].startswith(f"all-a4/r{engagement.revision}-")


def test_a_change_to_the_previous_engagement_rebuilds_the_trend(
    app, make_engagement, answer_all, renders
):
    from datetime import date, timedelta

    earlier = make_engagement(organisation="Acme Ltd", name="Last year")
    earlier.created_on = date.today() - timedelta(days=365)
    db.session.commit()
    current = make_engagement(organisation="Acme Ltd", name="This year")
    answer_all(current, "staff")
    service.engagement_report_pdf(current)
    service.engagement_report_pdf(current)
    assert len(renders) == 1
    answer_all(earlier, "staff")
    db.session.refresh(earlier)
    service.engagement_report_pdf(current)
    assert len(renders) == 2


def test_without_the_cache_every_request_renders(make_app, renders):
    app = make_app(REPORT_CACHE=False)
    with app.app_context():
        from assess.engagements.services import create_engagement
        from tests.access import workspace_named

        engagement = create_engagement(
            workspace=workspace_named(), organisation="Beta", name="Check"
        )
        db.session.commit()
        service.engagement_report_pdf(engagement)
        service.engagement_report_pdf(engagement)
        assert len(renders) == 2
        assert service.cached_reports(engagement.id) == []


def test_unknown_page_size_is_refused(app, make_engagement):
    with pytest.raises(ValueError, match="page size"):
        service.engagement_report_pdf(make_engagement(), "a3")
