"""Benchmark of the results: a large survey imported, then ``assess results``.

    .venv/bin/python bench/results.py [--customers 100000] [--staff 5000]
                                      [--backend sqlite|postgresql|both] [--runs 3]
                                      [--quick] [--verify] [--check]

For each backend, in a database of its own (a temporary SQLite file; a fresh
PostgreSQL database on ``--pg-url``, dropped at the end), migrated with the
real migrations:

1. writes a CSV file per audience with synthetic answers to the default
   instrument (segments, skipped items, "not applicable", some comments) and
   imports both with the real import code (``import_responses``, one
   transaction each), timed;
2. times ``assess results ENGAGEMENT --format json`` (the command, in this
   process: database, scoring, JSON) and, interleaved with it, one raw SQL
   aggregate over the same answers (``count`` and ``sum`` per item): the floor
   the database sets for any computation that reads every answer once; and,
   for comparison, the same aggregate per response rather than per item (the
   floor of anything per respondent, as dimension scores are);
3. prints the best and median of ``--runs`` runs, wall and CPU time (CPU time is
   steadier on a shared machine), and the ratio of the two best wall times.

Targets (issue "Scoring: exact results ... fast on large surveys"), for 100,000
customers and 5,000 staff on a 2-core machine: results within 3 s, import
within 60 s, ratio at most 2. ``--check`` exits 1 when one is missed;
``--verify`` also checks that the statistics the results use equal the test
oracle's ``summarise()`` (``tests/scoring/oracle.py``) of the same responses,
read one by one from their answers; ``--quick`` is a smoke run
(5,000 customers, 500 staff, one run, verified).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET_RESULTS_S = 3.0
TARGET_IMPORT_S = 60.0
TARGET_RATIO = 2.0
DEFAULT_PG_URL = os.environ.get(
    "ASSESS_BENCH_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/postgres"
)

RAW_AGGREGATE = (
    "SELECT a.item_id, count(*), sum(a.value) FROM answers a "
    "JOIN responses r ON r.id = a.response_id "
    "WHERE r.engagement_id = :engagement AND r.status = 'submitted' "
    "GROUP BY a.item_id"
)
#: For comparison only: the same, one row per response (what any per-respondent
#: statistic, such as a dimension score with the half-of-the-items rule, must do).
RAW_PER_RESPONSE = RAW_AGGREGATE.replace("a.item_id", "a.response_id")


@dataclass
class Figures:
    backend: str
    respondents: int
    answers: int
    import_s: float
    results_s: list[float]
    results_cpu_s: list[float]
    raw_s: list[float]
    per_response_s: list[float]
    verified: bool | None = None

    @property
    def ratio(self) -> float:
        return min(self.results_s) / min(self.raw_s)


# -- data -------------------------------------------------------------------------------


def write_survey(path: Path, instrument: Any, audience: str, count: int, seed: int) -> None:
    """One audience's answers in the import layout, drawn from a simple latent model."""
    from assess.transfer.layout import Layout

    layout = Layout.of(instrument, audience)
    rng = random.Random(seed)
    scales = [instrument.scale(i.scale) for i in layout.items]
    lens = {d.id: str(d.lens) for d in instrument.dimensions}
    # Staff think better of the firm than its customers do, more so on the ends lens.
    level = {("staff", "means"): 0.62, ("staff", "ends"): 0.74,
             ("customer", "means"): 0.5, ("customer", "ends"): 0.42}
    centre = [
        level[(audience, lens.get(item.dimension or "", "ends"))] for item in layout.items
    ]
    comments = ["Answer the phone faster.", "Explain the bill in plain words.",
                "Keep the people in the shop.", "Stop the upselling e-mails."]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(layout.header)
        for n in range(count):
            mood = rng.gauss(0.0, 0.12)
            row: list[Any] = [f"{audience[0]}{n + 1}"]
            for question in layout.segments:
                skipped = rng.random() < 0.05
                row.append("" if skipped else rng.choice(question.options).id)
            for item, scale, mu in zip(layout.items, scales, centre, strict=True):
                draw = rng.random()
                if draw < 0.04:
                    row.append("")
                elif draw < 0.08 and scale.allow_na:
                    row.append("NA")
                else:
                    latent = min(1.0, max(0.0, rng.gauss(mu + mood, 0.2)))
                    if item.reverse:
                        latent = 1.0 - latent
                    row.append(scale.min + round(latent * (scale.max - scale.min)))
            for _question in layout.open_questions:
                row.append(rng.choice(comments) if rng.random() < 0.1 else "")
            writer.writerow(row)


