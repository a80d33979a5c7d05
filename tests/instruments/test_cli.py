"""``assess instrument check|list|show``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assess.instruments.cli import SHOW_FORMAT_VERSION, instrument_cli
from assess.instruments.loader import load_instrument

from .conftest import DEFAULT_DIR, INVALID_DIR, SERVQUAL_DIR


def run(*args: str) -> Result:
    result = CliRunner().invoke(instrument_cli, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A questionnaires folder with one valid and one broken instrument."""
    shutil.copytree(SERVQUAL_DIR, tmp_path / "servqual-lite")
    shutil.copytree(INVALID_DIR / "many-problems", tmp_path / "many-problems")
    return tmp_path


def test_check_ok() -> None:
    result = run("check", str(DEFAULT_DIR))
    assert result.exit_code == 0
    assert result.output == (
        "OK: customer-centricity 1.0.0: 60 staff items, 25 customer items, 19 pairs\n"
    )
    result = run("check", str(SERVQUAL_DIR))
    assert result.output == "OK: servqual-lite 0.3.1: 6 staff items, 3 customer items, 0 pairs\n"


def test_check_by_id_and_all() -> None:
    assert run("check", "customer-centricity").exit_code == 0
    result = run("check")  # every shipped instrument
    assert result.exit_code == 0
    assert "OK: customer-centricity 1.0.0" in result.output


def test_check_several_with_one_broken(root: Path) -> None:
    result = run("check", "--root", str(root))
    assert result.exit_code == 1
    assert "OK: servqual-lite 0.3.1" in result.stdout
    assert "instrument.yaml: dimensions[2].weight: weight must be greater than 0, got -1" in (
        result.stdout.splitlines()
    )
    assert f"FAILED: {root / 'many-problems'}: 4 problems" in result.stderr


def test_check_unknown_path() -> None:
    result = run("check", "no/such/folder")
    assert result.exit_code == 1
    assert result.stdout == "no instrument folder or id 'no/such/folder'\n"


def test_list(root: Path) -> None:
    result = run("list", "--root", str(root))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("many-problems")
    assert "INVALID (4 problems" in lines[0]
    assert lines[1].split()[:2] == ["servqual-lite", "0.3.1"]
    assert lines[1].endswith("Service quality (lite)")
    assert run("list", "--root", str(root / "empty")).output.startswith("No instruments")


def test_list_shipped() -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "customer-centricity  1.0.0" in result.output
    assert "INVALID" not in result.output


def test_show_json_shape() -> None:
    result = run("show", "customer-centricity", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    inst = load_instrument(DEFAULT_DIR)
    assert set(data) == {
        "format", "id", "version", "title", "description", "languages", "language",
        "content_hash", "counts", "scales", "dimensions", "scoring", "maturity",
        "questionnaires", "items", "pairs", "recommendations",
    }  # fmt: skip
    assert data["format"] == SHOW_FORMAT_VERSION
    assert (data["id"], data["version"], data["language"]) == ("customer-centricity", "1.0.0", "en")
    assert data["content_hash"] == inst.content_hash()
    assert data["counts"] == {
        "dimensions": {"means": 8, "ends": 8},
        "items": {"staff": 60, "customer": 25},
        "pairs": 19,
        "reverse": {"staff": 15, "customer": 4},
        "outcomes": 6,
    }
    assert data["scales"][0] == {
        "id": "agree5",
        "min": 1,
        "max": 5,
        "allow_na": True,
        "labels": {
            "1": "Strongly disagree",
            "2": "Disagree",
            "3": "Neither agree nor disagree",
            "4": "Agree",
            "5": "Strongly agree",
        },
    }
    dim = data["dimensions"][2]
    assert set(dim) == {"id", "lens", "weight", "title", "description", "items"}
    assert (dim["id"], dim["lens"], dim["weight"]) == ("means_insight", "means", 1.0)
    assert dim["items"]["customer"] == ["c_insight_view", "c_insight_needs"]
    assert data["maturity"][0]["from"] == 0 and data["maturity"][0]["to"] == 20
    assert data["maturity"][4]["from"] == 80 and data["maturity"][4]["to"] == 100
    assert data["scoring"]["maturity_cuts"] == [20, 40, 60, 80]

    items = {i["id"]: i for i in data["items"]}
    assert len(items) == 85
    assert items["s_honest_exit"] == {
        "id": "s_honest_exit",
        "audience": "staff",
        "section": "honesty_and_trust",
        "dimension": "ends_honesty",
        "lens": "ends",
        "outcome": None,
        "text": "If a customer wants to leave, we make it deliberately difficult.",
        "scale": "agree5",
        "min": 1,
        "max": 5,
        "reverse": True,
        "pair": "p_easy_exit",
    }
    recommend = items["c_recommend"]
    assert (recommend["outcome"], recommend["dimension"], recommend["lens"]) == (
        "recommend",
        None,
        None,
    )
    assert (recommend["min"], recommend["max"]) == (0, 10)
    assert {"id": "p_easy_exit", "dimension": "ends_honesty", "staff": "s_honest_exit",
            "customer": "c_honest_exit"} in data["pairs"]  # fmt: skip

    staff = data["questionnaires"]["staff"]
    assert set(staff) == {
        "title", "intro", "privacy", "estimated_minutes", "sections", "segments",
        "open_questions",
    }  # fmt: skip
    assert sum(len(s["items"]) for s in staff["sections"]) == 60
    tenure = next(s for s in staff["segments"] if s["id"] == "staff_tenure")
    assert tenure["options"][0] == {"id": "under_1y", "label": "Less than a year"}
    assert staff["open_questions"][0]["max_length"] == 2000
    assert set(data["recommendations"]["ends_trust"]) == {"blind_spot", "low", "strength"}
    assert set(data["recommendations"]["ends_trust"]["low"][0]) == {"title", "text"}


def test_show_json_in_another_language() -> None:
    result = run("show", str(SERVQUAL_DIR), "--format", "json", "--language", "de")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["title"] == "Servicequalität (kurz)"
    assert data["dimensions"][0]["title"] == "Reliable processes"  # falls back to English
    assert list(data["questionnaires"]) == ["staff", "customer"]
    assert data["pairs"] == []
    bad = run("show", str(SERVQUAL_DIR), "--language", "fr")
    assert bad.exit_code == 2 and "'fr' is not one of en, de" in bad.output


def test_show_text() -> None:
    result = run("show", "customer-centricity")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("customer-centricity 1.0.0: Customer-centricity as a means and as an end")
    assert "Dimensions (8 means, 8 ends)" in out
    assert "Staff questionnaire: How we treat our customers (60 rated items" in out
    assert "Customer questionnaire: Your experience as a customer (25 rated items" in out
    assert "p_single_view" in out and "s_insight_view <-> c_insight_view" in out
    assert "staff_function: Which area do you mainly work in?" in out
    assert "Reverse-keyed items: staff 15, customer 4." in out
    assert "5. Second nature (80-100)" in out


def test_show_unknown_and_invalid(root: Path) -> None:
    result = run("show", "nope", "--root", str(root))
    assert result.exit_code == 1
    assert "unknown instrument 'nope' (available: many-problems, servqual-lite)" in result.output
    result = run("show", "many-problems", "--root", str(root))
    assert result.exit_code == 1
    assert "instrument 'many-problems' is not valid" in result.output
    assert "ends_empaty: unknown dimension" in result.output
