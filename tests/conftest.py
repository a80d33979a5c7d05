"""Shared fixtures: ``app``, ``client``, ``runner``, ``auth`` and factories.

Every database test runs on SQLite (a fresh file per test) and, when
``ASSESS_TEST_DATABASE_URL`` names a PostgreSQL server, also on PostgreSQL:
the run creates its own fresh database there, and empties it after each test.
In CI (``CI=true``) an unreachable PostgreSQL fails the run instead of skipping.
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
ARTIFACTS = Path(
    os.environ.get("ASSESS_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts")
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    assert PG_SERVER
    server = make_url(normalise_url(PG_SERVER))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"assess_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
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

    def factory(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "BASE_URL": "http://testserver",
            **overrides,
        }
        app = create_app(config)
        if database_url.startswith("sqlite"):
            from assess.extensions import db

            with app.app_context():
                db.create_all()
        apps.append(app)
        return app

    yield factory
    from assess.extensions import db

    for app in apps:
        with app.app_context():
            db.session.remove()
    if apps and not database_url.startswith("sqlite"):
        with db.engine.begin() as connection:  # type: ignore[union-attr]
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    if db.engine is not None:
        db.engine.dispose()


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
def artifacts() -> Path:
    """A folder for files a person may want to look at after the run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# -- factories ------------------------------------------------------------------------


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    from assess.accounts.models import Role
    from assess.accounts.services import create_user
    from assess.extensions import db

    counter = iter(range(1, 10_000))

    def factory(role: str = "consultant", email: str | None = None,
                password: str = "correct-horse") -> Any:
        user = create_user(email or f"user{next(counter)}@example.com", password, Role(role))
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_engagement(app: Flask) -> Callable[..., Any]:
    from assess.engagements.models import Status
    from assess.engagements.services import create_engagement, set_status
    from assess.extensions import db

    counter = iter(range(1, 10_000))

    def factory(organisation: str = "Acme Ltd", name: str | None = None,
                instrument_id: str = "customer-centricity", status: str = "open",
                created_by: Any = None, **kwargs: Any) -> Any:
        engagement = create_engagement(
            organisation=organisation, name=name or f"Assessment {next(counter)}",
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
    with its answer codes as on submission (``answer_codes=False``: without, as
    responses stored before the codes existed)."""
    from datetime import date

    from assess.extensions import db
    from assess.respondents.models import (
        Answer,
        Comment,
        Response,
        ResponseStatus,
        SegmentAnswer,
    )
    from assess.respondents.services import bump_revision
    from assess.results.codes import CodeLayout

    def factory(engagement: Any, audience: str, answers: dict[str, int | None],
                segments: dict[str, str] | None = None,
                comments: dict[str, str] | None = None, answer_codes: bool = True) -> Any:
        codes = None
        if answer_codes:
            layout = CodeLayout.for_instrument(engagement.instrument(), audience)
            codes = layout.encode(answers, segments or {})
        response = Response(engagement_id=engagement.id, audience=audience,
                            status=ResponseStatus.SUBMITTED, submitted_on=date.today(),
                            answer_codes=codes)
        db.session.add(response)
        db.session.flush()
        db.session.add_all(Answer(response_id=response.id, item_id=k, value=v)
                           for k, v in answers.items())
        db.session.add_all(SegmentAnswer(response_id=response.id, question_id=k, option_id=v)
                           for k, v in (segments or {}).items())
        db.session.add_all(Comment(response_id=response.id, question_id=k, text=v)
                           for k, v in (comments or {}).items())
        bump_revision(engagement.id)
        db.session.commit()
        return response

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
