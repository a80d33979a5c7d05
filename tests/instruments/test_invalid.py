"""Malformed instruments: every problem is reported, with its place, never a traceback.

Each case is a folder under ``fixtures/invalid/`` or a copy of a valid
instrument with one edit, and names the exact problem line expected from
``load_instrument`` and from ``assess instrument check``.
"""

from __future__ import annotations

import copy
import itertools
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assess.instruments.cli import instrument_cli
from assess.instruments.loader import (
    InstrumentError,
    load_instrument,
    validate_files,
    validate_instrument,
)

from .conftest import DEFAULT_DIR, INVALID_DIR, SERVQUAL_DIR, read_files, write_files


def node(files: dict[str, Any], file: str, *path: Any) -> Any:
    value = files[file]
    for key in path:
        value = value[key]
    return value


def setter(file: str, *path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(files: dict[str, Any]) -> None:
        node(files, file, *path[:-1])[path[-1]] = value

    return mutate


def deleter(file: str, *path: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(files: dict[str, Any]) -> None:
        del node(files, file, *path[:-1])[path[-1]]

    return mutate


@dataclass
class Case:
    id: str
    expected: str  # one problem, exactly as printed
    mutate: Callable[[dict[str, Any]], None] | None = None
    source: Path = DEFAULT_DIR  # a fixture folder is used as it is unless edited
    edit_text: Callable[[Path], Any] | None = None  # edits the copied files' text


def _add_dimension(files: dict[str, Any]) -> None:
    files["instrument.yaml"]["dimensions"].append(
        {"id": "means_culture", "lens": "means", "title": "Culture", "description": "Culture."}
    )


def _staff_outcome(files: dict[str, Any]) -> None:
    item = node(files, "staff.yaml", "sections", 0, "items", 0)
    del item["dimension"]
    item["outcome"] = "brand_equity"


def _move_pair(files: dict[str, Any]) -> None:
    node(files, "staff.yaml", "sections", 0, "items", 0)["pair"] = "p_easy"


def _drop_customer_pair(files: dict[str, Any]) -> None:
    del node(files, "customer.yaml", "sections", 0, "items", 1)["pair"]


def _german_only_title(files: dict[str, Any]) -> None:
    node(files, "instrument.yaml", "dimensions", 0)["title"] = {"de": "Kundenstrategie"}


def _second_recommend(files: dict[str, Any]) -> None:
    node(files, "customer.yaml", "sections", 3, "items", 1)["outcome"] = "recommend"


CASES = [
    Case(
        "unknown-scale",
        "staff.yaml: sections[1].items[3].scale: unknown scale 'agree7' (did you mean 'agree5'?)",
        setter("staff.yaml", "sections", 1, "items", 3, "scale", value="agree7"),
    ),
    Case(
        "unknown-dimension",
        "customer.yaml: sections[0].items[0].dimension: unknown dimension 'ends_eese' (did you "
        "mean 'ends_ease'?)",
        setter("customer.yaml", "sections", 0, "items", 0, "dimension", value="ends_eese"),
    ),
    Case(
        "dimension-and-outcome",
        "customer.yaml: sections[3].items[1]: an item has either a dimension or an outcome, "
        "not both",
        setter("customer.yaml", "sections", 3, "items", 1, "dimension", value="ends_trust"),
    ),
    Case(
        "neither-dimension-nor-outcome",
        "staff.yaml: sections[0].items[0]: an item needs either a dimension or an outcome",
        deleter("staff.yaml", "sections", 0, "items", 0, "dimension"),
    ),
    Case(
        "unknown-outcome",
        "customer.yaml: sections[3].items[2].outcome: unknown outcome 'brand'; expected one of "
        "recommend, value_equity, brand_equity, relationship_equity, stay_by_choice, "
        "stay_hostage",
        setter("customer.yaml", "sections", 3, "items", 2, "outcome", value="brand"),
    ),
    Case(
        "outcome-in-staff-questionnaire",
        "staff.yaml: sections[0].items[0].outcome: outcome items belong in customer.yaml only",
        _staff_outcome,
    ),
    Case(
        "outcome-twice",
        "customer.yaml: sections[3].items[1].outcome: outcome 'recommend' is already measured "
        "by the item at customer.yaml sections[3].items[0]",
        _second_recommend,
    ),
    Case(
        "recommend-on-agree-scale",
        "customer.yaml: sections[3].items[0]: the recommend item needs a 0..10 scale; 'agree5' "
        "(the file's default_scale) is 1..5",
        deleter("customer.yaml", "sections", 3, "items", 0, "scale"),
    ),
    Case(
        "duplicate-item-across-audiences",
        "customer.yaml: sections[0].items[0].id: duplicate item id 's_strat_plan' (first used "
        "at staff.yaml sections[0].items[0].id)",
        setter("customer.yaml", "sections", 0, "items", 0, "id", value="s_strat_plan"),
    ),
    Case(
        "pair-without-customer-item",
        "staff.yaml: sections[1].items[0].pair: pair 'p_single_view' has no customer item; a "
        "pair joins one staff item and one customer item",
        _drop_customer_pair,
    ),
    Case(
        "pair-across-dimensions",
        "customer.yaml: sections[0].items[1].dimension: pair 'p_single_view' joins items of "
        "different dimensions: the staff item is in 'means_insight', this one in "
        "'means_listening'",
        setter("customer.yaml", "sections", 0, "items", 1, "dimension", value="means_listening"),
    ),
    Case(
        "pair-with-two-staff-items",
        "staff.yaml: sections[6].items[0].pair: pair 'p_easy' already has a staff item (at "
        "staff.yaml sections[0].items[0]); a pair joins exactly one staff item and one "
        "customer item",
        _move_pair,
    ),
    Case(
        "scale-min-not-below-max",
        "instrument.yaml: scales[1]: min (10) must be less than max (10)",
        setter("instrument.yaml", "scales", 1, "min", value=10),
    ),
    Case(
        "label-outside-scale",
        "instrument.yaml: scales[1].labels.11: label for 11 is outside the scale 0..10",
        setter("instrument.yaml", "scales", 1, "labels", 11, value="Beyond"),
    ),
    Case(
        "fractional-scale-point",
        "instrument.yaml: scales[0].min: expected a whole number, got 1.5",
        setter("instrument.yaml", "scales", 0, "min", value=1.5),
    ),
    Case(
        "zero-weight",
        "instrument.yaml: dimensions[2].weight: weight must be greater than 0, got 0",
        setter("instrument.yaml", "dimensions", 2, "weight", value=0),
    ),
    Case(
        "unknown-lens",
        "instrument.yaml: dimensions[0].lens: unknown lens 'mean'; use 'means' or 'ends'",
        setter("instrument.yaml", "dimensions", 0, "lens", value="mean"),
    ),
    Case(
        "dimension-without-items",
        "instrument.yaml: dimensions[16]: dimension 'means_culture' has no items in any "
        "questionnaire",
        _add_dimension,
    ),
    Case(
        "duplicate-dimension",
        "instrument.yaml: dimensions[1].id: duplicate dimension id 'means_strategy' (first "
        "used at instrument.yaml dimensions[0].id)",
        setter("instrument.yaml", "dimensions", 1, "id", value="means_strategy"),
    ),
    Case(
        "maturity-level-missing",
        "instrument.yaml: maturity: expected 5 maturity levels (one more than the 4 "
        "maturity_cuts), found 4",
        deleter("instrument.yaml", "maturity", 4),
    ),
    Case(
        "maturity-misnumbered",
        "instrument.yaml: maturity[1].level: levels are numbered 1..N in order: expected 2, "
        "found 3",
        setter("instrument.yaml", "maturity", 1, "level", value=3),
    ),
    Case(
        "maturity-cuts-not-increasing",
        "instrument.yaml: scoring.maturity_cuts[2]: maturity cuts must be strictly "
        "increasing: 40 follows 60",
        setter("instrument.yaml", "scoring", "maturity_cuts", value=[20, 60, 40, 80]),
    ),
    Case(
        "maturity-cut-above-100",
        "instrument.yaml: scoring.maturity_cuts[3]: maturity cut 120 is outside 0..100",
        setter("instrument.yaml", "scoring", "maturity_cuts", value=[20, 40, 60, 120]),
    ),
    Case(
        "anonymity-threshold-below-3",
        "instrument.yaml: scoring.anonymity_threshold: anonymity_threshold must be at least 3, "
        "got 2",
        setter("instrument.yaml", "scoring", "anonymity_threshold", value=2),
    ),
    Case(
        "quadrant-cut-above-100",
        "instrument.yaml: scoring.quadrant_cut: quadrant_cut must be within 0..100, got 150",
        setter("instrument.yaml", "scoring", "quadrant_cut", value=150),
    ),
    Case(
        "version-not-semantic",
        "instrument.yaml: version: version '1.0' is not a semantic version X.Y.Z (e.g. 1.0.0)",
        setter("instrument.yaml", "version", value="1.0"),
    ),
    Case(
        "text-missing-in-default-language",
        "instrument.yaml: dimensions[0].title: no text in the default language 'en'",
        _german_only_title,
    ),
    Case(
        "text-in-unlisted-language",
        "instrument.yaml: dimensions[0].title: language 'de' is not one of the instrument's "
        "languages (en)",
        _german_only_title,
    ),
    Case(
        "empty-text",
        "staff.yaml: sections[0].items[0].text: text is empty",
        setter("staff.yaml", "sections", 0, "items", 0, "text", value="  "),
    ),
    Case(
        "segment-with-one-option",
        "staff.yaml: segments[3].options: a segment question needs at least 2 options, found 1",
        deleter("staff.yaml", "segments", 3, "options", 1),
    ),
    Case(
        "duplicate-option",
        "customer.yaml: segments[0].options[1].id: duplicate option id 'under_1y' (first used "
        "at customer.yaml segments[0].options[0].id)",
        setter("customer.yaml", "segments", 0, "options", 1, "id", value="under_1y"),
    ),
    Case(
        "duplicate-segment-across-audiences",
        "customer.yaml: segments[0].id: duplicate segment question id 'staff_tenure' (first "
        "used at staff.yaml segments[2].id)",
        setter("customer.yaml", "segments", 0, "id", value="staff_tenure"),
    ),
    Case(
        "duplicate-section",
        "staff.yaml: sections[1].id: duplicate section id 'goals_and_structure' (first used at "
        "staff.yaml sections[0].id)",
        setter("staff.yaml", "sections", 1, "id", value="goals_and_structure"),
    ),
    Case(
        "bad-item-id",
        "staff.yaml: sections[0].items[0].id: item id 'S Strat' must start with a lower-case "
        "letter and contain only lower-case letters, digits and underscores (at most 64 "
        "characters)",
        setter("staff.yaml", "sections", 0, "items", 0, "id", value="S Strat"),
    ),
    Case(
        "open-question-too-long",
        "customer.yaml: open_questions[0].max_length: max_length must be within 1..10000, got 0",
        setter("customer.yaml", "open_questions", 0, "max_length", value=0),
    ),
    Case(
        "unknown-default-scale",
        "customer.yaml: default_scale: unknown scale 'agree' (did you mean 'agree5'?)",
        setter("customer.yaml", "default_scale", value="agree"),
    ),
    Case(
        "recommendation-for-unknown-dimension",
        "recommendations.yaml: means_stratgy: unknown dimension 'means_stratgy' (did you mean "
        "'means_strategy'?)",
        setter("recommendations.yaml", "means_stratgy", value={"low": []}),
    ),
    Case(
        "misspelt-key",
        "staff.yaml: sections[0].items[3]: unknown key 'revers' (did you mean 'reverse'?)",
        setter("staff.yaml", "sections", 0, "items", 3, "revers", value=True),
    ),
    Case(
        "missing-key",
        "customer.yaml: missing required key 'privacy'",
        deleter("customer.yaml", "privacy"),
    ),
    Case(
        "wrong-type",
        "staff.yaml: sections[0].items[3].reverse: expected true or false, got 'sometimes'",
        setter("staff.yaml", "sections", 0, "items", 3, "reverse", value="sometimes"),
    ),
    Case(
        "text-of-wrong-type",
        "staff.yaml: sections[2].title: expected a text, or a mapping of language codes to "
        "texts (en: ...), got a list",
        setter("staff.yaml", "sections", 2, "title", value=["a", "b"]),
    ),
    Case(
        "sections-not-a-list",
        "customer.yaml: sections: expected a list, got a mapping",
        setter("customer.yaml", "sections", value={"a": 1}),
    ),
    Case(
        "empty-file",
        "recommendations.yaml: file is empty",
        edit_text=lambda folder: (folder / "recommendations.yaml").write_text("# none yet\n"),
        source=SERVQUAL_DIR,
    ),
    Case(
        "top-level-list",
        "staff.yaml: expected a mapping of keys to values at the top of the file, got a list",
        edit_text=lambda folder: (folder / "staff.yaml").write_text("- title: Staff\n"),
        source=SERVQUAL_DIR,
    ),
    # Folders kept as they are under fixtures/invalid/.
    Case(
        "yaml-syntax",
        "customer.yaml: line 27, column 15: YAML syntax error: expected ',' or '}', but got ':' "
        "(while parsing a flow mapping at line 26)",
        source=INVALID_DIR / "yaml-syntax",
    ),
    Case(
        "duplicate-key",
        "staff.yaml: line 5: duplicate key 'title' (first at line 1)",
        source=INVALID_DIR / "duplicate-key",
    ),
    Case(
        "missing-instrument-file",
        "instrument.yaml: file is missing",
        source=INVALID_DIR / "missing-instrument-file",
    ),
    Case(
        "no-questionnaire",
        "neither staff.yaml nor customer.yaml exists; an instrument needs at least one "
        "questionnaire",
        source=INVALID_DIR / "no-questionnaire",
    ),
    Case(
        "unquoted-version",
        "instrument.yaml: version: expected a text, got 0.3 (put it in quotes)",
        source=INVALID_DIR / "unquoted-version",
    ),
    Case(
        "misnamed-file",
        "staf.yaml: unexpected file (did you mean 'staff.yaml'?); an instrument folder holds "
        "instrument.yaml, staff.yaml, customer.yaml, recommendations.yaml, story.yaml",
        source=INVALID_DIR / "misnamed-file",
    ),
]


def _prepare(case: Case, tmp_path: Path) -> Path:
    if case.mutate is None and case.edit_text is None:
        return case.source
    folder = tmp_path / case.source.name
    shutil.copytree(case.source, folder)
    if case.mutate is not None:
        files = read_files(folder)
        case.mutate(files)
        write_files(folder, files)
    if case.edit_text is not None:
        case.edit_text(folder)
    return folder


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_problem_is_reported_with_its_location(case: Case, tmp_path: Path) -> None:
    folder = _prepare(case, tmp_path)
    with pytest.raises(InstrumentError) as error:
        load_instrument(folder)
    printed = [str(p) for p in error.value.problems]
    assert case.expected in printed

    result = CliRunner().invoke(instrument_cli, ["check", str(folder)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert case.expected in lines
    assert lines == printed  # one line per problem, nothing else on stdout
    assert f"FAILED: {folder}: {len(printed)} problem" in result.stderr


def test_there_are_enough_malformed_cases() -> None:
    assert len(CASES) >= 15
    assert len({c.id for c in CASES}) == len(CASES)


def test_every_problem_is_collected_across_all_files() -> None:
    _, problems = validate_instrument(INVALID_DIR / "many-problems")
    assert [str(p) for p in problems] == [
        "instrument.yaml: dimensions[2].weight: weight must be greater than 0, got -1",
        "staff.yaml: sections[1].items[1].scale: unknown scale 'agree5' (did you mean 'agree7'?)",
        "customer.yaml: estimated_minutes: expected a whole number, got 'two'",
        "recommendations.yaml: ends_empaty: unknown dimension 'ends_empaty' (did you mean "
        "'ends_empathy'?)",
    ]


def test_an_unreadable_file_does_not_cause_false_alarms() -> None:
    # The customer file has a syntax error: its pair partners and items are unknown,
    # so nothing is reported about pairs or dimensions the file may have covered.
    _, problems = validate_instrument(INVALID_DIR / "yaml-syntax")
    assert len(problems) == 1


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


JUNK = [None, 7, -1.5, True, "", "x", [], {}, [{"id": 1}], {"en": 3}]


def test_no_junk_anywhere_causes_a_traceback() -> None:
    """Replace every value of every file with every kind of junk: problems, never crashes."""
    original = read_files(SERVQUAL_DIR)
    runs = 0
    for file, data in original.items():
        for path, junk in itertools.product(_paths(data), JUNK):
            files = copy.deepcopy(original)
            parent = node(files, file, *path[:-1])
            parent[path[-1]] = junk
            instrument, problems = validate_files(files)  # must not raise
            assert instrument is not None or problems
            assert all(p.message for p in problems)
            assert not any("internal error" in p.message for p in problems), (file, path, junk)
            runs += 1
    # A whole file of junk, or missing.
    for file, junk in itertools.product(original, [*JUNK, "missing"]):
        files = copy.deepcopy(original)
        if junk == "missing":
            del files[file]
        else:
            files[file] = junk
        instrument, problems = validate_files(files)
        assert not any("internal error" in p.message for p in problems), (file, junk)
        runs += 1
    assert runs > 500
