"""Load benchmark of the respondent pages: gunicorn, concurrent respondents, the floor.

    .venv/bin/python bench/load.py [--backend sqlite|postgresql|both] [--workers 4]
                                   [--concurrency 16,64] [--duration 10] [--quick]
                                   [--database-url URL] [--check]

For each backend, in a database of its own (a SQLite file in WAL mode in a
temporary folder; a fresh PostgreSQL database on the server of
``--database-url``, created and dropped at the end), migrated with the real
migrations:

1. fills an engagement on the default instrument and opens it; its customers'
   open link is what the respondents use;
2. starts the app under gunicorn on a loopback port with the shipped
   configuration (``-c python:assess.gunicorn_config``, ``--workers`` workers),
   and the floor (``bench/floor_app.py``: a bare Flask app that reads a signed
   session cookie, checks a CSRF token, validates a form of 8 fields, inserts 8
   answers in one transaction, redirects and renders a page of about the same
   size) under the same settings, on the same database;
3. in a process of its own, an asyncio client (aiohttp, one connection per
   request, as gunicorn's sync workers close each) drives ``--concurrency``
   respondents at a time, for ``--duration`` seconds each, through the whole
   customer questionnaire (welcome, Start, every page, thank you), each
   respondent followed by the next as soon as it is done; the floor's
   respondents go through as many pages (without a welcome page and Start, whose
   requests count against the app: rates are of page submissions only). The
   floor and the app take turns at each concurrency, after a short warm-up of
   each; the servers' CPU time (from /proc) is read around each measurement;
4. counts what was stored: the answers, segment answers and comments in the
   database must equal those the app accepted (answered with a redirect), the
   submitted responses the respondents who reached the thank-you page, and
   the floor's answers those it accepted.

A **page submission** is one questionnaire page's POST and the GET it redirects
to; its latency is the two together, as a respondent waits for them.

The open-link throttle (``ASSESS_OPEN_LINK_SUBMISSIONS_PER_MINUTE``, 20 a
minute from one source) would refuse these respondents, who all come from
127.0.0.1: the bench raises the limit to 1,000,000,000 through that setting
and says so. Everything else is the shipped configuration.

Targets (issue "Speed and scale", on 2 cores): zero errors; stored answers equal
accepted answers exactly; page submissions per second at least 0.5 × the floor;
p95 under 200 ms at 64 concurrent respondents. ``--check`` exits 1 when one is
missed. The machine may be shared: the absolute figures are noisy, the ratio to
the floor measured in the same run is the figure to read. ``--quick`` (2.5 s per
measurement, shorter warm-ups) takes under a minute for both databases.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: `bench` and `assess` from the checkout
    sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.5
TARGET_P95_MS = 200.0
TARGET_P95_AT = 64
DEFAULT_PG_URL = os.environ.get(
    "ASSESS_BENCH_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/postgres"
)
#: The open-link throttle, raised out of the way: every bench respondent is 127.0.0.1.
OPEN_LINK_LIMIT = 1_000_000_000
WARM_UP_S = 1.5
QUICK_S = 2.5  # per measurement, and the warm-up, with --quick

RADIO = re.compile(r'<input type="radio" name="([^"]+)" value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea id="[^"]+" name="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
START = re.compile(r'<a class="button" href="([^"]+)" data-testid="start">')
COMMENTS = ["Answer the phone faster.", "Explain the bill in plain words.",
            "Keep the people in the shop.", "Stop the upselling e-mails, please."]


# -- the client (runs in a process of its own) -----------------------------------------


@dataclass
class Tally:
    """What one measurement saw, sent back from the client process."""

    latencies_ms: list[float] = field(default_factory=list)  # one per page submission
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0  # gunicorn's master and workers, measured by the parent
    requests: int = 0
    page_bytes: int = 0  # of the page GETs that follow a POST (questionnaire pages)
    page_gets: int = 0
    errors: list[str] = field(default_factory=list)
    accepted_answers: int = 0
    accepted_segments: int = 0
    accepted_comments: int = 0
    completed: int = 0  # respondents who reached the thank-you page

    def merge(self, other: Tally) -> None:
        self.accepted_answers += other.accepted_answers
        self.accepted_segments += other.accepted_segments
        self.accepted_comments += other.accepted_comments
        self.completed += other.completed
        self.errors += other.errors

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0

    @property
    def server_ms_per_submission(self) -> float:
        """Server CPU per page submission (the welcome page and Start included, as
        the respondents sent them): steadier than rates on a shared machine."""
        done = len(self.latencies_ms)
        return 1000 * self.server_cpu_s / done if done else float("nan")


class Failure(Exception):
    """An answer the bench did not expect: counted as an error."""


class Respondent:
    """One person's cookie jar and the requests they send (cookies by hand: a
    respondent only ever visits paths under its own link)."""

    def __init__(self, session: Any, base: str, tally: Tally) -> None:
        self.session = session
        self.base = base
        self.tally = tally
        self.cookies: dict[str, str] = {}

    async def send(self, method: str, path: str, expect: int,
                   form: dict[str, str] | None = None) -> tuple[str, str]:
        """(body, Location) of the answer; Failure unless its status is ``expect``."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        self.tally.requests += 1
        async with self.session.request(
            method, self.base + path, data=form, headers=headers, allow_redirects=False
        ) as answer:
            body = await answer.text()
            for name, morsel in answer.cookies.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
            if answer.status != expect:
                raise Failure(f"{method} {_shape(path)}: {answer.status} {body[:120]!r}")
            location = answer.headers.get("Location", "")
            return body, urllib.parse.urlsplit(location).path


