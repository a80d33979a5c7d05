"""The instrument round trip, for tests: an Instrument back into files, and checked again.

:func:`instrument_to_files` is the reverse of the loader (``load(dump(x)) == x``),
and :func:`check_instrument` runs the loader's cross-checks on a parsed
:class:`~assess.instruments.schema.Instrument` through those files, plus what
only a hand-built Instrument can get wrong. No production code needs either:
an instrument is only ever built by the loader, which checks it.
"""

from __future__ import annotations

from typing import Any

from assess.instruments.checks import Problem, check_files
from assess.instruments.fileformat import (
    INSTRUMENT_FILE,
    QUESTIONNAIRE_FILES,
    RECOMMENDATIONS_FILE,
    STORY_FILE,
)
from assess.instruments.schema import Audience, Instrument, Item


def check_instrument(inst: Instrument) -> list[Problem]:
    """Every cross-check problem of a parsed instrument (empty if it is valid).

    Its locations are those of the equivalent files.
    """
    problems = check_files(instrument_to_files(inst))
    problems.extend(_check_consistency(inst))
    return problems


def _check_consistency(inst: Instrument) -> list[Problem]:
    """What the files cannot express but a hand-built Instrument can get wrong."""
    problems = []
    for index, item in enumerate(inst.items):
        q = inst.questionnaires.get(item.audience)
        loc = f"items[{index}]"
        if q is None:
            problems.append(
                Problem(
                    "",
                    loc,
                    f"item '{item.id}' is for {item.audience.value}s, who have no questionnaire",
                )
            )
            continue
        section = next((s for s in q.sections if s.id == item.section), None)
        if section is None or item.id not in section.items:
            problems.append(
                Problem(
                    "",
                    f"{loc}.section",
                    f"item '{item.id}' is not listed in section "
                    f"'{item.section}' of the {item.audience.value} questionnaire",
                )
            )
    ids = {(i.audience, i.id) for i in inst.items}
    for audience, q in inst.questionnaires.items():
        if q.audience != audience:
            problems.append(
                Problem(
                    "",
                    f"questionnaires.{audience}",
                    "questionnaire audience does not match its key",
                )
            )
        for s_index, section in enumerate(q.sections):
            for i_index, item_id in enumerate(section.items):
                if (audience, item_id) not in ids:
                    problems.append(
                        Problem(
                            "",
                            f"questionnaires.{audience}.sections[{s_index}].items[{i_index}]",
                            f"no item '{item_id}' for this audience",
                        )
                    )
        for g_index, segment in enumerate(q.segments):
            if segment.audience != audience:
                problems.append(
                    Problem(
                        "",
                        f"questionnaires.{audience}.segments[{g_index}].audience",
                        "segment audience does not match its questionnaire",
                    )
                )
        for o_index, question in enumerate(q.open_questions):
            if question.audience != audience:
                problems.append(
                    Problem(
                        "",
                        f"questionnaires.{audience}.open_questions[{o_index}].audience",
                        "open question audience does not match its questionnaire",
                    )
                )
    return problems


def instrument_to_files(inst: Instrument) -> dict[str, Any]:
    """The file contents (plain data, as YAML would load them) for an Instrument.

    Texts stay mappings, so nothing is lost; ``load(dump(x)) == x``. Only the
    files the instrument needs are returned (no questionnaire file for a
    missing audience, no recommendations file if there are none).
    """
    files: dict[str, Any] = {
        INSTRUMENT_FILE: {
            "id": inst.id,
            "version": inst.version,
            "title": dict(inst.title),
            **({"description": dict(inst.description)} if inst.description else {}),
            "languages": list(inst.languages),
            "scales": [
                {
                    "id": s.id,
                    "min": s.min,
                    "max": s.max,
                    "labels": {k: dict(v) for k, v in s.labels.items()},
                    "allow_na": s.allow_na,
                }
                for s in inst.scales
            ],
            "dimensions": [
                {
                    "id": d.id,
                    "lens": str(d.lens),
                    "weight": d.weight,
                    "title": dict(d.title),
                    "description": dict(d.description),
                }
                for d in inst.dimensions
            ],
            "scoring": inst.scoring.model_dump(),
            "maturity": [
                {"level": m.level, "label": dict(m.label), "description": dict(m.description)}
                for m in inst.maturity
            ],
        }
    }
    by_id: dict[tuple[Audience, str], list[Item]] = {}
    for item in inst.items:
        by_id.setdefault((item.audience, item.id), []).append(item)
    for audience, q in inst.questionnaires.items():
        sections = []
        for section in q.sections:
            items = []
            for item_id in section.items:
                for item in by_id.get((audience, item_id), []):
                    entry: dict[str, Any] = {"id": item.id}
                    if item.dimension is not None:
                        entry["dimension"] = item.dimension
                    if item.outcome is not None:
                        entry["outcome"] = str(item.outcome)
                    entry["text"] = dict(item.text)
                    entry["scale"] = item.scale
                    if item.reverse:
                        entry["reverse"] = True
                    if item.pair is not None:
                        entry["pair"] = item.pair
                    items.append(entry)
            sections.append(
                {
                    "id": section.id,
                    "title": dict(section.title),
                    **({"intro": dict(section.intro)} if section.intro else {}),
                    "items": items,
                }
            )
        files[QUESTIONNAIRE_FILES[Audience(audience)]] = {
            "title": dict(q.title),
            "intro": dict(q.intro),
            "privacy": dict(q.privacy),
            "estimated_minutes": q.estimated_minutes,
            "sections": sections,
            "segments": [
                {
                    "id": s.id,
                    "text": dict(s.text),
                    "options": [{"id": o.id, "label": dict(o.label)} for o in s.options],
                }
                for s in q.segments
            ],
            "open_questions": [
                {"id": o.id, "text": dict(o.text), "max_length": o.max_length}
                for o in q.open_questions
            ],
        }
    if inst.recommendations:
        files[RECOMMENDATIONS_FILE] = {
            dim_id: {
                pattern: [
                    {"title": dict(r.title), "text": dict(r.text)} for r in getattr(drec, pattern)
                ]
                for pattern in ("blind_spot", "low", "strength")
            }
            for dim_id, drec in inst.recommendations.items()
        }
    if inst.story is not None:
        files[STORY_FILE] = {
            "sentences": {key: dict(text) for key, text in inst.story.sentences.items()},
            "dimensions": {
                key: {"owner": dict(d.owner), "measure": dict(d.measure)}
                for key, d in inst.story.dimensions.items()
            },
            "maturity": {level: list(c) for level, c in inst.story.maturity.items()},
            "comments": {key: list(f) for key, f in inst.story.comments.items()},
            "hostage_dimensions": list(inst.story.hostage_dimensions),
        }
    return files
