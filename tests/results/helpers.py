"""Storing plain respondents as database rows, for the results tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select, update

from assess.engagements.models import Engagement
from assess.extensions import db
from assess.instruments.spec import spec_for
from assess.respondents.codes import CodeLayout
from assess.respondents.models import Answer, Comment, Response, ResponseStatus, SegmentAnswer
from assess.respondents.recording import NewResponse, backfill_answer_codes, record_submitted
from assess.scoring import InstrumentSpec
from tests.scoring.oracle import Respondent

#: How ``store`` leaves responses' answer codes: "stored" (as every writer
#: does), "backfilled" (removed, then given back by the migration's backfill, as
#: for responses stored before the codes existed), "mixed" (every other one).
CODES = ("stored", "backfilled", "mixed")


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
    """Store respondents as submitted responses, through the one writer of
    responses, with the answer codes of ``spec`` (the engagement's when None);
    return their ids in order.

    ``not_applicable[n]`` lists items the n-th respondent answered "not
    applicable" (stored as NULL, missing for scoring); ``extra_answers[n]`` and
    ``extra_segments[n]`` are stored too but are not the respondent's own (items
    or questions of the other audience, unknown ids): scoring must ignore them.
    ``status="in_progress"`` moves them back to in progress afterwards.
    ``codes`` other than "stored" needs the engagement's own instrument (the
    backfill reads it).
    """
    engagement = db.session.get(Engagement, engagement_id)
    assert engagement is not None
    if spec is None:
        spec = spec_for(engagement.instrument(), engagement.anonymity_threshold)
    ids: list[int] = []
    batch: list[NewResponse] = []
    audience = None
    for n, respondent in enumerate(respondents):
        values: dict[str, int | None] = dict(respondent.answers)
        values.update(dict.fromkeys((not_applicable or {}).get(n, ()), None))
        values.update((extra_answers or {}).get(n, {}))
        chosen = dict(respondent.segments)
        chosen.update((extra_segments or {}).get(n, {}))
        if respondent.audience != audience and batch:
            ids += record_submitted(engagement_id, CodeLayout.of(spec, audience), batch)
            batch = []
        audience = respondent.audience
        batch.append(NewResponse(answers=values, segments=chosen))
    if batch:
        ids += record_submitted(engagement_id, CodeLayout.of(spec, audience), batch)
    if status != ResponseStatus.SUBMITTED.value:
        db.session.execute(
            update(Response).where(Response.id.in_(ids)).values(status=status, submitted_on=None)
        )
    if codes != "stored":
        dropped = ids if codes == "backfilled" else ids[::2]
        db.session.execute(
            update(Response).where(Response.id.in_(dropped)).values(answer_codes=None)
        )
        backfill_answer_codes(db.session.connection())
    db.session.commit()
    return ids


def submitted_respondents(engagement_id: int) -> list[Respondent]:
    """Every submitted response of the engagement as a plain Respondent.

    The results use :func:`engagement_statistics` instead (the same numbers,
    computed in the database); this one-by-one form serves the cross-checks.
    """
    submitted = (
        select(Response.id, Response.audience)
        .where(
            Response.engagement_id == engagement_id,
            Response.status == ResponseStatus.SUBMITTED,
        )
    )
    audience_of = {rid: str(aud) for rid, aud in db.session.execute(submitted)}
    answers: dict[int, dict[str, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(Answer.response_id, Answer.item_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.engagement_id == engagement_id,
            Response.status == ResponseStatus.SUBMITTED,
            Answer.value.is_not(None),
        )
    )
    for response_id, item_id, value in rows:
        answers[response_id][item_id] = value
    segments: dict[int, dict[str, str]] = defaultdict(dict)
    rows = db.session.execute(
        select(SegmentAnswer.response_id, SegmentAnswer.question_id, SegmentAnswer.option_id)
        .join(Response, Response.id == SegmentAnswer.response_id)
        .where(
            Response.engagement_id == engagement_id,
            Response.status == ResponseStatus.SUBMITTED,
        )
    )
    for response_id, question_id, option_id in rows:
        segments[response_id][question_id] = option_id
    return [
        Respondent(audience=audience, answers=answers[rid], segments=segments[rid])
        for rid, audience in sorted(audience_of.items())
    ]


def clear(engagement_id: int) -> None:
    """Delete every response of the engagement (answers go with them)."""
    ids = select(Response.id).where(Response.engagement_id == engagement_id)
    db.session.execute(delete(Answer).where(Answer.response_id.in_(ids)))
    db.session.execute(delete(SegmentAnswer).where(SegmentAnswer.response_id.in_(ids)))
    db.session.execute(delete(Comment).where(Comment.response_id.in_(ids)))
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