def _shape(path: str) -> str:
    """A path without its token, so errors group."""
    return re.sub(r"/r/[^/]+", "/r/TOKEN", path)


def _csrf(body: str) -> str:
    found = CSRF.search(body)
    if found is None:
        raise Failure("a page without a CSRF token")
    return found.group(1)


def _fill(body: str, rng: random.Random, tally_into: dict[str, int]) -> dict[str, str]:
    """A page's form as a respondent fills it: a random point per question (5 % left
    out), now and then "not applicable" or "prefer not to say", a comment in each
    text box; ``tally_into`` counts what the app should store of it."""
    groups: dict[str, list[str]] = {}
    for name, value in RADIO.findall(body):
        groups.setdefault(name, []).append(value)
    form: dict[str, str] = {}
    for name, values in groups.items():
        if rng.random() < 0.05:
            continue  # skipped: the app stores nothing for it
        value = rng.choice(values)
        form[name] = value
        if value == "":
            continue  # "prefer not to say"
        kind = "answers" if name.startswith("item-") else "segments"
        tally_into[kind] += 1
    for name in TEXTAREA.findall(body):
        text = rng.choice(COMMENTS)
        form[name] = text
        tally_into["comments"] += 1
    return form


async def _submission(person: Respondent, path: str, form: dict[str, str]) -> tuple[str, str]:
    """One page submission: the POST and the GET it redirects to; (body, path)."""
    started = time.perf_counter()
    _body, location = await person.send("POST", path, 302, form)
    body, _ = await person.send("GET", location, 200)
    person.tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    if "/page/" in location:
        person.tally.page_bytes += len(body.encode())
        person.tally.page_gets += 1
    return body, location


async def app_respondent(person: Respondent, token: str, rng: random.Random,
                         deadline: float) -> None:
    """Welcome, Start (a link), every page, thank you (or stop at the deadline, in
    progress)."""
    welcome, _ = await person.send("GET", f"/r/{token}", 200)
    found = START.search(welcome)
    if found is None:
        raise Failure("a welcome page without Start")
    path = found.group(1)
    body, _ = await person.send("GET", path, 200)
    while time.perf_counter() < deadline:
        counts = {"answers": 0, "segments": 0, "comments": 0}
        last = 'value="submit"' in body
        form = {**_fill(body, rng, counts), "csrf_token": _csrf(body),
                "action": "submit" if last else "next"}
        body, location = await _submission(person, path, form)
        person.tally.accepted_answers += counts["answers"]
        person.tally.accepted_segments += counts["segments"]
        person.tally.accepted_comments += counts["comments"]
        if location.endswith("/thanks"):
            person.tally.completed += 1
            return
        path = location


async def floor_respondent(person: Respondent, token: str, rng: random.Random,
                           deadline: float) -> None:
    path = "/floor/page/0"
    body, _ = await person.send("GET", path, 200)
    while time.perf_counter() < deadline:
        counts = {"answers": 0, "segments": 0, "comments": 0}
        form = {**_fill(body, rng, counts), "csrf_token": _csrf(body), "action": "next"}
        body, location = await _submission(person, path, form)
        person.tally.accepted_answers += counts["answers"]
        if location.endswith("/thanks"):
            person.tally.completed += 1
            return
        path = location


