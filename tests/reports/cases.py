"""Report cases: small engagements built to show one situation each (staff only,
a uniform gap, one concentrated gap, 12 customers …), rendered once per test run.

Every case is an engagement of its own organisation in one SQLite database;
:class:`ReportCases` builds a case the first time a test asks for it, renders
its PDF (and keeps its results and page texts), and hands the same rendering to
every later test of that case. Answers are given as a *favourable level* 1..5
per item (5: the most favourable answer); :func:`answer` turns a level into the
raw answer, reversing it for a reverse-worded item (scoring rule 2), so a case
says what respondents think, not which box they ticked.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tests.reports.conftest import pdf_pages

#: A respondent's favourable level (1..5) for an item: ``level(item, index)``.
Level = Callable[[Any, int], float]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report-cases"

#: The shared dimensions of the customer-centricity instrument whose customer
#: score rests on one statement.
SINGLE_CUSTOMER_STATEMENT = ("ends_purpose", "ends_speed", "ends_humanity",
                             "means_experience", "means_partners")


def spread(base: float) -> Level:
    """Answers around ``base`` that differ by item and respondent (so every
    score has a spread and an interval), within 1..5."""

    def level(item: Any, index: int) -> float:
        return base + ((index + len(item.id)) % 3 - 1) * 0.75

    return level


def per_dimension(default: Level, **dimensions: Level) -> Level:
    """``default`` everywhere, except the dimensions named (by id)."""

    def level(item: Any, index: int) -> float:
        chosen = dimensions.get(item.dimension or "", default)
        return chosen(item, index)

    return level


def answer(item: Any, scale: Any, level: float) -> int:
    """The raw answer on the item's scale for a favourable ``level`` (1..5)."""
    level = max(1.0, min(5.0, level))
    value = scale.min + round((level - 1) / 4 * (scale.max - scale.min))
    return scale.min + scale.max - value if item.reverse else value


@dataclass
class Audience:
    """Who answers, how many, and what they say."""

    count: int
    level: Level
    #: Segment answers of respondent ``index``.
    segments: Callable[[int], dict[str, str]] = field(default=lambda index: {})
    #: Comments of respondent ``index`` by open question id.
    comments: Callable[[int], dict[str, str]] = field(default=lambda index: {})
    #: The hostage statement's level (1..5, agreement) of respondent ``index``.
    hostage: Callable[[int], float] | None = None
    #: The stay-by-choice statement's level (agreement) of respondent ``index``.
    by_choice: Callable[[int], float] | None = None


@dataclass
class Wave:
    """One engagement of a case's organisation."""

    staff: Audience | None = None
    customers: Audience | None = None
    status: str = "open"
    name: str = "Assessment 2026"
    #: The day the last response came in.
    last_day: date = date(2026, 10, 9)


@dataclass
class Case:
    organisation: str
    waves: list[Wave]
    prepared_by: str = "Case Consulting"
    anonymity_threshold: int = 5
    page_sizes: tuple[str, ...] = ("a4",)


def outcome_level(item: Any, audience: Audience, index: int) -> float | None:
    outcome = str(item.outcome or "")
    if outcome == "stay_hostage" and audience.hostage is not None:
        return audience.hostage(index)
    if outcome == "stay_by_choice" and audience.by_choice is not None:
        return audience.by_choice(index)
    return None


def build_wave(engagement: Any, wave: Wave) -> None:
    from assess.respondents.codes import CodeLayout
    from assess.respondents.recording import NewResponse, record_submitted

    instrument = engagement.instrument()
    for key, audience in (("staff", wave.staff), ("customer", wave.customers)):
        if audience is None:
            continue
        layout = CodeLayout.for_instrument(instrument, key)
        new = []
        for index in range(audience.count):
            answers = {}
            for item in instrument.items_for(key):
                scale = instrument.scale(item.scale)
                level = outcome_level(item, audience, index)
                answers[item.id] = answer(
                    item, scale, audience.level(item, index) if level is None else level
                )
            new.append(NewResponse(
                answers=answers, segments=audience.segments(index),
                comments=audience.comments(index),
                day=wave.last_day - timedelta(days=index % 5),
            ))
        record_submitted(engagement.id, layout, new)


