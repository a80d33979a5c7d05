"""Storing plain respondents as database rows, for the results tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select

from assess.extensions import db
from assess.respondents.models import Answer, Response, ResponseStatus, SegmentAnswer
from assess.scoring import Respondent


def store(
    engagement_id: int,
    respondents: Iterable[Respondent],
    *,
    not_applicable: Mapping[int, Iterable[str]] | None = None,
    extra_answers: Mapping[int, Mapping[str, int]] | None = None,
    extra_segments: Mapping[int, Mapping[str, str]] | None = None,
    status: str = ResponseStatus.SUBMITTED.value,
) -> list[int]:
    """Insert respondents as submitted responses; return their ids.

    ``not_applicable[n]`` lists items the n-th respondent answered "not
    applicable" (stored as NULL, missing for scoring); ``extra_answers[n]`` and
    ``extra_segments[n]`` are stored too but are not the respondent's own (items
    or questions of the other audience, unknown ids): scoring must ignore them.
    """
    ids = []
    answers: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    for n, respondent in enumerate(respondents):
        response_id = db.session.scalar(
            insert(Response)
            .values(
                engagement_id=engagement_id,
                audience=respondent.audience,
                status=status,
                page=0,
                started_on=date.today(),
                submitted_on=date.today(),
            )
            .returning(Response.id)
        )
        ids.append(response_id)
        values: dict[str, int | None] = dict(respondent.answers)
        values.update(dict.fromkeys((not_applicable or {}).get(n, ()), None))
        values.update((extra_answers or {}).get(n, {}))
        answers += [
            {"response_id": response_id, "item_id": k, "value": v} for k, v in values.items()
        ]
        chosen = dict(respondent.segments)
        chosen.update((extra_segments or {}).get(n, {}))
        segments += [
            {"response_id": response_id, "question_id": k, "option_id": v}
            for k, v in chosen.items()
        ]
    if answers:
        db.session.execute(insert(Answer), answers)
    if segments:
        db.session.execute(insert(SegmentAnswer), segments)
    db.session.commit()
    return ids


def clear(engagement_id: int) -> None:
    """Delete every response of the engagement (answers go with them)."""
    ids = select(Response.id).where(Response.engagement_id == engagement_id)
    db.session.execute(delete(Answer).where(Answer.response_id.in_(ids)))
    db.session.execute(delete(SegmentAnswer).where(SegmentAnswer.response_id.in_(ids)))
    db.session.execute(delete(Response).where(Response.engagement_id == engagement_id))
    db.session.commit()
