"""Alembic environment: the URL comes from the app (``assess db upgrade``)."""

from alembic import context
from sqlalchemy import pool

import assess.models  # noqa: F401  (registers every table on the metadata)
from assess.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    # SQLite's batch mode rebuilds a table by copying it and dropping the old one:
    # with foreign keys on, that drop would cascade and delete every child row
    # (answers of responses, say). Keys are off while migrating, then checked.
    engine = make_engine(url, poolclass=pool.NullPool, foreign_keys=False)
    with engine.connect() as connection:
        _run(connection)
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.rollback()
            if broken:
                raise SystemExit(f"The migration left rows with broken foreign keys: {broken[:5]}")
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `assess db upgrade`.")
run_migrations_online()
