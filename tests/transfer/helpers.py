"""Building import files in memory, and reading back what an engagement holds."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from assess.extensions import db
from assess.respondents.models import Answer, Response


def csv_bytes(rows: Sequence[Sequence[Any]], *, delimiter: str = ",", bom: bool = False,
              encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], sheet: str = "Sheet") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response_count(engagement_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Response).where(Response.engagement_id == engagement_id)
    ) or 0


def answer_count(engagement_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.engagement_id == engagement_id)
    ) or 0


def finish_jobs() -> None:
    """Wait for the background jobs this test's app queued (imports run on a thread
    of the app's process when no Redis is configured)."""
    from flask import current_app

    from assess.jobs.queue import wait_for_jobs

    wait_for_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
    db.session.rollback()  # see what the job committed


def follow_import(client: Any, sent: Any) -> Any:
    """The import job's page once the job has finished (``sent``: the upload's
    answer, a redirect to it); any other answer as it is."""
    location = sent.headers.get("Location", "")
    if sent.status_code != 302 or "/imports/jobs/" not in location:
        return sent
    finish_jobs()
    return client.get(location)
