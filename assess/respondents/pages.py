"""The questionnaire's pages: what each shows, reading a submitted page, and
filling a page in again. Storing the answers is :mod:`assess.respondents.recording`'s."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from sqlalchemy import bindparam, select
from werkzeug.datastructures import MultiDict

from assess.extensions import db
from assess.instruments.schema import Audience, Instrument, Item, Scale, Section
from assess.respondents import recording
from assess.respondents.links import ResponseRow
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


def _kept(instrument: Instrument, key: tuple[str, ...], build: Callable[[], T]) -> T:
    """What ``build`` makes of ``instrument`` for ``key``, made once per instrument
    and process: instruments are shared by every request of a process
    (:mod:`assess.instruments.snapshots`), and so is their page layout. Kept by the
    instrument's identity (it is held, so the id cannot be reused meanwhile)."""
    entry = (id(instrument), *key)
    found = _layouts.get(entry)
    if found is not None and found[0] is instrument:
        return cast(T, found[1])
    value = build()
    if len(_layouts) >= _LAYOUTS_KEPT:
        _layouts.clear()  # a few instruments' pages at a time: start again
    _layouts[entry] = (instrument, value)
    return value


T = TypeVar("T")
_LAYOUTS_KEPT = 2048
_layouts: dict[tuple[object, ...], tuple[Instrument, object]] = {}


def scale_points(instrument: Instrument, scale: Scale, language: str) -> list[Point]:
    """The scale's answers as (value, label); numbers join the label when only some
    points are labelled (0 "Not at all likely", 1, 2, … 10 "Extremely likely")."""
    return _kept(instrument, ("points", scale.id, language),
                 lambda: _scale_points(instrument, scale, language))


def _scale_points(instrument: Instrument, scale: Scale, language: str) -> list[Point]:
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
    return _kept(instrument, ("runs", section.id), lambda: _item_runs(instrument, section))


def _item_runs(instrument: Instrument, section: Section) -> list[ItemRun]:
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


def saved_values(
    response: Response | ResponseRow | None, page: Page | None = None
) -> dict[str, str]:
    """The response's stored answers as form values, to fill a page in again: of
    every kind, or only of the kind ``page`` shows (one query)."""
    values: dict[str, str] = {}
    if response is None:
        return values
    kind = page.kind if page is not None else None
    where = {"response": response.id}
    if kind in (None, "section"):
        for item_id, value in db.session.execute(_SAVED["section"], where):
            values[f"item-{item_id}"] = NOT_APPLICABLE if value is None else str(value)
    if kind in (None, "segments"):
        for question_id, option_id in db.session.execute(_SAVED["segments"], where):
            values[f"segment-{question_id}"] = option_id
    if kind in (None, "open"):
        for question_id, text in db.session.execute(_SAVED["open"], where):
            values[f"open-{question_id}"] = text
    return values


# Built once, on the tables (plain rows, no objects): a page shown again runs one.
_SAVED = {
    kind: select(*columns).where(columns[0].table.c.response_id == bindparam("response"))
    for kind, columns in (
        ("section", (Answer.__table__.c.item_id, Answer.__table__.c.value)),
        ("segments", (SegmentAnswer.__table__.c.question_id,
                      SegmentAnswer.__table__.c.option_id)),
        ("open", (Comment.__table__.c.question_id, Comment.__table__.c.text)),
    )
}


def save_page(
    response: Response | ResponseRow, page: Page, data: PageInput, instrument: Instrument
) -> None:
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
