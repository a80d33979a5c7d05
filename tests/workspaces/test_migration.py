"""Revision 0006 moves today's data into workspaces, on a database with the leak.

Consultants A and B were both granted "Acme Ltd" (A first, though B's account is
older); B alone "Beta plc"; nobody "Orphan Co", made from the CLI. An admin, a
consultant without organisations whose name clashes with B's, and a client of
"Acme Ltd" and "Orphan Co". Upgrading gives every consultant a workspace, Acme to
A's, Orphan to "Default" (the admin's), prints that B lost Acme, and leaves
engagements and responses alone; downgrading brings back roles and grants.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from assess import create_app
from assess.cli import alembic_config
from assess.db import normalise_url
from tests.conftest import IN_CI, PG_SERVER

ADMIN, B, A, C, CLIENT = 1, 2, 3, 4, 5
ACME, BETA, ORPHAN = 1, 2, 3
LOST_ACCESS = (
    "Workspaces: b@example.com lost access to 'Acme Ltd' (now in workspace 'a@example.com')"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own: SQLite, or a fresh PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    if not PG_SERVER:
        message = "set ASSESS_TEST_DATABASE_URL to test the migration on PostgreSQL"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    server = make_url(normalise_url(PG_SERVER))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"assess_migration_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server
        message = f"PostgreSQL at {server.render_as_string()} is unreachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def store_the_leak(engine: Engine) -> None:
    """Today's data (revision 0005), as the leak left it."""
    statements = [
        "INSERT INTO users (id, email, name, password_hash, role) VALUES "
        "(1, 'admin@example.com', 'Ada Admin', 'h', 'admin'), "
        "(2, 'b@example.com', 'Bond & Co', 'h', 'consultant'), "
        "(3, 'a@example.com', '', 'h', 'consultant'), "
        "(4, 'c@example.com', 'Bond & Co', 'h', 'consultant'), "
        "(5, 'client@example.com', 'Cleo Client', 'h', 'client')",
        "INSERT INTO organisations (id, name) VALUES "
        "(1, 'Acme Ltd'), (2, 'Beta plc'), (3, 'Orphan Co')",
        # A typed "Acme Ltd" first; B's engagement for it granted it to B too.
        "INSERT INTO organisation_grants (id, user_id, organisation_id) VALUES "
        "(1, 3, 1), (2, 2, 1), (3, 2, 2), (4, 5, 1), (5, 5, 3)",
        "INSERT INTO instrument_snapshots (id, instrument_id, version, content_hash, content) "
        "VALUES (1, 'x', '1', 'h', '{}')",
        "INSERT INTO engagements (id, organisation_id, snapshot_id, name, status, "
        "anonymity_threshold, prepared_by, accent_colour, created_on, revision) VALUES "
        "(1, 1, 1, 'Acme by A', 'open', 5, '', '#000000', '2026-01-01', 3), "
        "(2, 1, 1, 'Acme by B', 'closed', 5, '', '#000000', '2026-01-02', 0), "
        "(3, 2, 1, 'Beta', 'draft', 5, '', '#000000', '2026-01-03', 0), "
        "(4, 3, 1, 'Orphan', 'open', 5, '', '#000000', '2026-01-04', 1)",
        "INSERT INTO responses (id, engagement_id, audience, status, page, started_on, "
        "submitted_on, answer_codes) VALUES "
        "(1, 1, 'staff', 'submitted', 0, '2026-01-05', '2026-01-05', :codes), "
        "(2, 4, 'customer', 'submitted', 0, '2026-01-06', '2026-01-06', :codes)",
        "INSERT INTO answers (response_id, item_id, value) VALUES "
        "(1, 'a', 4), (1, 'b', NULL), (2, 'a', 2)",
        "INSERT INTO segment_answers VALUES (1, 'q', 'o')",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"codes": b"\x01\x02\x03"})


