"""An organisation holding one of everything: engagements with responses (answers,
segments, comments), open and personal links, a mailing, a share link, a logo and a
cached PDF, a reader and a pending reader invitation, and audit entries about it."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from assess.accounts import tokens
from assess.accounts.models import TokenPurpose
from assess.audit import log
from assess.engagements.models import Engagement, Organisation
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.reports import service as report_service
from assess.reports.settings import update_report_settings
from assess.respondents import links as respondent_links
from assess.respondents.models import Mailing, MailingKind
from assess.sharing.models import ShareLink
from assess.workspaces.models import Membership

STUB_PDF = b"%PDF-1.7 stand-in"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#cc0000").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Client:
    organisation: Organisation
    engagements: list[Engagement]


@pytest.fixture
def stub_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports are "rendered" by a stand-in, through the real cache (files on disk)."""
    monkeypatch.setattr(report_service, "build_report_pdf", lambda *a, **k: STUB_PDF)


@pytest.fixture
def make_client(
    app: Flask, make_engagement: Any, make_response: Any, make_user: Any, stub_pdf: None
) -> Callable[..., Client]:
    def factory(name: str = "Acme Ltd", workspace: Any = None) -> Client:
        engagements = [
            make_engagement(organisation=name, name=f"{name} {wave}", workspace=workspace)
            for wave in ("2025", "2026")
        ]
        for engagement in engagements:
            instrument = engagement.instrument()
            for audience in instrument.audiences():
                items = instrument.items_for(audience)
                answers = {item.id: instrument.scale(item.scale).max for item in items}
                open_questions = [q.id for q in instrument.questionnaires[audience].open_questions]
                segments = {
                    q.id: q.options[0].id for q in instrument.questionnaires[audience].segments
                }
                for n in range(3):
                    comments = {q: f"{name} comment {n}" for q in open_questions}
                    make_response(engagement, str(audience), answers, segments=segments,
                                  comments=comments)
            respondent_links.open_link(engagement, Audience.STAFF)
            respondent_links.create_single_use_links(engagement, Audience.CUSTOMER, 2)
            db.session.add(Mailing(engagement_id=engagement.id, audience=Audience.CUSTOMER,
                                   kind=MailingKind.INVITATION, recipients=2))
            db.session.add(ShareLink(
                engagement_id=engagement.id, token_hash=f"{engagement.id:064d}",
                label=f"the board of {name}", expires_at=datetime(2099, 1, 1),
            ))
            update_report_settings(engagement, prepared_by="Jo", accent_colour="#1f4e79",
                                   logo=png())
            log.record("export", workspace_id=engagement.organisation.workspace_id,
                       organisation_id=engagement.organisation_id,
                       engagement_id=engagement.id, actor="carl@example.com",
                       detail=f"answers of {name}")
            db.session.commit()
            report_service.engagement_report_pdf(engagement)  # a cached PDF, stored
            db.session.commit()
        organisation = engagements[0].organisation
        reader = make_user("reader", workspace=workspace, organisations=[organisation])
        membership = db.session.query(Membership).filter_by(user_id=reader.id).one()
        assert membership is not None
        tokens.issue(TokenPurpose.INVITATION, workspace_id=organisation.workspace_id,
                     email=f"new-reader-{organisation.id}@example.com", role="reader",
                     organisation_ids=[organisation.id])
        log.record("share_link_created", workspace_id=organisation.workspace_id,
                   engagement_id=engagements[0].id, actor="carl@example.com",
                   detail=f"for the board of {name}")
        db.session.commit()
        return Client(organisation, engagements)

    return factory


__all__ = ["STUB_PDF", "Client", "png", "timedelta"]
