"""The questionnaire's pages: what each shows, reading a submitted page, and
filling a page in again. Storing the answers is :mod:`assess.respondents.recording`'s."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from assess.extensions import db
from assess.instruments.schema import Audience, Instrument, Item, Scale, Section
from assess.respondents import recording
from assess.respondents.models import Answer, Comment, Response, SegmentAnswer
from assess.respondents.texts import ui_texts

NOT_APPLICABLE = "na"


@dataclass(frozen=True)
class Page:
    kind: str  # "segments", "section" or "open"
    section_id: str | None = None


def pages_for(instrument: Instrument, audience: Audience) -> list[Page]:
    questionnaire = instrument.questionnaires[audience]
    pages: list[Page] = []
    if questionnaire.segments:
        pages.append(Page("segments"))
    for section in questionnaire.sections:
        pages.append(Page("section", section.id))
    if questionnaire.open_questions:
        pages.append(Page("open"))
    return pages


def section_of(instrument: Instrument, audience: Audience, page: Page) -> Section:
    return next(
        s for s in instrument.questionnaires[audience].sections if s.id == page.section_id
    )


def page_title(instrument: Instrument, audience: Audience, page: Page, language: str) -> str:
    words = ui_texts(language)
    if page.kind == "segments":
        return words["about_you"]
    if page.kind == "open":
        return words["own_words"]
    return instrument.text(section_of(instrument, audience, page).title, language)


@dataclass(frozen=True)
class Point:
    value: str
    label: str


def scale_points(instrument: Instrument, scale: Scale, language: str) -> list[Point]:
    """The scale's answers as (value, label); numbers join the label when only some
    points are labelled (0 "Not at all likely", 1, 2, … 10 "Extremely likely")."""
    all_labelled = all(p in scale.labels for p in scale.points)
    points = []
    for p in scale.points:
        label = instrument.text(scale.labels[p], language) if p in scale.labels else ""
        if all_labelled:
            text = label
        else:
            text = f"{p} – {label}" if label else str(p)
        points.append(Point(str(p), text))
    return points


@dataclass(frozen=True)
class ItemRun:
    """Consecutive items of a section on one scale: one grid on wide screens."""

    scale: Scale
    items: list[Item]


def item_runs(instrument: Instrument, section: Section) -> list[ItemRun]:
    runs: list[ItemRun] = []
    for item_id in section.items:
        item = instrument.item(item_id)
        if runs and runs[-1].scale.id == item.scale:
            runs[-1].items.append(item)
        else:
            runs.append(ItemRun(instrument.scale(item.scale), [item]))
    return runs


@dataclass(frozen=True)
class FieldError:
    """A problem with one field: a key of the page texts and its parameters."""

    code: str
    params: dict[str, int] = field(default_factory=dict)


@dataclass
class PageInput:
    """What a page's form said, validated; ``errors`` maps a field to its problem."""

    answers: dict[str, int | None] = field(default_factory=dict)  # None: not applicable
    skipped: list[str] = field(default_factory=list)
    segments: dict[str, str | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)


_INTEGER = re.compile(r"-?[0-9]{1,6}")
# Control characters other than tab and newline: never part of an honest answer,
# and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(raw: str) -> str:
    """A comment as stored: newlines normalised (browsers send CRLF, and count a
    line break as one character for ``maxlength``), control characters removed."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def parse_page(
    instrument: Instrument, audience: Audience, page: Page, form: MultiDict[str, str]
) -> PageInput:
    """Validate every value against the instrument; unknown fields are tampering."""
    result = PageInput()
    questionnaire = instrument.questionnaires[audience]
    expected: set[str] = set()

    def single(name: str) -> str | None:
        values = form.getlist(name)
        if len(values) > 1:
            result.errors[name] = FieldError("error_twice")
            return None
        return values[0] if values else ""

    if page.kind == "section":
        for item_id in section_of(instrument, audience, page).items:
            item = instrument.item(item_id)
            scale = instrument.scale(item.scale)
            name = f"item-{item_id}"
            expected.add(name)
            raw = single(name)
            if raw is None:
                continue
            raw = raw.strip()
            if raw == "":
                result.skipped.append(item_id)
            elif raw == NOT_APPLICABLE and scale.allow_na:
                result.answers[item_id] = None
            elif _INTEGER.fullmatch(raw) and scale.min <= int(raw) <= scale.max:
                result.answers[item_id] = int(raw)
            else:
                result.errors[name] = FieldError("error_scale")
    elif page.kind == "segments":
        for question in questionnaire.segments:
            name = f"segment-{question.id}"
            expected.add(name)
            raw = single(name)
            if raw is None:
                continue
            raw = raw.strip()
            if raw == "":
                result.segments[question.id] = None
            elif raw in {o.id for o in question.options}:
                result.segments[question.id] = raw
            else:
                result.errors[name] = FieldError("error_option")
    else:
        for open_question in questionnaire.open_questions:
            name = f"open-{open_question.id}"
            expected.add(name)
            raw = single(name)
            if raw is None:
                continue
            text = clean_text(raw)
            if len(text) > open_question.max_length:
                result.errors[name] = FieldError(
                    "error_length", {"max": open_question.max_length, "n": len(text)}
                )
            else:
                result.comments[open_question.id] = text
    if any(
        name.startswith(("item-", "segment-", "open-")) and name not in expected
        for name in form
    ):
        result.errors["form"] = FieldError("error_form")
    return result


def saved_values(response: Response | None) -> dict[str, str]:
    """The response's stored answers as form values, to fill a page in again."""
    values: dict[str, str] = {}
    if response is None:
        return values
    for answer in db.session.scalars(select(Answer).where(Answer.response_id == response.id)):
        values[f"item-{answer.item_id}"] = (
            NOT_APPLICABLE if answer.value is None else str(answer.value)
        )
    for segment in db.session.scalars(
        select(SegmentAnswer).where(SegmentAnswer.response_id == response.id)
    ):
        values[f"segment-{segment.question_id}"] = segment.option_id
    for comment in db.session.scalars(select(Comment).where(Comment.response_id == response.id)):
        values[f"open-{comment.question_id}"] = comment.text
    return values


def save_page(response: Response, page: Page, data: PageInput, instrument: Instrument) -> None:
    """Replace what this page held for the response with the validated input."""
    if data.errors:
        raise ValueError("save_page needs input without errors")
    if page.kind == "section":
        section = section_of(instrument, response.audience, page)
        recording.replace_answers(response, section.items, data.answers)
    elif page.kind == "segments":
        recording.replace_segment_answers(response, data.segments)
    else:
        recording.replace_comments(response, data.comments)
