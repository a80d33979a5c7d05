"""Read an instrument folder into an :class:`~assess.instruments.schema.Instrument`.

Loading never stops at the first mistake and never lets a traceback escape
for bad input: YAML syntax errors, missing or unexpected files, keys of the
wrong type and every cross-check of :mod:`assess.instruments.checks` are
collected as :class:`~assess.instruments.checks.Problem` objects and raised
together in one :class:`InstrumentError`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assess.paths import questionnaires_dir

from .checks import INSTRUMENT_ID_PATTERN, Problem, check_files
from .fileformat import (
    FILE_MODELS,
    FILES,
    INSTRUMENT_FILE,
    QUESTIONNAIRE_FILES,
    RECOMMENDATIONS_FILE,
    STORY_FILE,
    InstrumentFile,
    QuestionnaireFile,
    RecommendationsFile,
    StoryFile,
    build_instrument,
    describe,
    known_keys,
)
from .schema import Instrument

__all__ = [
    "InstrumentError",
    "InstrumentInfo",
    "InstrumentNotFound",
    "Problem",
    "default_questionnaires_dir",
    "discover_instruments",
    "load_instrument",
    "load_instrument_by_id",
    "validate_files",
    "validate_instrument",
]

ENV_QUESTIONNAIRES_DIR = "ASSESS_QUESTIONNAIRES_DIR"


class InstrumentError(Exception):
    """An instrument could not be loaded; ``problems`` says everything that is wrong."""

    def __init__(self, problems: Iterable[Problem], name: str = "") -> None:
        self.problems = list(problems)
        self.name = name
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            prefix = f"instrument '{self.name}': " if self.name else ""
            return prefix + str(self.problems[0])
        where = f" in instrument '{self.name}'" if self.name else ""
        lines = [f"{len(self.problems)} problems{where}:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


class InstrumentNotFound(InstrumentError, LookupError):
    """No instrument folder with the requested id."""


@dataclass(frozen=True)
class InstrumentInfo:
    """One instrument folder, as listed by :func:`discover_instruments`."""

    id: str
    path: Path
    version: str
    title: str  # in the instrument's default language
    valid: bool
    problems: tuple[Problem, ...] = field(default=())


# -- where instruments live ---------------------------------------------------------


def default_questionnaires_dir() -> Path:
    """The folder holding the shipped instruments (see :func:`assess.paths.questionnaires_dir`).

    ``$ASSESS_QUESTIONNAIRES_DIR``, else the copy packed into the wheel
    (``assess/_data/questionnaires``), else ``questionnaires/`` in a checkout.
    """
    return questionnaires_dir()


# -- YAML ---------------------------------------------------------------------------


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML that records duplicate keys and knows only true/false as booleans.

    YAML 1.1 reads ``no``, ``yes``, ``on`` and ``off`` as booleans, which turns an
    option id ``no`` or the language code ``no`` into ``false``; like YAML 1.2,
    this loader keeps them as text.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []  # key, line, first line


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: _YamlLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "found a key that is not a plain value",
                key_node.start_mark,
            ) from None
        line = key_node.start_mark.line + 1
        if key in mapping:
            loader.duplicates.append((str(key), line, lines[key]))
        lines[key] = line
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_YamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> tuple[Any, list[Problem], bool]:
    """``(data, problems, readable)`` for one file."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(name, "", f"not UTF-8 text ({error.reason})")], False
    except OSError as error:
        return None, [Problem(name, "", f"cannot be read: {error.strerror or error}")], False
    loader = _YamlLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        message = f"YAML syntax error: {error.problem or error.context or 'invalid YAML'}"
        if error.context and error.problem and error.context_mark is not None:
            message += f" ({error.context} at line {error.context_mark.line + 1})"
        return None, [Problem(name, location, message)], False
    except yaml.YAMLError as error:
        return None, [Problem(name, "", f"YAML syntax error: {error}")], False
    finally:
        loader.dispose()
    problems = [
        Problem(name, f"line {line}", f"duplicate key '{key}' (first at line {first})")
        for key, line, first in loader.duplicates
    ]
    return data, problems, True


# -- structure ----------------------------------------------------------------------

_TYPE_MESSAGES = {
    "string_type": "expected a text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
}


