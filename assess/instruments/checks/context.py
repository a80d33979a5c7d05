"""What every step of the checks shares: the problems found, the files and helpers.

A :class:`CheckContext` holds the loaded files and the definitions found so far
(scales and dimensions of ``instrument.yaml``, the items of the questionnaires),
so that later steps can check references against them; the steps themselves
live in the modules named after the file they check.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..fileformat import INSTRUMENT_FILE, QUESTIONNAIRE_FILES
from ..schema import Audience, Lens

#: Element ids (items, dimensions, scales, sections, segments, pairs, ...).
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Option ids may start with a digit ("1_3y").
OPTION_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
#: Instrument ids are folder names and appear in URLs.
INSTRUMENT_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
#: X.Y.Z, no leading zeros.
VERSION_PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

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


# -- reading loaded YAML that may be malformed --------------------------------------


def elements(container: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, element)`` for each mapping in ``container[key]`` (if a list)."""
    if not isinstance(container, dict):
        return
    value = container.get(key)
    if not isinstance(value, list):
        return
    for index, element in enumerate(value):
        if isinstance(element, dict):
            yield index, element


def string(element: Any, key: str) -> str | None:
    """``element[key]`` if ``element`` is a mapping and the value a string."""
    if isinstance(element, dict):
        value = element.get(key)
        if isinstance(value, str):
            return value
    return None


def number(value: Any) -> float | None:
    """The value as a float if it is a number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def whole(value: Any) -> int | None:
    """The value if it is a whole number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def suggest(value: str, choices: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def join(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key


@dataclass(frozen=True)
class Ref:
    """Where something was defined, for "also at" messages."""

    file: str
    location: str

    def __str__(self) -> str:
        return f"{self.file} {self.location}"


@dataclass(frozen=True)
class ItemRef:
    """An item as found in a questionnaire file, with its place."""

    audience: Audience
    file: str
    location: str
    element: dict[str, Any]


class CheckContext:
    """The files under check, what the steps found so far, and the problems."""

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
        # Filled in by the steps, in order: instrument.yaml's definitions first,
        # then every item of the questionnaires.
        self.scales: dict[str, dict[str, Any]] = {}
        self.dimensions: dict[str, dict[str, Any]] = {}
        self.items: list[ItemRef] = []

    def add(self, file: str, location: str, message: str) -> None:
        self.problems.append(Problem(file, location, message))

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
        self, seen: dict[str, Ref], value: str | None, what: str, file: str, location: str
    ) -> None:
        if value is None:
            return
        if value in seen:
            self.add(file, location, f"duplicate {what} id '{value}' (first used at {seen[value]})")
        else:
            seen[value] = Ref(file, location)