# -- one backend ------------------------------------------------------------------------


def _timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_backend(
    backend: str, url: str, folder: Path, customers: int, staff: int, runs: int,
    verify: bool, say: Callable[[str], None],
) -> Figures:
    from sqlalchemy import func, select, text

    from assess import create_app
    from assess.extensions import db

    app = create_app({
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(folder / f"instance-{backend}"),
        "REPORT_CACHE": False,
    })
    runner = app.test_cli_runner()
    with app.app_context():
        upgraded = runner.invoke(args=["db", "upgrade"])
        if upgraded.exit_code != 0:
            raise SystemExit(f"`assess db upgrade` failed: {upgraded.output}")
        from assess.engagements.services import create_engagement
        from assess.respondents.models import Answer, Response
        from assess.transfer.services import import_responses
        from assess.workspaces.services import create_workspace

        engagement = create_engagement(
            workspace=create_workspace("Bench"), organisation="Bench Ltd", name="Large survey"
        )
        db.session.commit()
        instrument = engagement.instrument()
        files = {}
        for audience, count, seed in (("staff", staff, 1), ("customer", customers, 2)):
            files[audience] = folder / f"{backend}-{audience}.csv"
            write_survey(files[audience], instrument, audience, count, seed)
        say(f"  {backend}: importing {customers:,} customers and {staff:,} staff...")
        started = time.perf_counter()
        for audience, path in files.items():
            with path.open("rb") as stream:
                import_responses(engagement, audience, stream, path.name,
                                 size=path.stat().st_size)
            db.session.commit()
        import_s = time.perf_counter() - started
        answers = db.session.scalar(
            select(func.count()).select_from(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.engagement_id == engagement.id)
        ) or 0
        respondents = db.session.scalar(
            select(func.count()).select_from(Response)
            .where(Response.engagement_id == engagement.id)
        ) or 0
        engagement_id = engagement.id
        if backend == "postgresql":
            # Fresh statistics for the planner, as autovacuum would gather them.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
        db.session.remove()

        def results() -> str:
            outcome = runner.invoke(args=["results", str(engagement_id), "--format", "json"])
            if outcome.exit_code != 0:
                raise SystemExit(f"`assess results` failed: {outcome.output}")
            return outcome.output

        def raw(sql: str = RAW_AGGREGATE) -> list[Any]:
            with db.engine.connect() as connection:
                return connection.execute(text(sql), {"engagement": engagement_id}).fetchall()

        results_s, results_cpu_s, raw_s, per_response_s = [], [], [], []
        for _ in range(runs):
            wall, _cpu, _ = _timed(raw)
            raw_s.append(wall)
            wall, _cpu, _ = _timed(lambda: raw(RAW_PER_RESPONSE))
            per_response_s.append(wall)
            wall, cpu, _ = _timed(results)
            results_s.append(wall)
            results_cpu_s.append(cpu)
            db.session.remove()

        def statistics_equal_oracle() -> bool:
            # The oracle lives with the tests: reach them from a checkout.
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from assess.instruments.spec import spec_for
            from assess.results.service import engagement_statistics
            from tests.results.helpers import submitted_respondents
            from tests.scoring.oracle import summarise

            found = db.session.get(type(engagement), engagement_id)
            spec = spec_for(found.instrument(), found.anonymity_threshold)
            from_codes = engagement_statistics(found, spec)
            from_answers = summarise(spec, submitted_respondents(engagement_id))
            db.session.remove()
            return from_codes == from_answers

        verified = statistics_equal_oracle() if verify else None
        db.engine.dispose()
    return Figures(backend, respondents, answers, import_s, results_s, results_cpu_s, raw_s,
                   per_response_s, verified)