class ReportCases:
    """Builds and renders each case once, on first use (see the module's docstring)."""

    def __init__(self, folder: Path, cases: dict[str, Case]) -> None:
        from assess import create_app
        from assess.extensions import db

        self.cases = cases
        self.rendered: dict[str, SimpleNamespace] = {}
        self.app = create_app({
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'cases.sqlite'}",
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(folder / "instance"),
            "BASE_URL": "http://testserver",
            "REPORT_CACHE": False,
        })
        with self.app.app_context():
            db.create_all()

    def __call__(self, name: str) -> SimpleNamespace:
        if name not in self.rendered:
            self.rendered[name] = self._render(name, self.cases[name])
        return self.rendered[name]

    def _render(self, name: str, case: Case) -> SimpleNamespace:
        from assess.engagements.models import Status
        from assess.engagements.services import (
            create_engagement,
            previous_engagement,
            set_status,
        )
        from assess.extensions import db
        from assess.reports import pdf as pdf_module
        from assess.reports.service import build_report_pdf, engagement_report
        from assess.results.service import engagement_results
        from assess.workspaces.services import create_workspace

        with self.app.app_context(), self.app.test_request_context():
            workspace = create_workspace(f"Workspace of {name}")
            engagement = None
            for wave in case.waves:
                engagement = create_engagement(
                    workspace=workspace, organisation=case.organisation, name=wave.name,
                    anonymity_threshold=case.anonymity_threshold,
                    prepared_by=case.prepared_by,
                )
                set_status(engagement, Status.OPEN)
                db.session.flush()
                build_wave(engagement, wave)
                if wave.status != "open":
                    set_status(engagement, Status(wave.status))
                # fieldwork in the wave's own year (the trend's column is its year)
                engagement.opened_on = wave.last_day - timedelta(days=30)
                if wave.status == "closed":
                    engagement.closed_on = wave.last_day
                db.session.commit()
            assert engagement is not None
            earlier = previous_engagement(engagement)
            results = engagement_results(engagement)
            report = engagement_report(engagement, earlier)
            fonts: set[str] = set()
            pdfs, pages = {}, {}
            for size in case.page_sizes:
                pdf = build_report_pdf(engagement, size, earlier)
                pdfs[size], pages[size] = pdf, pdf_pages(pdf)
                fonts |= pdf_fonts(pdf)
                save_artifacts(f"{name}-{size}", pdf)
            # the HTML of the screen page, as the results view shows it
            html = pdf_module.render_report_html(report, page_size="a4")
            db.session.remove()
        return SimpleNamespace(
            name=name, pdf=pdfs, pages=pages, text={s: " ".join(p) for s, p in pages.items()},
            results=results.to_dict(), typed=results, report=report, fonts=fonts, html=html,
        )