def format_location(loc: Iterable[Any]) -> str:
    """``("sections", 1, "items", 3, "scale")`` -> ``sections[1].items[3].scale``."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _structure_problems(file: str, model: type[BaseModel], data: Any) -> list[Problem]:
    if data is None:
        return [Problem(file, "", "file is empty")]
    if not isinstance(data, dict):
        return [
            Problem(
                file,
                "",
                f"expected a mapping of keys to values at the top of the file, got "
                f"{describe(data)}",
            )
        ]
    try:
        model.model_validate(data)
    except ValidationError as error:
        return [_translate(file, e) for e in error.errors(include_url=False)]
    return []


def _translate(file: str, error: Any) -> Problem:
    loc = list(error["loc"])
    kind = error["type"]
    value = error.get("input")
    prefix = ""
    if loc and loc[-1] == "[key]":
        loc.pop()
        prefix = "key: "
    if kind == "missing" and loc:
        key = loc.pop()
        message = f"missing required key '{key}'"
    elif kind == "extra_forbidden" and loc:
        key = str(loc.pop())
        close = difflib.get_close_matches(key, sorted(known_keys()), n=1, cutoff=0.7)
        message = f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    elif kind in _TYPE_MESSAGES:
        message = f"{_TYPE_MESSAGES[kind]}, got {describe(value)}"
        if kind == "string_type" and isinstance(value, int | float):
            message += " (put it in quotes)"
    else:
        message = str(error["msg"])
    return Problem(file, format_location(loc), prefix + message)


# -- loading ------------------------------------------------------------------------

# Loaded instruments by folder, reused while the folder's files are unchanged.
# Instruments are frozen models; callers must not mutate their dicts either.
_cache: dict[Path, tuple[tuple[Any, ...], Instrument | None, tuple[Problem, ...]]] = {}


def _fingerprint(folder: Path) -> tuple[Any, ...]:
    """The folder's file names and contents' hashes: parsing YAML is the slow part."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return ()
    out = []
    for entry in entries:
        try:
            digest = hashlib.sha256(entry.read_bytes()).hexdigest() if entry.is_file() else ""
        except OSError:
            digest = "unreadable"
        out.append((entry.name, digest))
    return tuple(out)


def _resolve_folder(path: Path | str) -> Path:
    path = Path(path)
    if path.is_file() and path.name in FILES:
        return path.parent
    return path


def validate_instrument(
    path: Path | str, *, check_folder_name: bool = True
) -> tuple[Instrument | None, list[Problem]]:
    """``(instrument, [])`` for a valid folder, else ``(None, problems)``; never raises
    for bad input. ``path`` is the folder (or any of its files)."""
    folder = _resolve_folder(path)
    if not folder.exists():
        return None, [Problem("", "", f"no instrument folder at {folder}")]
    if not folder.is_dir():
        return None, [Problem("", "", f"{folder} is not a folder")]
    key = folder.resolve()
    fingerprint = (check_folder_name, _fingerprint(folder))
    cached = _cache.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1], list(cached[2])
    instrument, problems = _validate(folder, check_folder_name)
    _cache[key] = (fingerprint, instrument, tuple(problems))
    return instrument, problems


