"""The scoring core imports only the standard library, scipy and numpy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import assess.scoring

PACKAGE = Path(assess.scoring.__file__).parent
ALLOWED = {
    "__future__",
    "collections",
    "dataclasses",
    "fractions",
    "math",
    "operator",
    "typing",
    "warnings",
    "scipy",
    "numpy",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_modules_import_only_allowed_packages() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert {m.name for m in modules} >= {"__init__.py", "engine.py", "statistics.py", "results.py"}
    for module in modules:
        assert _imports(module) <= ALLOWED, module.name


def test_importing_the_core_loads_no_web_or_orm_library() -> None:
    # Load assess.scoring without running assess/__init__.py (the Flask app factory).
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('assess'); pkg.__path__ = [{str(PACKAGE.parent)!r}]\n"
        "sys.modules['assess'] = pkg\n"
        "import assess.scoring as s\n"
        "from assess.scoring import tally, InstrumentSpec\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'pydantic', 'yaml'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