def pdf_fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts a PDF embeds (subset prefixes removed)."""
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            base = str(font.get_object().get("/BaseFont", ""))
            names.add(base.split("+", 1)[-1].lstrip("/"))
    return names


def save_artifacts(stem: str, pdf: bytes) -> None:
    """With ``ASSESS_TEST_ARTIFACTS=1``, the pages as PNG for a person to look at."""
    import os

    if os.environ.get("ASSESS_TEST_ARTIFACTS", "").lower() not in ("1", "true", "yes"):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{stem}.pdf"
    path.write_bytes(pdf)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(ARTIFACTS / stem)],
                   check=True)


def page_fill(pdf: bytes) -> Iterator[tuple[int, float]]:
    """(page number, share of the page's text area used) for each page, measured on
    the rendered page: the lowest inked row between the running header and footer."""
    import tempfile

    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(Path(folder) / "p")],
                       check=True)
        for number, png in enumerate(sorted(Path(folder).glob("p-*.png")), start=1):
            image = Image.open(png).convert("L")
            width, height = image.size
            top, bottom = int(height * 0.095), int(height * 0.92)
            pixels = image.load()
            last = top
            for y in range(top, bottom):
                if any(pixels[x, y] < 200 for x in range(int(width * .08), int(width * .92), 2)):
                    last = y
            yield number, (last - top) / (bottom - top)


# -- the cases --------------------------------------------------------------------------------

STAFF_FUNCTIONS = ["sales"] * 12 + ["service"] * 6 + ["marketing"] * 2
CUSTOMER_LENGTHS = ["under_1y", "1_3y", "3_10y", "over_10y"]


def staff_segments(index: int) -> dict[str, str]:
    """20 staff: 12 in sales, 6 in service, 2 in marketing (too few to show, so
    service is hidden to protect them)."""
    return {"staff_function": STAFF_FUNCTIONS[index % 20],
            "staff_level": ["individual", "manager", "leadership"][index % 3]}


def customer_segments(index: int) -> dict[str, str]:
    return {"customer_length": CUSTOMER_LENGTHS[index % 4]}


def hostage_level(share_agreeing: float) -> Callable[[int], float]:
    """The hostage (or by-choice) statement: the first ``share`` of every ten agree."""
    return lambda index: 4.0 if (index % 10) < share_agreeing * 10 else 2.0


def uniform_gap(customers: int = 40, status: str = "open") -> Wave:
    return Wave(
        staff=Audience(20, spread(4.3), staff_segments),
        customers=Audience(customers, spread(2.3), customer_segments,
                           hostage=hostage_level(0.4), by_choice=hostage_level(0.2)),
        status=status,
    )


CASES: dict[str, Case] = {
    "staff_only": Case("Staff Only Ltd", [Wave(staff=Audience(10, spread(4.0), staff_segments))]),
    "customers_below_threshold": Case("Few Customers Ltd", [Wave(
        staff=Audience(10, spread(4.0), staff_segments),
        customers=Audience(3, spread(2.5), customer_segments))]),
    "twelve_customers": Case("Twelve Customers Ltd", [uniform_gap(customers=12)]),
    "uniform_gap": Case("Uniform Gap Ltd", [uniform_gap()], page_sizes=("a4", "letter")),
    "concentrated_gap": Case("Concentrated Gap Ltd", [Wave(
        staff=Audience(20, spread(4.0), staff_segments),
        customers=Audience(40, per_dimension(spread(3.9), ends_honesty=spread(1.5)),
                           customer_segments, hostage=hostage_level(0.1),
                           by_choice=hostage_level(0.7)),
        status="closed")]),
    "hidden_strength": Case("Hidden Strength Ltd", [Wave(
        staff=Audience(20, per_dimension(spread(3.3), ends_humanity=spread(2.2)),
                       staff_segments),
        customers=Audience(40, per_dimension(spread(3.2), ends_humanity=spread(4.7)),
                           customer_segments))]),
    "previous_wave": Case("Second Wave Ltd", [
        Wave(staff=Audience(20, spread(3.6), staff_segments),
             customers=Audience(40, spread(2.6), customer_segments,
                                hostage=hostage_level(0.2), by_choice=hostage_level(0.3)),
             status="closed", name="Assessment 2025", last_day=date(2025, 10, 20)),
        Wave(staff=Audience(20, spread(3.9), staff_segments),
             customers=Audience(40, spread(2.4), customer_segments,
                                hostage=hostage_level(0.5), by_choice=hostage_level(0.2)),
             status="open", name="Assessment 2026"),
    ]),
    "scripts": Case("株式会社みらい電機", [Wave(
        staff=Audience(10, spread(4.0), staff_segments, comments=lambda i: {
            "s_open_change": ["お客様の声をもっと聞くべきです。",
                              "解約の手続きを簡単にしてほしい。",
                              "أتمنى أن نستمع إلى العملاء أكثر."][i % 3]}),
        customers=Audience(12, spread(2.8), customer_segments, comments=lambda i: {
            "c_open_change": ["対応が遅くて困っています。", "料金の説明がわかりにくい。",
                              "الأسعار غير واضحة ويصعب الإلغاء."][i % 3]}),
    )], prepared_by="شركة الاستشارات الدولية"),
}