def _validate(folder: Path, check_folder_name: bool) -> tuple[Instrument | None, list[Problem]]:
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    unreadable: set[str] = set()

    for entry in sorted(folder.iterdir()):
        if entry.suffix in (".yaml", ".yml") and entry.name not in FILES:
            close = difflib.get_close_matches(entry.name, FILES, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                Problem(
                    entry.name,
                    "",
                    f"unexpected file{hint}; an instrument folder holds {', '.join(FILES)}",
                )
            )

    for name in FILES:
        path = folder / name
        if not path.is_file():
            continue
        content, read_problems, readable = _read_yaml(path)
        problems.extend(read_problems)
        if readable:
            data[name] = content
        else:
            unreadable.add(name)

    instrument, more = validate_files(
        data, unreadable=unreadable, folder_name=folder.name if check_folder_name else None
    )
    problems.extend(more)
    if problems:
        return None, _sorted(problems)
    return instrument, []


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Problems grouped by file, in the order of :data:`FILES` (stable within a file)."""
    order = {name: index for index, name in enumerate(("", *FILES))}
    return sorted(problems, key=lambda p: order.get(p.file, len(order)))


def validate_files(
    files: Mapping[str, Any],
    *,
    unreadable: Collection[str] = (),
    folder_name: str | None = None,
) -> tuple[Instrument | None, list[Problem]]:
    """Validate already-loaded file contents (``{"instrument.yaml": {...}, ...}``).

    Like :func:`validate_instrument` without the file system: structure, then
    every cross-check. ``unreadable`` names files that exist but could not be
    parsed; ``folder_name``, if given, must equal the instrument's id.
    """
    problems: list[Problem] = []
    if INSTRUMENT_FILE not in files and INSTRUMENT_FILE not in unreadable:
        problems.append(Problem(INSTRUMENT_FILE, "", "file is missing"))
    for name, content in files.items():
        model = FILE_MODELS.get(name)
        if model is not None:
            problems.extend(_structure_problems(name, model, content))

    try:
        problems.extend(check_files(files, unreadable=unreadable))
    except Exception as error:  # noqa: BLE001 - a bug in a check must not hide the others
        problems.append(Problem("", "", f"internal error in the checks, please report: {error!r}"))

    inst_data = files.get(INSTRUMENT_FILE)
    if folder_name is not None and isinstance(inst_data, dict):
        inst_id = inst_data.get("id")
        if isinstance(inst_id, str) and inst_id != folder_name:
            problems.append(
                Problem(
                    INSTRUMENT_FILE,
                    "id",
                    f"id '{inst_id}' does not match the folder name "
                    f"'{folder_name}'; rename one of them",
                )
            )
    if problems or unreadable:
        return None, _sorted(problems)

    try:
        instrument = build_instrument(
            InstrumentFile.model_validate(files[INSTRUMENT_FILE]),
            {
                audience: QuestionnaireFile.model_validate(files[name])
                for audience, name in QUESTIONNAIRE_FILES.items()
                if name in files
            },
            RecommendationsFile.model_validate(files[RECOMMENDATIONS_FILE])
            if RECOMMENDATIONS_FILE in files
            else None,
            StoryFile.model_validate(files[STORY_FILE]) if STORY_FILE in files else None,
        )
    except ValidationError as error:  # a gap in the checks; still no traceback
        return None, [_translate("", e) for e in error.errors(include_url=False)]
    return instrument, []


def load_instrument(path: Path | str, *, check_folder_name: bool = True) -> Instrument:
    """The instrument in folder ``path``; raises :class:`InstrumentError` listing
    every problem if it is not valid."""
    instrument, problems = validate_instrument(path, check_folder_name=check_folder_name)
    if instrument is None:
        raise InstrumentError(problems, _resolve_folder(path).name)
    return instrument


def load_instrument_by_id(instrument_id: str, root: Path | str | None = None) -> Instrument:
    """The instrument ``questionnaires/<instrument_id>/`` (or under ``root``)."""
    base = Path(root) if root is not None else default_questionnaires_dir()
    folder = base / instrument_id
    if not INSTRUMENT_ID_PATTERN.match(instrument_id or "") or not folder.is_dir():
        available = ", ".join(info.id for info in discover_instruments(base)) or "none"
        raise InstrumentNotFound(
            [Problem("", "", f"unknown instrument '{instrument_id}' (available: {available})")]
        )
    return load_instrument(folder)


def discover_instruments(root: Path | str | None = None) -> list[InstrumentInfo]:
    """Every instrument folder under ``root`` (default: the questionnaires folder),
    valid or not, sorted by id."""
    base = Path(root) if root is not None else default_questionnaires_dir()
    if not base.is_dir():
        return []
    infos = []
    for folder in sorted(base.iterdir()):
        if not folder.is_dir() or folder.name.startswith((".", "_")):
            continue
        if not any(child.suffix in (".yaml", ".yml") for child in folder.iterdir()):
            continue
        instrument, problems = validate_instrument(folder)
        if instrument is not None:
            infos.append(
                InstrumentInfo(
                    id=instrument.id,
                    path=folder,
                    version=instrument.version,
                    title=instrument.text(instrument.title),
                    valid=True,
                )
            )
            continue
        version, title = "", folder.name
        head = _peek(folder / INSTRUMENT_FILE)
        if isinstance(head.get("version"), str):
            version = head["version"]
        raw_title = head.get("title")
        if isinstance(raw_title, str):
            title = raw_title
        elif isinstance(raw_title, dict) and raw_title:
            first = next(iter(raw_title.values()))
            title = first if isinstance(first, str) else title
        infos.append(
            InstrumentInfo(
                id=folder.name,
                path=folder,
                version=version,
                title=title,
                valid=False,
                problems=tuple(problems),
            )
        )
    return infos


def _peek(path: Path) -> dict[str, Any]:
    """The top of an instrument.yaml that may be broken, or {}."""
    if not path.is_file():
        return {}
    data, _, _ = _read_yaml(path)
    return data if isinstance(data, dict) else {}