def rows(engine: Engine, query: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def assessment_data(engine: Engine) -> tuple[list[tuple], ...]:
    return (
        rows(engine, "SELECT * FROM engagements ORDER BY id"),
        rows(engine, "SELECT * FROM responses ORDER BY id"),
        rows(engine, "SELECT * FROM answers ORDER BY response_id, item_id"),
        rows(engine, "SELECT * FROM segment_answers ORDER BY response_id"),
    )


def test_the_leak_moves_into_workspaces_and_back(
    empty_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app({
        "DATABASE_URL": empty_database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
    })
    config = alembic_config(app)
    engine = create_engine(normalise_url(empty_database_url))
    try:
        with app.app_context():
            command.upgrade(config, "0005")
            store_the_leak(engine)
            before = assessment_data(engine)
            capsys.readouterr()

            command.upgrade(config, "0006")
            printed = capsys.readouterr().out
            assert_moved_into_workspaces(engine)
            assert [line for line in printed.splitlines() if "lost access" in line] == [
                LOST_ACCESS
            ]
            assert assessment_data(engine) == before

            assert_downgrade_refuses_names_shared_by_workspaces(engine, config)
            command.downgrade(config, "0005")
            assert_back_to_roles_and_grants(engine)
            assert assessment_data(engine) == before
    finally:
        engine.dispose()
        from assess.extensions import db

        if db.engine is not None:
            db.engine.dispose()


def assert_moved_into_workspaces(engine: Engine) -> None:
    workspace = dict(rows(engine, "SELECT name, id FROM workspaces"))
    # Named after the consultant (else their e-mail); C's name was B's: "(2)".
    assert set(workspace) == {"Default", "a@example.com", "Bond & Co", "Bond & Co (2)"}
    assert rows(engine, "SELECT DISTINCT suspended FROM workspaces") == [(False,)]
    name_of = {id_: name for name, id_ in workspace.items()}

    members = rows(engine, "SELECT workspace_id, user_id, role FROM memberships")
    assert sorted((name_of[w], user, role) for w, user, role in members) == sorted([
        ("Default", ADMIN, "owner"),
        ("Default", CLIENT, "reader"),
        ("a@example.com", A, "owner"),
        ("a@example.com", CLIENT, "reader"),
        ("Bond & Co", B, "owner"),
        ("Bond & Co (2)", C, "owner"),
    ])
    # Acme to A, its first grantee (B's account is older); Orphan, nobody's, to Default.
    assert dict(rows(engine, "SELECT name, workspace_id FROM organisations")) == {
        "Acme Ltd": workspace["a@example.com"],
        "Beta plc": workspace["Bond & Co"],
        "Orphan Co": workspace["Default"],
    }
    # The client reads both organisations, each in the workspace that holds it.
    assert sorted(rows(engine, (
        "SELECT w.name, o.name FROM reader_access r "
        "JOIN memberships m ON m.id = r.membership_id "
        "JOIN workspaces w ON w.id = m.workspace_id "
        "JOIN organisations o ON o.id = r.organisation_id WHERE m.user_id = 5"
    ))) == [("Default", "Orphan Co"), ("a@example.com", "Acme Ltd")]
    assert rows(engine, "SELECT COUNT(*) FROM reader_access") == [(2,)]

    schema = inspect(engine)
    assert "organisation_grants" not in schema.get_table_names()
    assert "role" not in {column["name"] for column in schema.get_columns("users")}
    assert [c["column_names"] for c in schema.get_unique_constraints("organisations")] == [
        ["workspace_id", "name"]
    ]


def assert_downgrade_refuses_names_shared_by_workspaces(engine: Engine, config: Config) -> None:
    """Names are unique per workspace only: a second "Acme Ltd" cannot go back."""
    bond = rows(engine, "SELECT id FROM workspaces WHERE name = 'Bond & Co'")[0][0]
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organisations (id, workspace_id, name) VALUES (4, :w, 'Acme Ltd')"
        ), {"w": bond})
    with pytest.raises(RuntimeError, match="organisations named 'Acme Ltd'"):
        command.downgrade(config, "0005")
    assert rows(engine, "SELECT COUNT(*) FROM workspaces") == [(4,)]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM organisations WHERE id = 4"))


def assert_back_to_roles_and_grants(engine: Engine) -> None:
    assert dict(rows(engine, "SELECT id, role FROM users")) == {
        ADMIN: "admin", A: "consultant", B: "consultant", C: "consultant", CLIENT: "client",
    }
    # B's leaked grant of Acme is gone; admins see everything without grants.
    assert sorted(rows(engine, "SELECT user_id, organisation_id FROM organisation_grants")) == [
        (B, BETA), (A, ACME), (CLIENT, ACME), (CLIENT, ORPHAN),
    ]
    schema = inspect(engine)
    assert not {"workspaces", "memberships", "reader_access"} & set(schema.get_table_names())
    assert "workspace_id" not in {c["name"] for c in schema.get_columns("organisations")}
    assert [c["column_names"] for c in schema.get_unique_constraints("organisations")] == [
        ["name"]
    ]
