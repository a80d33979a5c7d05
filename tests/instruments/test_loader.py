"""Loading, discovery, snapshots and the file format's conveniences."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assess.instruments import loader
from assess.instruments.checks import Problem
from assess.instruments.loader import (
    InstrumentError,
    InstrumentNotFound,
    default_questionnaires_dir,
    discover_instruments,
    load_instrument,
    load_instrument_by_id,
    validate_instrument,
)
from assess.instruments.schema import Audience, Instrument, Lens

from .conftest import DEFAULT_DIR, INVALID_DIR, REPO, SERVQUAL_DIR, write_files
from .roundtrip import check_instrument, instrument_to_files


def test_servqual_lite_is_parsed_into_the_schema() -> None:
    inst = load_instrument(SERVQUAL_DIR)
    assert inst.id == "servqual-lite" and inst.version == "0.3.1"
    assert inst.languages == ["en", "de"]
    # Plain strings become the default language; mappings stay as written.
    assert inst.title == {"en": "Service quality (lite)", "de": "Servicequalität (kurz)"}
    assert inst.dimension("means_training").title == {"en": "Trained staff"}
    assert inst.text(inst.dimension("ends_empathy").title, "de") == "Einfühlung"
    assert inst.text(inst.dimension("means_training").title, "de") == "Trained staff"
    scale = inst.scale("agree7")
    assert (scale.min, scale.max, scale.allow_na) == (1, 7, False)
    assert set(scale.labels) == {1, 7}
    assert [d.weight for d in inst.dimensions] == [2.0, 1.0, 1.5]
    assert inst.scoring.maturity_cuts == [30, 70] and len(inst.maturity) == 3
    assert inst.scoring.blind_spot_gap == 10  # a default
    assert inst.pairs() == {}

    # Items are flattened in questionnaire order, with audience and section.
    assert [i.id for i in inst.items][:2] == ["s_rel_promise", "s_rel_first_time"]
    first_customer = inst.item("c_emp_individual")
    assert first_customer.audience == Audience.CUSTOMER
    assert first_customer.section == "treatment"
    assert first_customer.scale == "agree7"  # the file's default_scale
    staff_q = inst.questionnaires[Audience.STAFF]
    assert [s.items for s in staff_q.sections] == [
        ["s_rel_promise", "s_rel_first_time", "s_train_know", "s_train_time"],
        ["s_emp_individual", "s_emp_rushed"],
    ]
    assert staff_q.sections[1].intro == {"en": "About how we treat customers."}
    assert staff_q.sections[0].intro == {}
    assert inst.item("s_emp_rushed").reverse
    # Customers answer one lens only; staff answer both.
    assert {inst.dimension(i.dimension).lens for i in inst.items_for(Audience.CUSTOMER)} == {
        Lens.ENDS
    }
    assert {inst.dimension(i.dimension).lens for i in inst.items_for(Audience.STAFF)} == set(Lens)
    assert [s.id for s in inst.questionnaires[Audience.CUSTOMER].segments] == ["frequency"]
    assert inst.questionnaires[Audience.CUSTOMER].open_questions[0].max_length == 500
    assert inst.recommendations["ends_empathy"].blind_spot == []


def test_a_single_audience_instrument_is_allowed(
    copy_instrument: Callable[..., Path],
) -> None:
    def staff_only(files: dict[str, Any]) -> None:
        files["customer.yaml"] = None

    inst = load_instrument(copy_instrument(SERVQUAL_DIR, staff_only))
    assert inst.audiences() == [Audience.STAFF]
    assert inst.items_for(Audience.CUSTOMER) == []


def test_customer_only_instrument_with_default_files(
    copy_instrument: Callable[..., Path],
) -> None:
    def customer_only(files: dict[str, Any]) -> None:
        files["staff.yaml"] = None
        files["recommendations.yaml"] = None
        dims = files["instrument.yaml"]["dimensions"]
        files["instrument.yaml"]["dimensions"] = [dims[0], dims[2]]  # drop means_training
        files["customer.yaml"]["sections"][0]["items"][1]["dimension"] = "means_reliability"
        del files["instrument.yaml"]["scoring"]
        files["instrument.yaml"]["maturity"] = [
            {"level": n, "label": f"L{n}", "description": "..."} for n in range(1, 6)
        ]

    inst = load_instrument(copy_instrument(SERVQUAL_DIR, customer_only))
    assert inst.audiences() == [Audience.CUSTOMER]
    assert inst.scoring.maturity_cuts == [20, 40, 60, 80]
    assert inst.recommendations == {}


def test_snapshot_round_trip_and_stable_hash() -> None:
    for folder in (DEFAULT_DIR, SERVQUAL_DIR):
        inst = load_instrument(folder)
        snapshot = inst.snapshot()
        again = Instrument.from_snapshot(snapshot)
        assert again == inst
        assert again.content_hash() == inst.content_hash()
        assert again.snapshot() == snapshot
        # Loading the files again gives the same hash: nothing depends on load order.
        loader._cache.clear()
        assert load_instrument(folder).content_hash() == inst.content_hash()


def test_content_hash_changes_with_content(copy_instrument: Callable[..., Path]) -> None:
    def reword(files: dict[str, Any]) -> None:
        files["staff.yaml"]["sections"][0]["items"][0]["text"] = "We deliver what we say."

    original = load_instrument(SERVQUAL_DIR)
    changed = load_instrument(copy_instrument(SERVQUAL_DIR, reword))
    assert changed.content_hash() != original.content_hash()


def test_files_round_trip_through_the_checks(tmp_path: Path) -> None:
    for folder in (DEFAULT_DIR, SERVQUAL_DIR):
        inst = load_instrument(folder)
        assert check_instrument(inst) == []
        target = tmp_path / folder.name
        target.mkdir()
        write_files(target, instrument_to_files(inst))
        assert load_instrument(target) == inst


def test_check_instrument_finds_problems_in_a_hand_built_instrument() -> None:
    inst = load_instrument(SERVQUAL_DIR)
    data = inst.snapshot()
    data["items"][0]["scale"] = "agree5"
    data["items"][1]["section"] = "nowhere"
    broken = Instrument.from_snapshot(data)
    problems = [str(p) for p in check_instrument(broken)]
    assert (
        "staff.yaml: sections[0].items[0].scale: unknown scale 'agree5' (did you mean "
        "'agree7'?)" in problems
    )
    assert (
        "items[1].section: item 's_rel_first_time' is not listed in section 'nowhere' of the "
        "staff questionnaire" in problems
    )


def test_edits_are_seen_despite_the_cache(copy_instrument: Callable[..., Path]) -> None:
    folder = copy_instrument(SERVQUAL_DIR)
    assert load_instrument(folder).version == "0.3.1"
    path = folder / "instrument.yaml"
    path.write_text(path.read_text().replace("0.3.1", "0.3.2"))
    assert load_instrument(folder).version == "0.3.2"
    path.write_text(path.read_text().replace("0.3.2", "0.3"))
    with pytest.raises(InstrumentError):
        load_instrument(folder)


def test_a_path_to_a_file_in_the_folder_is_accepted() -> None:
    assert load_instrument(SERVQUAL_DIR / "staff.yaml").id == "servqual-lite"


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError) as error:
        load_instrument(tmp_path / "nope")
    assert error.value.problems == [Problem("", "", f"no instrument folder at {tmp_path / 'nope'}")]


def test_folder_name_must_match_the_id(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(SERVQUAL_DIR, tmp_path / "renamed")
    instrument, problems = validate_instrument(tmp_path / "renamed")
    assert instrument is None
    assert [str(p) for p in problems] == [
        "instrument.yaml: id: id 'servqual-lite' does not match the folder name 'renamed'; "
        "rename one of them"
    ]
    assert load_instrument(tmp_path / "renamed", check_folder_name=False).id == "servqual-lite"


def test_error_message_lists_every_problem() -> None:
    with pytest.raises(InstrumentError) as error:
        load_instrument(INVALID_DIR / "many-problems")
    text = str(error.value)
    assert text.startswith("4 problems in instrument 'many-problems':\n")
    assert len(error.value.problems) == 4
    assert all(str(p) in text for p in error.value.problems)


def test_discover_instruments_marks_invalid_ones(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(SERVQUAL_DIR, tmp_path / "servqual-lite")
    shutil.copytree(INVALID_DIR / "unquoted-version", tmp_path / "unquoted-version")
    shutil.copytree(INVALID_DIR / "yaml-syntax", tmp_path / "yaml-syntax")
    (tmp_path / "not-an-instrument").mkdir()
    (tmp_path / "notes.txt").write_text("ignored")
    infos = discover_instruments(tmp_path)
    assert [(i.id, i.version, i.valid) for i in infos] == [
        ("servqual-lite", "0.3.1", True),
        ("unquoted-version", "", False),
        ("yaml-syntax", "0.3.1", False),
    ]
    assert infos[0].title == "Service quality (lite)"
    assert infos[0].problems == ()
    assert infos[2].title == "Service quality (lite)"
    assert infos[2].problems and "YAML syntax error" in str(infos[2].problems[0])
    assert discover_instruments(tmp_path / "missing") == []


def test_shipped_instruments_are_all_valid() -> None:
    infos = discover_instruments()
    assert infos and all(i.valid for i in infos), [i.problems for i in infos]
    assert "customer-centricity" in [i.id for i in infos]


def test_default_questionnaires_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ASSESS_QUESTIONNAIRES_DIR", raising=False)
    assert default_questionnaires_dir() == REPO / "questionnaires"
    monkeypatch.setenv("ASSESS_QUESTIONNAIRES_DIR", str(tmp_path))
    assert default_questionnaires_dir() == tmp_path
    assert discover_instruments() == []


def test_load_by_id(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(SERVQUAL_DIR, tmp_path / "servqual-lite")
    assert load_instrument_by_id("servqual-lite", tmp_path).id == "servqual-lite"
    for bad in ("nope", "../servqual-lite", "", "Servqual-Lite"):
        with pytest.raises(InstrumentNotFound) as error:
            load_instrument_by_id(bad, tmp_path)
        assert str(error.value) == f"unknown instrument '{bad}' (available: servqual-lite)"
        assert isinstance(error.value, LookupError)


def test_yes_and_no_stay_text(copy_instrument: Callable[..., Path]) -> None:
    folder = copy_instrument(SERVQUAL_DIR)
    path = folder / "staff.yaml"
    text = path.read_text()
    text = text.replace("{id: front, label: Front office}", "{id: yes, label: on}")
    text = text.replace("{id: back, label: Back office}", "{id: no, label: off}")
    path.write_text(text)
    segment = load_instrument(folder).questionnaires[Audience.STAFF].segments[0]
    assert [(o.id, o.label) for o in segment.options] == [
        ("yes", {"en": "on"}),
        ("no", {"en": "off"}),
    ]
