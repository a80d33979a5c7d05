"""Migrations rebuild tables on SQLite (batch mode) without losing a row.

0002 rebuilds answers and segment answers; 0003 rebuilds links and responses, and
0004 going down rebuilds responses again: a drop that must not cascade to the
answers (foreign keys are off while migrating).
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from assess import create_app
from assess.cli import alembic_config


def test_answers_survive_every_rebuild_both_ways(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    config = alembic_config(app)
    engine = create_engine(url)
    with app.app_context():
        command.upgrade(config, "0001")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO organisations (id, name) VALUES (1, 'o');"
            ))
            connection.execute(text(
                "INSERT INTO instrument_snapshots (id, instrument_id, version, content_hash, "
                "content) VALUES (1, 'x', '1', 'h', '{}')"
            ))
            connection.execute(text(
                "INSERT INTO engagements (id, organisation_id, snapshot_id, name, status, "
                "anonymity_threshold, prepared_by, accent_colour, created_on, revision) "
                "VALUES (1, 1, 1, 'e', 'open', 5, '', '#000000', '2026-01-01', 0)"
            ))
            connection.execute(text(
                "INSERT INTO responses (id, engagement_id, audience, status, page, started_on) "
                "VALUES (1, 1, 'staff', 'submitted', 0, '2026-01-01'), "
                "(2, 1, 'customer', 'submitted', 0, '2026-01-01')"
            ))
            connection.execute(text(
                "INSERT INTO answers VALUES (2, 'b', 4), (1, 'a', 3), (1, 'c', NULL)"
            ))
            connection.execute(text("INSERT INTO segment_answers VALUES (1, 'q', 'o')"))

        def contents() -> tuple[list, list, str]:
            with engine.connect() as connection:
                answers = connection.execute(
                    text("SELECT * FROM answers ORDER BY 1, 2")
                ).all()
                segments = connection.execute(text("SELECT * FROM segment_answers")).all()
                ddl = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = 'answers'")
                ).scalar()
            return answers, segments, ddl

        before = contents()
        command.upgrade(config, "0002")
        after = contents()
        assert after[:2] == before[:2]
        assert "WITHOUT ROWID" in after[2] and "WITHOUT ROWID" not in before[2]
        command.upgrade(config, "head")
        assert contents()[:2] == before[:2]
        command.downgrade(config, "0001")
        reverted = contents()
        assert reverted[:2] == before[:2]
        assert "WITHOUT ROWID" not in reverted[2]
    engine.dispose()
    from assess.extensions import db

    db.engine.dispose()
