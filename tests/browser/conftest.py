"""Real-browser tests: Playwright drives Debian's Chromium against a live server.

The server is the real app (CSRF on, its own SQLite file made with
``create_all``) in a thread on a loopback port the system picks (so parallel
pytest-xdist workers never clash). Each test gets a fresh browser context (its own
cookies and storage). axe-core, installed from npm (``package.json``; `make test`
runs ``npm ci`` when npm is present), is injected into each page to check
accessibility. Screenshots of each step are taken only with ``ASSESS_TEST_ARTIFACTS=1``.

Without Chromium or ``node_modules/axe-core`` these tests are skipped locally and
fail in CI (``CI=true``), which must run them.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IN_CI,
    LiveServer,
    Shots,
    missing_tools,
    new_context,
)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    missing = missing_tools()
    if missing:
        if IN_CI:
            pytest.fail(f"The browser tests must run in CI: {missing}.")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _not_ready(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@pytest.fixture
def live_server(tmp_path: Path, browser: Any) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from assess import create_app
    from assess.extensions import db

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # The socket is bound first, on a port the system picks, so that servers started at
    # the same time (pytest-xdist workers) cannot be handed the same one; the app,
    # which needs its URL, is attached afterwards.
    server = make_server("127.0.0.1", 0, _not_ready, threaded=True)
    url = f"http://127.0.0.1:{server.port}"
    app = create_app({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite'}",
        "SECRET_KEY": "browser-test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BASE_URL": url,
        "WTF_CSRF_ENABLED": True,
        "REPORT_CACHE": False,
        # No job scans on a thread of this process: the scanning thread would outlive
        # the test and run against whichever app the worker builds next (the shared
        # ``db`` binds to the newest engine), leaking that test's connections.
        "JOB_SCAN_SECONDS": 10**9,
    })
    with app.app_context():
        db.create_all()
    server.app = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        if db.engine is not None:
            db.engine.dispose()


@pytest.fixture
def shots(artifacts_folder: Path | None, request: pytest.FixtureRequest) -> Shots:
    """Screenshots of each step, taken only when ``ASSESS_TEST_ARTIFACTS=1``."""
    if artifacts_folder is None:
        return Shots(None)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = artifacts_folder / "browser" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Shots(folder)