# -- databases --------------------------------------------------------------------------


class PostgresDatabase:
    """A fresh database on the server, dropped at the end."""

    def __init__(self, server_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from assess.db import normalise_url

        self.server = make_url(normalise_url(server_url))
        self.name = f"assess_bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.admin = create_engine(self.server.set(database="postgres"),
                                   isolation_level="AUTOCOMMIT")

    def __enter__(self) -> str:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


# -- main -------------------------------------------------------------------------------


def _seconds(values: Sequence[float]) -> str:
    best = min(values)
    if len(values) == 1:
        return f"{best:6.2f} s"
    return f"{best:6.2f} s (median {statistics.median(values):.2f})"


def report(figures: list[Figures], full_size: bool, say: Callable[[str], None]) -> bool:
    say("")
    say(f"{'backend':<11} {'respondents':>11} {'answers':>10}  {'import':>8}  "
        f"{'assess results':<24} {'cpu':>7}  {'raw aggregate':<24} {'ratio':>5}")
    ok = True
    for f in figures:
        say(f"{f.backend:<11} {f.respondents:>11,} {f.answers:>10,}  {f.import_s:7.1f}s  "
            f"{_seconds(f.results_s):<24} {min(f.results_cpu_s):6.2f}s  "
            f"{_seconds(f.raw_s):<24} {f.ratio:5.2f}")
        say(f"{'':<11} for comparison, one row per response instead of per item: "
            f"{_seconds(f.per_response_s)} (results / that: "
            f"{min(f.results_s) / min(f.per_response_s):.2f})")
        if f.verified is not None:
            say(f"{'':<11} statistics {'equal' if f.verified else 'DIFFER FROM'} "
                "the test oracle's summarise() on the same responses")
            ok = ok and f.verified
    say("")
    say(f"Targets at 100,000 customers and 5,000 staff: results <= {TARGET_RESULTS_S:g} s, "
        f"import <= {TARGET_IMPORT_S:g} s, ratio <= {TARGET_RATIO:g}.")
    for f in figures:
        verdicts = [
            ("results", min(f.results_s) <= TARGET_RESULTS_S),
            ("import", f.import_s <= TARGET_IMPORT_S),
            ("ratio", f.ratio <= TARGET_RATIO),
        ]
        text = ", ".join(f"{name} {'met' if met else 'MISSED'}" for name, met in verdicts)
        say(f"  {f.backend}: {text}" + ("" if full_size else " (not the full size)"))
        ok = ok and all(met for _, met in verdicts)
    return ok


def main(argv: Sequence[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--staff", type=int, default=None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true",
                        help="5,000 customers, 500 staff, one run, verified")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a target (or the verification) is missed")
    args = parser.parse_args(argv)
    customers = args.customers or (5_000 if args.quick else 100_000)
    staff = args.staff or (500 if args.quick else 5_000)
    runs = args.runs or (1 if args.quick else 3)
    verify = args.verify or args.quick
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    figures = []
    with tempfile.TemporaryDirectory(prefix="assess-bench-") as tmp:
        folder = Path(tmp)
        for backend in backends:
            if backend == "sqlite":
                url = f"sqlite:///{folder / 'bench.sqlite'}"
                figures.append(run_backend(backend, url, folder, customers, staff, runs,
                                           verify, say))
            else:
                with PostgresDatabase(args.pg_url) as url:
                    figures.append(run_backend(backend, url, folder, customers, staff, runs,
                                               verify, say))
    ok = report(figures, customers >= 100_000 and staff >= 5_000, say)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
