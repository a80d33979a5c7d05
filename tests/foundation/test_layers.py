"""Imports point down: no module imports from a layer above its own.

The layers, lowest first: ``config``, ``paths``; ``db``, ``extensions``; the
pure ``scoring`` core; ``instruments``; ``accounts``; ``workspaces``; ``engagements``;
``respondents``; ``results``; ``reports``, ``transfer``, ``demo``. Every
feature's pages and commands (``views``, ``admin_views``, ``forms``, ``cli``
and the feature's ``__init__``, which registers them) form the layer above all
of those: they may call any feature's services, never another feature's pages.
The app factory, the error pages and the console script are the top; the
console script may reach the app factory.
"""

from __future__ import annotations

import ast
from pathlib import Path

import assess

PACKAGE = Path(assess.__file__).parent

#: Layer of each top-level module or feature package (higher may import lower).
LAYERS: dict[str, float] = {
    "config": 0,
    "paths": 0,
    "text": 0,  # user text without bidi controls (pure)
    "lru": 0,  # a least-recently-used map (pure)
    "db": 1,
    "extensions": 1,
    "limits": 1,
    "mailer": 1,
    "headers": 1,  # security headers on every response
    "faults": 1,  # fault injection for the resilience tests (off unless a test sets it)
    "gunicorn_config": 1,  # gunicorn's settings, from config
    "logs": 1,  # log lines without personal data; the access log's redaction
    "health": 1,  # /healthz: database and Redis reachable
    "audit": 1.5,  # the log every layer above writes to
    "jobs": 1.6,  # background jobs: features register their tasks; it imports none
    "scoring": 2,
    "instruments": 3,
    "accounts": 4,
    "workspaces": 4.5,  # the tenant: above people, below organisations
    "engagements": 5,
    "respondents": 6,
    "models": 8.5,  # every table, for Alembic and the tests
    "results": 7,
    "reports": 8,
    "transfer": 8,
    "sharing": 8,
    "organisations": 8,  # an organisation's data as a whole: export, deletion
    "demo": 8,
}
PAGES = 9  # a feature's views, forms, CLI and blueprint registration
TOP = 10  # the app factory, error pages, the console script
PAGE_MODULES = {"views", "admin_views", "forms", "panel", "cli", "__init__"}
#: Pages of another feature that no module may import (forms and panels are
#: building blocks another feature's page may show; views and commands are not).
OWN_PAGES_ONLY = {"views", "admin_views", "cli", "__init__"}
TOP_MODULES = {"assess", "assess.__main__", "assess.cli", "assess.errors", "assess.wsgi"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> float:
    """The layer of ``assess...`` module ``module``."""
    if module in TOP_MODULES:
        return TOP
    parts = module.split(".")
    feature = parts[1]
    if feature not in LAYERS:
        raise AssertionError(f"{module}: no layer is defined for '{feature}'")
    if len(parts) >= 3 and _is_page_name(parts[2]) and feature in _FEATURES:
        return PAGES
    if len(parts) == 2 and feature in _FEATURES and _is_package(feature):
        return PAGES  # the feature's __init__ registers its pages
    return LAYERS[feature]


_FEATURES = {"instruments", "accounts", "workspaces", "engagements", "respondents", "results",
             "reports", "transfer", "demo", "sharing", "audit", "organisations",
             "jobs"}


def _is_page_name(name: str) -> bool:
    """``views``, ``forms``, ``cli``... and any ``*_views`` module (a feature's
    further pages, such as ``signup_views``)."""
    return name in PAGE_MODULES or name.endswith("_views")


def _is_package(feature: str) -> bool:
    return (PACKAGE / feature / "__init__.py").exists()


def _is_page_module(module: str) -> bool:
    """A feature's views, commands or blueprint registration."""
    parts = module.split(".")
    return len(parts) >= 2 and parts[1] in _FEATURES and (
        len(parts) == 2 or parts[2] in OWN_PAGES_ONLY or parts[2].endswith("_views")
    )


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """``(line, imported assess module)`` of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("assess")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("assess"):
                continue
            # ``from assess.x import y`` may name a module y: judge the deepest one.
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                exists = (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py")
                is_pkg = PACKAGE.parent / candidate.replace(".", "/") / "__init__.py"
                found.append(
                    (node.lineno, candidate if exists.exists() or is_pkg.exists() else target)
                )
    return found


def violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_data" in path.parts:
            continue
        module = _module_name(path)
        own = layer_of(module)
        for line, target in imports_of(path, module):
            if target == "assess":
                if module in ("assess.cli", "assess.__main__", "assess.wsgi"):
                    continue  # the console script and the WSGI entry reach the app factory
                problems.append(f"{module}:{line} imports the app factory")
                continue
            theirs = layer_of(target)
            same_feature = target.split(".")[1] == module.split(".")[1] if "." in module else False
            if theirs > own:
                problems.append(f"{module}:{line} imports {target} from a higher layer")
            elif _is_page_module(target) and not same_feature and module not in TOP_MODULES:
                problems.append(f"{module}:{line} imports another feature's pages: {target}")
    return problems


def test_no_module_imports_from_a_higher_layer() -> None:
    assert violations() == []


def test_the_check_finds_an_upward_import(tmp_path: Path) -> None:
    """The rule itself: results reaching up to reports, or a view reaching into
    another feature's views, are caught (on a parsed snippet)."""
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from assess.reports.data import report_data\n"
        "from assess.engagements.views import bp\n"
        "from . import statistics\n",
        encoding="utf-8",
    )
    found = imports_of(snippet, "assess.results.service")
    assert [target for _, target in found] == [
        "assess.reports.data",
        "assess.engagements.views",
        "assess.results.statistics",
    ]
    assert layer_of("assess.reports.data") > layer_of("assess.results.service")
    assert layer_of("assess.engagements.views") == PAGES
    assert _is_page_module("assess.engagements.views")
    assert not _is_page_module("assess.engagements.access")
    assert layer_of("assess.scoring.tally") < layer_of("assess.instruments.spec")
