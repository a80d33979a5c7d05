"""Fixtures for the report tests: answering whole questionnaires, the 7-point
instrument, PDF text, and one rendered demo report shared by the whole run."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pypdf import PdfReader

FIXTURES = Path(__file__).parent / "fixtures"


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, white space collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))


SECTIONS = [
    "Executive summary",
    "The means × ends map",
    "Dimension by dimension",
    "Paired statements",
    "Segments",
    "Outcomes",
    "Recommendations",
    "In their own words",
    "Trend",
    "Methodology",
]


def section_pages(pages: list[str]) -> dict[str, int]:
    """Section title -> the 1-based page where the running header first names it."""
    found: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        for title in SECTIONS:
            if title not in found and re.search(
                rf"gap report {re.escape(title)} Prepared by", page
            ):
                found[title] = number
    return found


@pytest.fixture
def seven_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the 7-point test instrument available (it is the only one then)."""
    folder = tmp_path / "questionnaires"
    shutil.copytree(FIXTURES / "seven-point", folder / "seven-point")
    monkeypatch.setenv("ASSESS_QUESTIONNAIRES_DIR", str(folder))
    return "seven-point"


@pytest.fixture
def answer_all(make_response: Callable[..., Any]) -> Callable[..., Any]:
    """Store a submitted response answering every rated item of ``audience``.

    ``value(item, scale)`` chooses each answer (default: the scale's top point);
    ``segments`` and ``comments`` are passed through.
    """

    def factory(
        engagement: Any,
        audience: str,
        value: Callable[[Any, Any], int | None] | None = None,
        segments: dict[str, str] | None = None,
        comments: dict[str, str] | None = None,
    ) -> Any:
        instrument = engagement.instrument()
        answers: dict[str, int | None] = {}
        for item in instrument.items_for(audience):  # type: ignore[arg-type]
            scale = instrument.scale(item.scale)
            answers[item.id] = value(item, scale) if value else scale.max
        return make_response(engagement, audience, answers, segments=segments,
                             comments=comments)

    return factory


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The demo loaded into its own SQLite database, reported once per run (its tests
    run on one pytest-xdist worker: see ``SHARED_FIXTURE_GROUPS`` in tests/conftest.py).

    Runs ``assess results`` and ``assess report`` (the real commands) for the
    2026 engagement and keeps the JSON, the PDF and its text; records every URL
    the report's fetcher was asked for.
    """
    from assess import create_app
    from assess.demo.generate import load_demo
    from assess.extensions import db
    from assess.reports import pdf as pdf_module
    from assess.results.service import engagement_results

    folder = tmp_path_factory.mktemp("demo-report")
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}",
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(folder / "instance"),
        "BASE_URL": "http://testserver",
        "REPORT_CACHE": False,
    })
    fetchers: list[Any] = []

    class RecordingFetcher(pdf_module.ReportFetcher):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            fetchers.append(self)

    output = folder / "demo.pdf"
    with app.app_context():
        db.create_all()
        engagement = load_demo()
        db.session.commit()
        assert engagement is not None
        engagement_id = str(engagement.id)
        runner = app.test_cli_runner()
        results = runner.invoke(args=["results", engagement_id])
        assert results.exit_code == 0, results.output
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pdf_module, "ReportFetcher", RecordingFetcher)
            written = runner.invoke(args=["report", engagement_id, "-o", str(output)])
        assert written.exit_code == 0, written.output
        instrument = engagement.instrument()
        typed = engagement_results(engagement)  # what `assess results` printed, typed
        db.session.remove()
    assert db.engine is not None
    db.engine.dispose()
    pdf = output.read_bytes()
    yield SimpleNamespace(
        pdf=pdf,
        path=output,
        pages=pdf_pages(pdf),
        results=json.loads(results.output),
        instrument=instrument,
        typed=typed,
        fetchers=fetchers,
        engagement_id=engagement_id,
    )
