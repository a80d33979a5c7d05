"""Fixtures for the instrument tests: copies of instrument folders to break."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "questionnaires" / "customer-centricity"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SERVQUAL_DIR = FIXTURES / "valid" / "servqual-lite"
INVALID_DIR = FIXTURES / "invalid"

FILE_NAMES = (
    "instrument.yaml", "staff.yaml", "customer.yaml", "recommendations.yaml", "story.yaml"
)

#: Edits the loaded files of a folder in place; a file set to None is deleted.
Mutation = Callable[[dict[str, Any]], None]


def read_files(folder: Path) -> dict[str, Any]:
    return {
        name: yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        for name in FILE_NAMES
        if (folder / name).is_file()
    }


def write_files(folder: Path, files: dict[str, Any]) -> None:
    for name, data in files.items():
        path = folder / name
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(
                yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
            )


@pytest.fixture
def copy_instrument(tmp_path: Path) -> Callable[..., Path]:
    """``copy_instrument(source=DEFAULT_DIR, mutate=None)``: a private copy of an
    instrument folder (same folder name), optionally edited by ``mutate``."""

    def copy(source: Path = DEFAULT_DIR, mutate: Mutation | None = None) -> Path:
        target = tmp_path / source.name
        shutil.copytree(source, target)
        if mutate is not None:
            files = read_files(target)
            mutate(files)
            write_files(target, files)
        return target

    return copy
