"""Cross-checks of an instrument: everything that needs more than one value.

The checks read the files as loaded from YAML (plain dicts and lists) so that
each problem names the file and the place in it an author has to fix, and so
that they still run -- and still find every problem -- when some part of a
file is malformed: a value of the wrong type is skipped here (the structural
validation in :mod:`assess.instruments.loader` reports it).

:func:`check_instrument` runs the same checks on a parsed
:class:`~assess.instruments.schema.Instrument` (for example one rebuilt from an
engagement's snapshot) by turning it back into files first.

The rules are listed in ``docs/instrument-format.md`` ("Validation rules").
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .fileformat import (
    INSTRUMENT_FILE,
    QUESTIONNAIRE_FILES,
    RECOMMENDATIONS_FILE,
    instrument_to_files,
)
from .schema import Audience, Instrument, Lens, Outcome

#: Element ids (items, dimensions, scales, sections, segments, pairs, ...).
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Option ids may start with a digit ("1_3y").
OPTION_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
#: Instrument ids are folder names and appear in URLs.
INSTRUMENT_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
#: X.Y.Z, no leading zeros.
VERSION_PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

#: Rule 14 of the scoring specification.
MIN_ANONYMITY_THRESHOLD = 3
#: Rule 13: the recommend item is answered on 0..10.
RECOMMEND_SCALE = (0, 10)
MAX_OPEN_LENGTH = 10_000
RECOMMENDATION_PATTERNS = ("blind_spot", "low", "strength")
LENS_VALUES = frozenset(lens.value for lens in Lens)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instrument, in terms an author can act on."""

    file: str  # "staff.yaml"; "" for the folder itself
    location: str  # "sections[1].items[3].scale"; "" for the whole file
    message: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.location, self.message) if part)


def check_instrument(inst: Instrument) -> list[Problem]:
    """Every cross-check problem of a parsed instrument (empty if it is valid)."""
    problems = check_files(instrument_to_files(inst))
    problems.extend(_check_consistency(inst))
    return problems


def check_files(files: Mapping[str, Any], *, unreadable: Collection[str] = ()) -> list[Problem]:
    """Every cross-check problem of an instrument folder's loaded files.

    ``files`` maps a file name (``instrument.yaml``, ``staff.yaml``, ...) to
    its loaded YAML; an absent file is simply not in it. ``unreadable`` names
    files that exist but could not be parsed: checks that would need them
    (such as "this pair has no customer item") are skipped rather than
    reporting problems that are not there.
    """
    return _Checker(files, unreadable).run()


# -- helpers ------------------------------------------------------------------------


