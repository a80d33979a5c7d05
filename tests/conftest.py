"""Shared fixtures: ``app``, ``client``, ``runner``, ``auth`` and factories.

Every database test runs on SQLite (a fresh file per test) and, when
``ASSESS_TEST_DATABASE_URL`` names a PostgreSQL server, also on PostgreSQL:
the run (each pytest-xdist worker) creates its own fresh database there, and
empties it after each test. In CI (``CI=true``) an unreachable PostgreSQL fails
the run instead of skipping.

Files for a person to look at (page screenshots, PDF pages as PNG) are written to
``test-artifacts/`` only when ``ASSESS_TEST_ARTIFACTS=1``; otherwise the tests that
only write them are skipped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assess import create_app
from assess.db import Base, normalise_url

PG_SERVER = os.environ.get("ASSESS_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_SERVER else [])
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
WRITE_ARTIFACTS = os.environ.get("ASSESS_TEST_ARTIFACTS", "").lower() in ("1", "true", "yes")
# Under pytest-xdist (`make test`), the tests of these modules share one expensive
# module- or session-scoped set-up, so all of a module's tests go to one worker and the
# set-up is built once per run: the rendered demo report, the report cases, the built wheel.
SHARED_SET_UP_MODULES = frozenset({
    "tests/reports/test_demo_report.py",
    "tests/reports/test_report_cases.py",
    "tests/demo/test_demo_data.py",
    "tests/foundation/test_packaging.py",
    "tests/workspaces/test_permissions.py",
})


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``, made to group by module for ``SHARED_SET_UP_MODULES``
    (pytest-xdist 3.8 cannot see ``xdist_group`` marks under pytest 9.2)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SharedSetUpScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SHARED_SET_UP_MODULES else super()._split_scope(nodeid)

    return SharedSetUpScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On pytest-xdist workers, the slow and the browser tests are handed out first,
    so that the run does not end waiting for one of them."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: 0 if item.get_closest_marker("slow")
                   else 1 if item.get_closest_marker("browser") else 2)


#: werkzeug's scrypt at a low cost (n=256 instead of 32768): see ``quick_password_hashing``.
QUICK_PASSWORD_HASH = "scrypt:256:8:1"


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> Iterator[None]:
    """Passwords are hashed with the production function (scrypt) at a far lower cost:
    at its real cost (0.1 s to hash, and again at every login) hashing was a large
    share of the suite's time, and no test is about the cost itself. Set as the
    operator would (``ASSESS_PASSWORD_HASH_METHOD``), so every app a test builds
    agrees with itself and sign-in does not re-hash."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSESS_PASSWORD_HASH_METHOD", QUICK_PASSWORD_HASH)
        yield


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    assert PG_SERVER
    server = make_url(normalise_url(PG_SERVER))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    # One database per run, and per pytest-xdist worker ("gw0", "gw1", ...).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"assess_test_{worker}_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A test database need not wait for the disk at each commit.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server
        message = f"PostgreSQL at {server.render_as_string()} is unreachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    import assess.models  # noqa: F401

    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_app(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database; extra keys override the config."""
    apps: list[Flask] = []
    engines: list[Any] = []  # each app's own: the shared ``db`` keeps only the last

    def factory(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            # A download the cache cannot serve answers with the PDF, rendered in the
            # request; tests/jobs/test_report_downloads.py covers the job (the default).
            "REPORT_DOWNLOAD_JOBS": False,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "BASE_URL": "http://testserver",
            **overrides,
        }
        app = create_app(config)
        from assess.extensions import db as database

        engines.append(database.engine)

        def _fresh_request_state() -> None:
            # The ``app`` fixture keeps one app context open for the whole test,
            # so every request of a test shares one ``g``: forget what a request
            # cached there (Flask-Login's user, the access policy's actor), as a
            # new request in production would.
            from flask import g

            g.pop("_login_user", None)
            g.pop("actor", None)

        # First of the app's request hooks, so that the app's own (the second
        # factor's requirement) do not see the previous request's user either.
        app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)

        if database_url.startswith("sqlite"):
            from assess.extensions import db

            with app.app_context():
                db.create_all()
        apps.append(app)
        return app

    yield factory
    from assess.extensions import db
    from assess.jobs.queue import wait_for_jobs

    for app in apps:
        # A test's background jobs end before its database does: a job thread still
        # holding a connection would leak it past the engine's disposal.
        wait_for_jobs(app, timeout=60)
        with app.app_context():
            db.session.remove()
    if apps and not database_url.startswith("sqlite"):
        with db.engine.begin() as connection:  # type: ignore[union-attr]
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    # Every app's engine, not only the last one's: a test that built two apps left
    # the first one's pooled connections to the garbage collector (ResourceWarning).
    for engine in {id(e): e for e in [*engines, db.engine] if e is not None}.values():
        engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def artifacts_folder() -> Path | None:
    """``test-artifacts/`` when ``ASSESS_TEST_ARTIFACTS=1`` asks for files to look at,
    else None (for tests that write them only on the side)."""
    if not WRITE_ARTIFACTS:
        return None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def artifacts(artifacts_folder: Path | None) -> Path:
    """A folder for files a person may want to look at after the run: a test that
    only writes them is skipped unless ``ASSESS_TEST_ARTIFACTS=1``."""
    if artifacts_folder is None:
        pytest.skip("writes files for a person to look at: set ASSESS_TEST_ARTIFACTS=1")
    return artifacts_folder


# -- factories ------------------------------------------------------------------------


#: The workspace that users and engagements of a test belong to unless it says.
TEST_WORKSPACE = "Test firm"

#: Roles as older tests name them: a client reads, an admin owns.
_ROLE_ALIASES = {"client": "reader", "admin": "owner"}


@pytest.fixture
def make_workspace(app: Flask) -> Callable[..., Any]:
    """The workspace of this name, created on first use (``suspended`` sets it)."""
    from sqlalchemy import select

    from assess.extensions import db
    from assess.workspaces.models import Workspace
    from assess.workspaces.services import create_workspace

    def factory(name: str = TEST_WORKSPACE, suspended: bool | None = None) -> Any:
        workspace = db.session.scalar(select(Workspace).where(Workspace.name == name))
        if workspace is None:
            workspace = create_workspace(name)
        if suspended is not None:
            workspace.suspended = suspended
        db.session.commit()
        return workspace

    return factory


@pytest.fixture
def make_user(app: Flask, make_workspace: Callable[..., Any]) -> Callable[..., Any]:
    """A user who is a member of a workspace (the test's own unless named), with a
    role there: owner, consultant or reader (of ``organisations``)."""
    from assess.accounts.services import create_user, find_user
    from assess.engagements.services import give_reader_access
    from assess.extensions import db
    from assess.workspaces.models import MemberRole
    from assess.workspaces.services import add_member

    counter = iter(range(1, 10_000))

    def factory(role: str = "consultant", email: str | None = None,
                password: str = "correct-horse", workspace: Any = None,
                organisations: Any = ()) -> Any:
        email = email or f"user{next(counter)}@example.com"
        user = find_user(email) or create_user(email, password)
        if not hasattr(workspace, "id"):
            workspace = make_workspace(workspace or TEST_WORKSPACE)
        membership = add_member(workspace, user, MemberRole(_ROLE_ALIASES.get(role, role)))
        for organisation in organisations:
            give_reader_access(membership, organisation)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_engagement(app: Flask, make_workspace: Callable[..., Any]) -> Callable[..., Any]:
    """An engagement (open unless ``status`` says) of an organisation in the test's
    workspace, or in ``workspace`` (a name or a Workspace)."""
    from assess.engagements.models import Status
    from assess.engagements.services import create_engagement, set_status
    from assess.extensions import db

    counter = iter(range(1, 10_000))

    def factory(organisation: str = "Acme Ltd", name: str | None = None,
                instrument_id: str = "customer-centricity", status: str = "open",
                workspace: Any = None, created_by: Any = None, **kwargs: Any) -> Any:
        if not hasattr(workspace, "id"):
            workspace = make_workspace(workspace or TEST_WORKSPACE)
        engagement = create_engagement(
            workspace=workspace, organisation=organisation,
            name=name or f"Assessment {next(counter)}",
            instrument_id=instrument_id, created_by=created_by, **kwargs,
        )
        if status != "draft":
            set_status(engagement, Status(status))
        db.session.commit()
        return engagement

    return factory


@pytest.fixture
def make_response(app: Flask) -> Callable[..., Any]:
    """Store a submitted response directly (bypassing the questionnaire pages),
    through the one writer of responses, as the import does."""
    from assess.extensions import db
    from assess.respondents.codes import CodeLayout
    from assess.respondents.models import Response
    from assess.respondents.recording import NewResponse, record_submitted

    def factory(engagement: Any, audience: str, answers: dict[str, int | None],
                segments: dict[str, str] | None = None,
                comments: dict[str, str] | None = None) -> Any:
        layout = CodeLayout.for_instrument(engagement.instrument(), audience)
        new = NewResponse(answers=answers, segments=segments or {}, comments=comments or {})
        [response_id] = record_submitted(engagement.id, layout, [new])
        db.session.commit()
        return db.session.get(Response, response_id)

    return factory


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = "correct-horse") -> Any:
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