async def _drive(kind: str, base: str, token: str, concurrency: int, duration: float,
                 seed: int) -> Tally:
    import aiohttp

    tally = Tally()
    walk = app_respondent if kind == "app" else floor_respondent
    rng = random.Random(seed)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        started = time.perf_counter()
        deadline = started + duration

        async def one_after_another() -> None:
            while time.perf_counter() < deadline:
                person = Respondent(session, base, tally)
                try:
                    await walk(person, token, rng, deadline)
                except Failure as failure:
                    tally.errors.append(str(failure))
                except (TimeoutError, aiohttp.ClientError) as error:
                    tally.errors.append(f"{type(error).__name__}: {error}")

        await asyncio.gather(*(one_after_another() for _ in range(concurrency)))
        tally.wall_s = time.perf_counter() - started
    return tally


def drive(kind: str, base: str, token: str, concurrency: int, duration: float,
          seed: int) -> Tally:
    """Run one measurement (in the client process); its tally."""
    cpu = time.process_time()
    tally = asyncio.run(_drive(kind, base, token, concurrency, duration, seed))
    tally.client_cpu_s = time.process_time() - cpu
    return tally


# -- the servers --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and its children that are alive, from /proc."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return float("nan")
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that has just been replaced
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@dataclass
class Server:
    base: str
    pid: int


