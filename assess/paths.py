"""Where the project's data folders are, in a checkout and in an installed wheel.

In a checkout ``templates/``, ``questionnaires/``, ``migrations/`` and ``static/``
sit at the repository's top level; the wheel carries them inside the package as
``assess/_data/<name>`` (see ``pyproject.toml``).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def data_dir(name: str) -> Path:
    packaged = PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return REPO_DIR / name


def questionnaires_dir() -> Path:
    override = os.environ.get("ASSESS_QUESTIONNAIRES_DIR")
    return Path(override) if override else data_dir("questionnaires")


def templates_dir() -> Path:
    return data_dir("templates")


def static_dir() -> Path:
    return data_dir("static")


def migrations_dir() -> Path:
    return data_dir("migrations")