def _elements(container: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, element)`` for each mapping in ``container[key]`` (if a list)."""
    if not isinstance(container, dict):
        return
    value = container.get(key)
    if not isinstance(value, list):
        return
    for index, element in enumerate(value):
        if isinstance(element, dict):
            yield index, element


def _str(element: Any, key: str) -> str | None:
    if isinstance(element, dict):
        value = element.get(key)
        if isinstance(value, str):
            return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _suggest(value: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _join(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key


@dataclass(frozen=True)
class _Ref:
    """Where something was defined, for "also at" messages."""

    file: str
    location: str

    def __str__(self) -> str:
        return f"{self.file} {self.location}"


@dataclass(frozen=True)
class _ItemRef:
    audience: Audience
    file: str
    location: str
    element: dict[str, Any]


class _Checker:
    def __init__(self, files: Mapping[str, Any], unreadable: Collection[str]) -> None:
        self.files = files
        self.unreadable = set(unreadable)
        self.problems: list[Problem] = []
        inst = files.get(INSTRUMENT_FILE)
        self.inst: dict[str, Any] = inst if isinstance(inst, dict) else {}
        # Checks that compare against the instrument's definitions need them all.
        self.instrument_known = isinstance(inst, dict) and INSTRUMENT_FILE not in self.unreadable
        # Without a readable instrument.yaml the languages are unknown: texts are
        # then only checked for being empty.
        languages = self.inst.get("languages", ["en"]) if self.instrument_known else []
        self.languages = (
            [lang for lang in languages if isinstance(lang, str)]
            if isinstance(languages, list)
            else []
        )
        self.default_language = self.languages[0] if self.languages else None
        self.questionnaires: dict[Audience, dict[str, Any]] = {}
        for audience, name in QUESTIONNAIRE_FILES.items():
            data = files.get(name)
            if isinstance(data, dict):
                self.questionnaires[audience] = data
        # "Every X has Y" checks over the items need every questionnaire readable.
        self.items_complete = not any(
            name in self.unreadable or (name in files and not isinstance(files[name], dict))
            for name in QUESTIONNAIRE_FILES.values()
        )
        self.scales: dict[str, dict[str, Any]] = {}
        self.dimensions: dict[str, dict[str, Any]] = {}

    def add(self, file: str, location: str, message: str) -> None:
        self.problems.append(Problem(file, location, message))

    def run(self) -> list[Problem]:
        self.check_instrument_file()
        items = self.check_questionnaires()
        self.check_items(items)
        self.check_pairs(items)
        self.check_coverage(items)
        self.check_recommendations()
        return self.problems

    # -- shared ---------------------------------------------------------------------

    def check_text(self, file: str, location: str, value: Any) -> None:
        """Texts: present and not empty in the default language; known languages."""
        if isinstance(value, str):
            if not value.strip():
                self.add(file, location, "text is empty")
        elif isinstance(value, dict):
            for lang in value:
                if isinstance(lang, str) and self.languages and lang not in self.languages:
                    self.add(
                        file,
                        location,
                        f"language '{lang}' is not one of the instrument's languages "
                        f"({', '.join(self.languages)})",
                    )
            if self.default_language is None:
                return
            text = value.get(self.default_language)
            if not isinstance(text, str) or not text.strip():
                self.add(
                    file, location, f"no text in the default language '{self.default_language}'"
                )

    def check_id(
        self, file: str, location: str, value: Any, what: str, pattern: re.Pattern[str] = ID_PATTERN
    ) -> str | None:
        if not isinstance(value, str):
            return None
        if not pattern.match(value):
            first = (
                "a lower-case letter" if pattern is ID_PATTERN else "a lower-case letter or digit"
            )
            self.add(
                file,
                location,
                f"{what} id '{value}' must start with {first} and contain only lower-case "
                "letters, digits and underscores (at most 64 characters)",
            )
        return value

    def check_unique(
        self, seen: dict[str, _Ref], value: str | None, what: str, file: str, location: str
    ) -> None:
        if value is None:
            return
        if value in seen:
            self.add(file, location, f"duplicate {what} id '{value}' (first used at {seen[value]})")
        else:
            seen[value] = _Ref(file, location)

    # -- instrument.yaml ------------------------------------------------------------

    def check_instrument_file(self) -> None:
        f = INSTRUMENT_FILE
        inst = self.inst
        if not inst:
            return
        inst_id = inst.get("id")
        if isinstance(inst_id, str) and not INSTRUMENT_ID_PATTERN.match(inst_id):
            self.add(
                f,
                "id",
                f"instrument id '{inst_id}' must start with a lower-case letter or digit and "
                "contain only lower-case letters, digits and hyphens (at most 64 characters)",
            )
        version = inst.get("version")
        if isinstance(version, str) and not VERSION_PATTERN.match(version):
            self.add(
                f, "version", f"version '{version}' is not a semantic version X.Y.Z (e.g. 1.0.0)"
            )
        self.check_text(f, "title", inst.get("title"))
        if inst.get("description") is not None:
            self.check_text(f, "description", inst.get("description"))

        languages = inst.get("languages")
        if isinstance(languages, list):
            if not languages:
                self.add(f, "languages", "list at least one language; the first is the default")
            seen_langs: set[str] = set()
            for index, lang in enumerate(languages):
                if not isinstance(lang, str):
                    continue
                if not LANGUAGE_PATTERN.match(lang):
                    self.add(
                        f,
                        f"languages[{index}]",
                        f"'{lang}' is not a language code like 'en', 'de' or 'pt-BR'",
                    )
                if lang in seen_langs:
                    self.add(f, f"languages[{index}]", f"language '{lang}' is listed twice")
                seen_langs.add(lang)

        # Scales.
        seen: dict[str, _Ref] = {}
        if isinstance(inst.get("scales"), list) and not inst["scales"]:
            self.add(f, "scales", "define at least one scale")
        for index, scale in _elements(inst, "scales"):
            loc = f"scales[{index}]"
            scale_id = self.check_id(f, _join(loc, "id"), scale.get("id"), "scale")
            self.check_unique(seen, scale_id, "scale", f, _join(loc, "id"))
            if scale_id is not None and scale_id not in self.scales:
                self.scales[scale_id] = scale
            lo, hi = _int(scale.get("min")), _int(scale.get("max"))
            if lo is not None and hi is not None and lo >= hi:
                self.add(f, loc, f"min ({lo}) must be less than max ({hi})")
            labels = scale.get("labels")
            if isinstance(labels, dict):
                for point, label in labels.items():
                    point_int = _int(point)
                    if (
                        point_int is not None
                        and lo is not None
                        and hi is not None
                        and lo < hi
                        and not lo <= point_int <= hi
                    ):
                        self.add(
                            f,
                            f"{loc}.labels.{point}",
                            f"label for {point} is outside the scale {lo}..{hi}",
                        )
                    self.check_text(f, f"{loc}.labels.{point}", label)

        # Dimensions.
        seen = {}
        lenses_used: set[str] = set()
        for index, dim in _elements(inst, "dimensions"):
            loc = f"dimensions[{index}]"
            dim_id = self.check_id(f, _join(loc, "id"), dim.get("id"), "dimension")
            self.check_unique(seen, dim_id, "dimension", f, _join(loc, "id"))
            if dim_id is not None and dim_id not in self.dimensions:
                self.dimensions[dim_id] = dim
            lens = dim.get("lens")
            if isinstance(lens, str):
                if lens in LENS_VALUES:
                    lenses_used.add(lens)
                else:
                    self.add(f, _join(loc, "lens"), f"unknown lens '{lens}'; use 'means' or 'ends'")
            weight = _number(dim.get("weight", 1.0))
            if weight is not None and not (weight > 0 and math.isfinite(weight)):
                self.add(f, _join(loc, "weight"), f"weight must be greater than 0, got {weight:g}")
            self.check_text(f, _join(loc, "title"), dim.get("title"))
            self.check_text(f, _join(loc, "description"), dim.get("description"))
        # A misspelt lens is reported above; do not also report its lens as empty.
        misspelt = any(
            isinstance(d.get("lens"), str) and d["lens"] not in LENS_VALUES
            for _, d in _elements(inst, "dimensions")
        )
        if isinstance(inst.get("dimensions"), list) and not misspelt:
            for lens in Lens:
                if lens.value not in lenses_used:
                    self.add(
                        f,
                        "dimensions",
                        f"no dimension in the '{lens.value}' lens; an instrument measures both "
                        "lenses",
                    )

        # Scoring parameters (defaults are the scoring specification's).
        scoring = inst.get("scoring", {})
        scoring = scoring if isinstance(scoring, dict) else {}
        cut = _number(scoring.get("quadrant_cut"))
        if cut is not None and not 0 <= cut <= 100:
            self.add(f, "scoring.quadrant_cut", f"quadrant_cut must be within 0..100, got {cut:g}")
        threshold = _int(scoring.get("anonymity_threshold"))
        if threshold is not None and threshold < MIN_ANONYMITY_THRESHOLD:
            self.add(
                f,
                "scoring.anonymity_threshold",
                f"anonymity_threshold must be at least {MIN_ANONYMITY_THRESHOLD}, got {threshold}",
            )
        gap = _number(scoring.get("blind_spot_gap"))
        if gap is not None and not 0 < gap <= 100:
            self.add(
                f, "scoring.blind_spot_gap", f"blind_spot_gap must be within 0..100, got {gap:g}"
            )
        for key in ("low_score", "strength_score"):
            value = _number(scoring.get(key))
            if value is not None and not 0 <= value <= 100:
                self.add(f, f"scoring.{key}", f"{key} must be within 0..100, got {value:g}")
        cuts_value = scoring.get("maturity_cuts", [20.0, 40.0, 60.0, 80.0])
        n_cuts: int | None = None
        if isinstance(cuts_value, list):
            n_cuts = len(cuts_value)
            previous: float | None = None
            for index, raw in enumerate(cuts_value):
                value = _number(raw)
                if value is None:
                    continue
                loc = f"scoring.maturity_cuts[{index}]"
                if not 0 <= value <= 100:
                    self.add(f, loc, f"maturity cut {value:g} is outside 0..100")
                if previous is not None and value <= previous:
                    self.add(
                        f,
                        loc,
                        f"maturity cuts must be strictly increasing: {value:g} follows "
                        f"{previous:g}",
                    )
                previous = value

        # Maturity levels: one more than the cuts, numbered 1..N in order.
        levels = inst.get("maturity")
        if isinstance(levels, list):
            if n_cuts is not None and len(levels) != n_cuts + 1:
                self.add(
                    f,
                    "maturity",
                    f"expected {n_cuts + 1} maturity levels (one more than the {n_cuts} "
                    f"maturity_cuts), found {len(levels)}",
                )
            for index, level in _elements(inst, "maturity"):
                loc = f"maturity[{index}]"
                number = _int(level.get("level"))
                if number is not None and number != index + 1:
                    self.add(
                        f,
                        _join(loc, "level"),
                        f"levels are numbered 1..N in order: expected {index + 1}, found {number}",
                    )
                self.check_text(f, _join(loc, "label"), level.get("label"))
                self.check_text(f, _join(loc, "description"), level.get("description"))

    # -- staff.yaml / customer.yaml -------------------------------------------------

    def check_questionnaires(self) -> list[_ItemRef]:
        """Check the questionnaire files' own content; return every item found."""
        items: list[_ItemRef] = []
        if self.instrument_known and not any(
            name in self.files for name in QUESTIONNAIRE_FILES.values()
        ):
            self.add(
                "",
                "",
                "neither staff.yaml nor customer.yaml exists; an instrument needs at least one "
                "questionnaire",
            )
        segment_ids: dict[str, _Ref] = {}
        open_ids: dict[str, _Ref] = {}
        for audience, q in self.questionnaires.items():
            f = QUESTIONNAIRE_FILES[audience]
            for key in ("title", "intro", "privacy"):
                self.check_text(f, key, q.get(key))
            minutes = _int(q.get("estimated_minutes"))
            if minutes is not None and minutes < 1:
                self.add(f, "estimated_minutes", f"must be at least 1, got {minutes}")
            default_scale = q.get("default_scale")
            if (
                isinstance(default_scale, str)
                and self.instrument_known
                and default_scale not in self.scales
            ):
                self.add(
                    f,
                    "default_scale",
                    f"unknown scale '{default_scale}'{_suggest(default_scale, self.scales)}",
                )

            if isinstance(q.get("sections"), list) and not q["sections"]:
                self.add(f, "sections", "a questionnaire needs at least one section")
            section_ids: dict[str, _Ref] = {}
            for s_index, section in _elements(q, "sections"):
                loc = f"sections[{s_index}]"
                section_id = self.check_id(f, _join(loc, "id"), section.get("id"), "section")
                self.check_unique(section_ids, section_id, "section", f, _join(loc, "id"))
                self.check_text(f, _join(loc, "title"), section.get("title"))
                if section.get("intro") is not None:
                    self.check_text(f, _join(loc, "intro"), section.get("intro"))
                if isinstance(section.get("items"), list) and not section["items"]:
                    self.add(f, _join(loc, "items"), "a section needs at least one item")
                for i_index, item in _elements(section, "items"):
                    items.append(_ItemRef(audience, f, f"{loc}.items[{i_index}]", item))

            for g_index, segment in _elements(q, "segments"):
                loc = f"segments[{g_index}]"
                segment_id = self.check_id(f, _join(loc, "id"), segment.get("id"), "segment")
                self.check_unique(segment_ids, segment_id, "segment question", f, _join(loc, "id"))
                self.check_text(f, _join(loc, "text"), segment.get("text"))
                options = segment.get("options")
                if isinstance(options, list) and len(options) < 2:
                    self.add(
                        f,
                        _join(loc, "options"),
                        f"a segment question needs at least 2 options, found {len(options)}",
                    )
                option_ids: dict[str, _Ref] = {}
                for o_index, option in _elements(segment, "options"):
                    o_loc = f"{loc}.options[{o_index}]"
                    option_id = self.check_id(
                        f, _join(o_loc, "id"), option.get("id"), "option", OPTION_ID_PATTERN
                    )
                    self.check_unique(option_ids, option_id, "option", f, _join(o_loc, "id"))
                    self.check_text(f, _join(o_loc, "label"), option.get("label"))

            for o_index, question in _elements(q, "open_questions"):
                loc = f"open_questions[{o_index}]"
                question_id = self.check_id(
                    f, _join(loc, "id"), question.get("id"), "open question"
                )
                self.check_unique(open_ids, question_id, "open question", f, _join(loc, "id"))
                self.check_text(f, _join(loc, "text"), question.get("text"))
                max_length = _int(question.get("max_length"))
                if max_length is not None and not 1 <= max_length <= MAX_OPEN_LENGTH:
                    self.add(
                        f,
                        _join(loc, "max_length"),
                        f"max_length must be within 1..{MAX_OPEN_LENGTH}, got {max_length}",
                    )
        return items

    def check_items(self, items: list[_ItemRef]) -> None:
        item_ids: dict[str, _Ref] = {}
        outcomes: dict[str, _ItemRef] = {}
        outcome_values = [o.value for o in Outcome]
        for ref in items:
            f, loc, item = ref.file, ref.location, ref.element
            item_id = self.check_id(f, _join(loc, "id"), item.get("id"), "item")
            self.check_unique(item_ids, item_id, "item", f, _join(loc, "id"))
            self.check_text(f, _join(loc, "text"), item.get("text"))

            dimension, outcome = item.get("dimension"), item.get("outcome")
            if dimension is None and outcome is None:
                self.add(f, loc, "an item needs either a dimension or an outcome")
            elif dimension is not None and outcome is not None:
                self.add(f, loc, "an item has either a dimension or an outcome, not both")
            if (
                isinstance(dimension, str)
                and self.instrument_known
                and (dimension not in self.dimensions)
            ):
                self.add(
                    f,
                    _join(loc, "dimension"),
                    f"unknown dimension '{dimension}'{_suggest(dimension, self.dimensions)}",
                )

            scale_id = item.get("scale")
            scale_loc = _join(loc, "scale")
            inherited = scale_id is None
            if inherited:
                scale_id = self.questionnaires[ref.audience].get("default_scale")
                scale_loc = loc  # the item, which has no scale of its own
                if scale_id is None:
                    self.add(
                        f, loc, "no scale: set 'scale' on the item or 'default_scale' in the file"
                    )
            scale = None
            if isinstance(scale_id, str) and self.instrument_known:
                scale = self.scales.get(scale_id)
                if scale is None and not inherited:  # an unknown default_scale: reported above
                    self.add(
                        f,
                        scale_loc,
                        f"unknown scale '{scale_id}'{_suggest(scale_id, self.scales)}",
                    )

            if isinstance(outcome, str):
                if outcome not in outcome_values:
                    self.add(
                        f,
                        _join(loc, "outcome"),
                        f"unknown outcome '{outcome}'; expected one of {', '.join(outcome_values)}",
                    )
                    continue
                if ref.audience != Audience.CUSTOMER:
                    self.add(f, _join(loc, "outcome"), "outcome items belong in customer.yaml only")
                if outcome in outcomes:
                    first = outcomes[outcome]
                    self.add(
                        f,
                        _join(loc, "outcome"),
                        f"outcome '{outcome}' is already measured by the item at "
                        f"{first.file} {first.location}",
                    )
                else:
                    outcomes[outcome] = ref
                if item.get("pair") is not None:
                    self.add(
                        f,
                        _join(loc, "pair"),
                        "outcome items cannot be paired; pairs join dimension items",
                    )
                if item.get("reverse") is True:
                    self.add(
                        f,
                        _join(loc, "reverse"),
                        "outcome items cannot be reverse-keyed; each outcome has a fixed direction",
                    )
                if outcome == Outcome.RECOMMEND and scale is not None:
                    lo, hi = _int(scale.get("min")), _int(scale.get("max"))
                    if (lo, hi) != RECOMMEND_SCALE and lo is not None and hi is not None:
                        source = " (the file's default_scale)" if inherited else ""
                        self.add(
                            f,
                            scale_loc,
                            f"the recommend item needs a 0..10 scale; '{scale_id}'{source} is "
                            f"{lo}..{hi}",
                        )

    def check_pairs(self, items: list[_ItemRef]) -> None:
        pairs: dict[str, list[_ItemRef]] = {}
        for ref in items:
            pair = ref.element.get("pair")
            if not isinstance(pair, str) or ref.element.get("outcome") is not None:
                continue
            self.check_id(ref.file, _join(ref.location, "pair"), pair, "pair")
            pairs.setdefault(pair, []).append(ref)
        for pair, refs in pairs.items():
            by_audience: dict[Audience, list[_ItemRef]] = {a: [] for a in Audience}
            for ref in refs:
                by_audience[ref.audience].append(ref)
            for audience, members in by_audience.items():
                for extra in members[1:]:
                    first = members[0]
                    self.add(
                        extra.file,
                        _join(extra.location, "pair"),
                        f"pair '{pair}' already has a {audience.value} item "
                        f"(at {first.file} {first.location}); a pair joins exactly one staff "
                        "item and one customer item",
                    )
            if self.items_complete:
                for audience, members in by_audience.items():
                    if not members:
                        other = refs[0]
                        self.add(
                            other.file,
                            _join(other.location, "pair"),
                            f"pair '{pair}' has no {audience.value} item; a pair joins one staff "
                            "item and one customer item",
                        )
            staff, customer = by_audience[Audience.STAFF], by_audience[Audience.CUSTOMER]
            if staff and customer:
                s_dim, c_dim = (
                    staff[0].element.get("dimension"),
                    customer[0].element.get("dimension"),
                )
                if isinstance(s_dim, str) and isinstance(c_dim, str) and s_dim != c_dim:
                    self.add(
                        customer[0].file,
                        _join(customer[0].location, "dimension"),
                        f"pair '{pair}' joins items of different dimensions: the staff item is "
                        f"in '{s_dim}', this one in '{c_dim}'",
                    )

    def check_coverage(self, items: list[_ItemRef]) -> None:
        """Every dimension is measured by at least one item (of either audience)."""
        if not (self.items_complete and self.instrument_known and self.questionnaires):
            return
        used = {_str(ref.element, "dimension") for ref in items}
        for index, dim in _elements(self.inst, "dimensions"):
            dim_id = dim.get("id")
            if isinstance(dim_id, str) and dim_id not in used:
                self.add(
                    INSTRUMENT_FILE,
                    f"dimensions[{index}]",
                    f"dimension '{dim_id}' has no items in any questionnaire",
                )

    # -- recommendations.yaml -------------------------------------------------------

    def check_recommendations(self) -> None:
        f = RECOMMENDATIONS_FILE
        recs = self.files.get(f)
        if not isinstance(recs, dict):
            return
        for dim_id, drec in recs.items():
            if not isinstance(dim_id, str):
                continue
            if self.instrument_known and dim_id not in self.dimensions:
                self.add(
                    f, dim_id, f"unknown dimension '{dim_id}'{_suggest(dim_id, self.dimensions)}"
                )
            for pattern in RECOMMENDATION_PATTERNS:
                for index, rec in _elements(drec, pattern):
                    loc = f"{dim_id}.{pattern}[{index}]"
                    self.check_text(f, _join(loc, "title"), rec.get("title"))
                    self.check_text(f, _join(loc, "text"), rec.get("text"))


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
                    _join(loc, "section"),
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