@contextmanager
def gunicorn(target: str, environment: dict[str, str], log: Path, probe: str
             ) -> Iterator[Server]:
    """``target`` served by gunicorn with the shipped configuration; its address."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **environment, "ASSESS_BASE_URL": base}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:assess.gunicorn_config",
             "--bind", f"127.0.0.1:{port}", target],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn ({target}) stopped:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(base + probe, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"gunicorn ({target}) never answered:\n{log.read_text()}"
                    ) from None
                time.sleep(0.2)
        yield Server(base, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck shutdown
            server.kill()
            server.wait()


# -- one backend ------------------------------------------------------------------------


@dataclass
class Measurement:
    kind: str  # "app" or "floor"
    concurrency: int
    tally: Tally


@dataclass
class BackendFigures:
    backend: str
    workers: int
    measurements: list[Measurement]
    app_total: Tally
    floor_total: Tally
    stored: dict[str, int]  # answers, segments, comments, submitted, floor
    log_errors: list[str]

    def of(self, kind: str, concurrency: int) -> Tally:
        return next(m.tally for m in self.measurements
                    if m.kind == kind and m.concurrency == concurrency)

    def ratio(self, concurrency: int) -> float:
        floor = self.of("floor", concurrency).rate
        return self.of("app", concurrency).rate / floor if floor else float("nan")

    @property
    def stored_equals_accepted(self) -> bool:
        return (
            self.stored["answers"] == self.app_total.accepted_answers
            and self.stored["segments"] == self.app_total.accepted_segments
            and self.stored["comments"] == self.app_total.accepted_comments
            and self.stored["submitted"] == self.app_total.completed
            and self.stored["floor"] == self.floor_total.accepted_answers
        )


def prepare(url: str, folder: Path) -> tuple[int, str]:
    """Migrate the database, create and open an engagement, make the floor's table;
    the engagement's id and its customers' open-link token."""
    from assess import create_app
    from assess.db import make_engine
    from assess.extensions import db
    from bench.floor_app import metadata

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-load",
                      "INSTANCE_PATH": str(folder / "instance")})
    runner = app.test_cli_runner()
    with app.app_context():
        upgraded = runner.invoke(args=["db", "upgrade"])
        if upgraded.exit_code != 0:
            raise SystemExit(f"`assess db upgrade` failed: {upgraded.output}")
        from assess.engagements.services import create_engagement
        from assess.instruments.schema import Audience
        from assess.respondents.links import open_engagement, open_link
        from assess.workspaces.services import create_workspace

        engagement = create_engagement(
            workspace=create_workspace("Bench"), organisation="Bench Ltd", name="Load"
        )
        db.session.flush()
        open_engagement(engagement)
        _link, token = open_link(engagement, Audience.CUSTOMER)
        db.session.commit()
        engagement_id = engagement.id
        db.session.remove()
        assert db.engine is not None
        db.engine.dispose()
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return engagement_id, token


def count_stored(url: str, engagement_id: int) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    from assess.db import normalise_url

    engine = create_engine(normalise_url(url))
    joined = "JOIN responses r ON r.id = t.response_id WHERE r.engagement_id = :e"
    with engine.connect() as connection:
        def one(sql: str) -> int:
            return int(connection.execute(text(sql), {"e": engagement_id}).scalar() or 0)

        stored = {
            "answers": one(f"SELECT count(*) FROM answers t {joined}"),
            "segments": one(f"SELECT count(*) FROM segment_answers t {joined}"),
            "comments": one(f"SELECT count(*) FROM comments t {joined}"),
            "submitted": one("SELECT count(*) FROM responses WHERE engagement_id = :e "
                             "AND status = 'submitted'"),
            "floor": one("SELECT count(*) FROM bench_floor_answers"),
        }
    engine.dispose()
    return stored


def run_backend(backend: str, url: str, folder: Path, workers: int,
                concurrencies: Sequence[int], duration: float, warm_up: float,
                client: concurrent.futures.Executor, say: Callable[[str], None]
                ) -> BackendFigures:
    say(f"  {backend}: migrating and filling an engagement...")
    engagement_id, token = prepare(url, folder)
    environment = {
        "ASSESS_DATABASE_URL": url,
        "ASSESS_SECRET_KEY": secrets.token_hex(32),
        "ASSESS_INSTANCE_PATH": str(folder / "served"),
        "ASSESS_WORKERS": str(workers),
        "ASSESS_OPEN_LINK_SUBMISSIONS_PER_MINUTE": str(OPEN_LINK_LIMIT),
    }
    app_log, floor_log = folder / f"{backend}-app.log", folder / f"{backend}-floor.log"
    measurements: list[Measurement] = []
    app_total, floor_total = Tally(), Tally()
    with gunicorn("wsgi:app", environment, app_log, f"/r/{token}") as app_server, \
            gunicorn("bench.floor_app:app", environment, floor_log, "/floor/page/0") as floor:
        servers = {"app": app_server, "floor": floor}
        totals = {"app": app_total, "floor": floor_total}
        seed = 0
        for kind in ("floor", "app"):  # every worker compiles its templates, fills its caches
            seed += 1
            totals[kind].merge(client.submit(
                drive, kind, servers[kind].base, token, 2 * workers, warm_up, seed).result())
        for concurrency in concurrencies:
            for kind in ("floor", "app"):
                seed += 1
                say(f"  {backend}: {kind}, {concurrency} respondents at a time, "
                    f"{duration:g} s...")
                cpu = cpu_seconds(servers[kind].pid)
                tally = client.submit(
                    drive, kind, servers[kind].base, token, concurrency, duration, seed).result()
                tally.server_cpu_s = cpu_seconds(servers[kind].pid) - cpu
                totals[kind].merge(tally)
                measurements.append(Measurement(kind, concurrency, tally))
    stored = count_stored(url, engagement_id)
    log_errors = [
        line for log in (app_log, floor_log) for line in log.read_text().splitlines()
        if "Traceback" in line or "[ERROR]" in line or "WORKER TIMEOUT" in line
    ]
    return BackendFigures(backend, workers, measurements, app_total, floor_total, stored,
                          log_errors)


# -- report -----------------------------------------------------------------------------


def report(figures: list[BackendFigures], duration: float,
           say: Callable[[str], None]) -> bool:
    ok = True
    say("")
    say(f"Page submissions (a page's POST and the GET it redirects to), {duration:g} s per "
        "measurement; open-link throttle raised to "
        f"{OPEN_LINK_LIMIT:,}/minute (ASSESS_OPEN_LINK_SUBMISSIONS_PER_MINUTE).")
    for f in figures:
        say("")
        say(f"{f.backend} — gunicorn -c python:assess.gunicorn_config, {f.workers} workers")
        say(f"  {'':<6} {'respondents':>11} {'subm./s':>9} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'errors':>7} {'server CPU/subm.':>17} {'client CPU':>10}")
        for m in f.measurements:
            t = m.tally
            busy = t.client_cpu_s / t.wall_s if t.wall_s else 0.0
            say(f"  {m.kind:<6} {m.concurrency:>11} {t.rate:9.1f} {t.percentile(50):8.1f} "
                f"{t.percentile(95):8.1f} {t.percentile(99):8.1f} {len(t.errors):>7} "
                f"{t.server_ms_per_submission:14.1f} ms {busy:9.0%}")
            if m.kind == "app":
                floor = f.of("floor", m.concurrency)
                say(f"  {'':<6} {'':>11} ratio app / floor: {f.ratio(m.concurrency):.2f} "
                    f"(server CPU per submission, floor / app: "
                    f"{floor.server_ms_per_submission / t.server_ms_per_submission:.2f})")
        app_pages = [m.tally for m in f.measurements if m.kind == "app"]
        floor_pages = [m.tally for m in f.measurements if m.kind == "floor"]

        def mean_bytes(tallies: list[Tally]) -> int:
            gets = sum(t.page_gets for t in tallies)
            return sum(t.page_bytes for t in tallies) // gets if gets else 0

        say(f"  page size: app {mean_bytes(app_pages):,} bytes, "
            f"floor {mean_bytes(floor_pages):,} bytes (mean of the GETs after a POST)")
        s, a = f.stored, f.app_total
        say(f"  stored / accepted: answers {s['answers']:,} / {a.accepted_answers:,}, "
            f"segment answers {s['segments']:,} / {a.accepted_segments:,}, "
            f"comments {s['comments']:,} / {a.accepted_comments:,}, "
            f"submitted responses {s['submitted']:,} / {a.completed:,} respondents done; "
            f"floor answers {s['floor']:,} / {f.floor_total.accepted_answers:,}")
        errors = f.app_total.errors + f.floor_total.errors
        for sample in sorted(set(errors))[:5]:
            say(f"  error: {sample}")
        for line in f.log_errors[:5]:
            say(f"  server log: {line}")
        verdicts = [
            ("zero errors", not errors and not f.log_errors),
            ("stored = accepted", f.stored_equals_accepted),
        ]
        verdicts += [(f"ratio ≥ {TARGET_RATIO:g} at {c}", f.ratio(c) >= TARGET_RATIO)
                     for c in sorted({m.concurrency for m in f.measurements})]
        if any(m.concurrency == TARGET_P95_AT for m in f.measurements):
            verdicts.append((f"p95 < {TARGET_P95_MS:g} ms at {TARGET_P95_AT}",
                             f.of("app", TARGET_P95_AT).percentile(95) < TARGET_P95_MS))
        say("  targets: " + ", ".join(
            f"{name} {'met' if met else 'MISSED'}" for name, met in verdicts))
        if any(m.concurrency == TARGET_P95_AT for m in f.measurements):
            # Respondents who send the next page as soon as the last one answers wait,
            # on average, as many submissions as are in flight: Little's law.
            n = TARGET_P95_AT
            app_n, floor_n = f.of("app", n), f.of("floor", n)
            say(f"  at {n} respondents with no pause between pages the mean wait is {n} / rate "
                f"(Little's law): app {1000 * n / app_n.rate:.0f} ms, floor "
                f"{1000 * n / floor_n.rate:.0f} ms; the floor's own p95 "
                f"{floor_n.percentile(95):.0f} ms")
        ok = ok and all(met for _, met in verdicts)
    return ok


# -- databases and main -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", "--database-url", dest="pg_url", default=DEFAULT_PG_URL,
                        help="a PostgreSQL server; the bench creates and drops its own database")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--concurrency", default="16,64",
                        help="respondents at a time, comma-separated (16,64)")
    parser.add_argument("--duration", type=float, default=None,
                        help=f"seconds per measurement (10; {QUICK_S:g} with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_S:g} s per measurement, shorter warm-ups")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    duration = args.duration or (QUICK_S if args.quick else 10.0)
    warm_up = 1.0 if args.quick else WARM_UP_S
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    from bench.results import PostgresDatabase

    figures = []
    # The client in a process of its own, started before the servers so it does not
    # inherit their file handles; spawned, so it carries nothing of this one.
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as client, tempfile.TemporaryDirectory(prefix="assess-load-") as tmp:
        client.submit(time.sleep, 0).result()
        folder = Path(tmp)
        failed = []
        for backend in backends:
            try:
                if backend == "sqlite":
                    url = f"sqlite:///{folder / 'load.sqlite'}"
                    figures.append(run_backend(backend, url, folder, args.workers,
                                               concurrencies, duration, warm_up, client, say))
                else:
                    with PostgresDatabase(args.pg_url) as url:
                        figures.append(run_backend(backend, url, folder, args.workers,
                                                   concurrencies, duration, warm_up, client,
                                                   say))
            except Exception as error:  # noqa: BLE001 - the other backend's figures still count
                failed.append(backend)
                say(f"  {backend}: the run failed: {type(error).__name__}: {error}")
    ok = report(figures, duration, say) and not failed
    for backend in failed:
        say(f"{backend}: no figures (the run failed, see above)")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
