"""The database: typed declarative base, engine set-up and the request session.

SQLite (the default) runs in WAL mode with a busy timeout and foreign keys on.
A transaction that will write starts with ``BEGIN IMMEDIATE``: in WAL mode a
deferred transaction that reads and then writes fails at once with "database is
locked" when another writer is active, instead of waiting its turn. Requests
that only read (GET, HEAD) begin deferred so they never queue behind writers.

PostgreSQL is used through psycopg 3 when the URL says so. Engines are disposed
in a forked child so no connection is shared across a gunicorn fork.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import weakref
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Enum, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Whether the current unit of work intends to write (see module docstring).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def normalise_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str, *, busy_timeout_ms: int = 15000, foreign_keys: bool = True, **kwargs: Any
) -> Engine:
    """An engine for ``url``. ``foreign_keys=False`` is for migrations only (see env.py)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_ms / 1000}, **kwargs
        )
        _configure_sqlite(engine, busy_timeout_ms, foreign_keys)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    # A forked child (a gunicorn worker) never reuses the parent's pooled
    # connections; a weak reference so short-lived engines can still be collected.
    engine_ref = weakref.ref(engine)

    def _dispose_in_child() -> None:
        forked = engine_ref()
        if forked is not None:
            forked.dispose(close=False)

    os.register_at_fork(after_in_child=_dispose_in_child)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:  # a sqlite3.Connection
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


@contextlib.contextmanager
def intent(write: bool) -> Iterator[None]:
    """Declare whether transactions begun inside the block will write.

    A GET handler that must write commits what it read, then opens a
    ``with intent(write=True)`` block so its transaction begins IMMEDIATE.
    """
    token = write_intent.set(write)
    try:
        yield
    finally:
        write_intent.reset(token)


class Database:
    """The engine and the scoped session of one Flask app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(expire_on_commit=False)
        )

    def init_app(self, app: Any) -> None:
        self.engine = make_engine(
            app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
        )
        self.session.configure(bind=self.engine)
        app.extensions["assess.db"] = self

        @app.before_request
        def _read_only_for_safe_methods() -> None:
            from flask import request

            write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

        @app.teardown_appcontext
        def _remove_session(exc: BaseException | None) -> None:
            if exc is not None:
                self.session.rollback()
            self.session.remove()
            write_intent.set(True)

    def create_all(self) -> None:
        """Tests only: production schemas come from Alembic migrations."""
        assert self.engine is not None, "init_app() first"
        Base.metadata.create_all(self.engine)

    def drop_all(self) -> None:
        assert self.engine is not None, "init_app() first"
        Base.metadata.drop_all(self.engine)


def str_enum(enum_class: type, length: int = 20) -> Enum:
    """A portable VARCHAR column that stores an enum's values ('staff'), not its names."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
