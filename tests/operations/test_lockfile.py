"""requirements.lock (``make lock``) in step with pyproject.toml: every runtime
dependency, and each of theirs, pinned to one version that the range in
pyproject.toml allows, with hashes; nothing pinned that nothing needs."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _locked() -> dict[str, tuple[Version, int]]:
    """Name → (version, number of hashes) of every pin in the lock file."""
    pins: dict[str, tuple[Version, int]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = (Version(match[2]), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def _needed(requirements: list[Requirement]) -> set[str]:
    """The runtime dependencies and theirs (from the installed distributions'
    metadata), as pip would install them on this Python."""
    needed: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    # Each requirement with the extras its parent was asked for (its marker's "extra").
    queue = [(requirement, frozenset[str]()) for requirement in requirements]
    while queue:
        requirement, parent_extras = queue.pop()
        if requirement.marker and not any(
            requirement.marker.evaluate({**default_environment(), "extra": extra})
            for extra in (parent_extras or {""})
        ):
            continue
        name = canonicalize_name(requirement.name)
        needed.add(name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.requires(requirement.name) or []:
            queue.append((Requirement(text), frozenset(requirement.extras)))
    return needed


def test_every_runtime_dependency_is_pinned_within_its_range_with_hashes():
    locked = _locked()
    for requirement in _runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock: run `make lock`"
        version, hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside {requirement}: run `make lock`")
    assert all(hashes for _version, hashes in locked.values()), "a pin without hashes"


def test_the_lock_holds_exactly_what_the_dependencies_need():
    locked = set(_locked())
    needed = _needed(_runtime_requirements())
    assert needed - locked == set(), "needed but not locked: run `make lock`"
    assert locked - needed == set(), "locked but needed by nothing: run `make lock`"
