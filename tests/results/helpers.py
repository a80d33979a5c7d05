"""Storing plain respondents as database rows, for the results tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select

from assess.extensions import db
from assess.respondents.models import Answer, Response, ResponseStatus, SegmentAnswer
from assess.results.codes import CodeLayout
from assess.scoring import InstrumentSpec, Respondent

#: How ``store`` sets responses' answer codes: "stored" (as every writer does),
#: "none" (as before the codes existed: the results read the answers), "mixed"
#: (every other response).
CODES = ("stored", "none", "mixed")


def store(
    engagement_id: int,
    respondents: Iterable[Respondent],
    *,
    not_applicable: Mapping[int, Iterable[str]] | None = None,
    extra_answers: Mapping[int, Mapping[str, int]] | None = None,
    extra_segments: Mapping[int, Mapping[str, str]] | None = None,
    status: str = ResponseStatus.SUBMITTED.value,
    spec: InstrumentSpec | None = None,
    codes: str = "stored",
) -> list[int]:
    """Insert respondents as submitted responses; return their ids.

    ``not_applicable[n]`` lists items the n-th respondent answered "not
    applicable" (stored as NULL, missing for scoring); ``extra_answers[n]`` and
    ``extra_segments[n]`` are stored too but are not the respondent's own (items
    or questions of the other audience, unknown ids): scoring must ignore them.
    With ``spec``, responses get the answer codes of that spec as ``codes`` says.
    """
    ids = []
    answers: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    for n, respondent in enumerate(respondents):
        values: dict[str, int | None] = dict(respondent.answers)
        values.update(dict.fromkeys((not_applicable or {}).get(n, ()), None))
        values.update((extra_answers or {}).get(n, {}))
        chosen = dict(respondent.segments)
        chosen.update((extra_segments or {}).get(n, {}))
        answer_codes = None
        if spec is not None and (codes == "stored" or (codes == "mixed" and n % 2 == 0)):
            answer_codes = CodeLayout.of(spec, respondent.audience).encode(values, chosen)
        response_id = db.session.scalar(
            insert(Response)
            .values(
                engagement_id=engagement_id,
                audience=respondent.audience,
                status=status,
                page=0,
                started_on=date.today(),
                submitted_on=date.today(),
                answer_codes=answer_codes,
            )
            .returning(Response.id)
        )
        ids.append(response_id)
        answers += [
            {"response_id": response_id, "item_id": k, "value": v} for k, v in values.items()
        ]
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


def assert_codes_match_answers(engagement: Any) -> int:
    """Every submitted response of the engagement has answer codes, and they are
    those of its stored answers; returns how many responses were checked."""
    instrument = engagement.instrument()
    responses = db.session.execute(
        select(Response.id, Response.audience, Response.answer_codes).where(
            Response.engagement_id == engagement.id,
            Response.status == ResponseStatus.SUBMITTED,
        )
    ).all()
    for response_id, audience, codes in responses:
        answers = dict(db.session.execute(
            select(Answer.item_id, Answer.value).where(Answer.response_id == response_id)
        ).all())
        segments = dict(db.session.execute(
            select(SegmentAnswer.question_id, SegmentAnswer.option_id)
            .where(SegmentAnswer.response_id == response_id)
        ).all())
        expected = CodeLayout.for_instrument(instrument, audience).encode(answers, segments)
        assert codes is not None, f"response {response_id} has no answer codes"
        assert bytes(codes) == expected, f"response {response_id}: codes differ from answers"
    return len(responses)
