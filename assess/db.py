"""The database: typed declarative base, engine set-up and the request session.

SQLite (the default) runs in WAL mode with a busy timeout and foreign keys on.
A transaction that will write starts with ``BEGIN IMMEDIATE``: in WAL mode a
deferred transaction that reads and then writes fails at once with "database is
locked" when another writer is active, instead of waiting its turn. Requests
that only read (GET, HEAD) begin deferred so they never queue behind writers.

PostgreSQL is used through psycopg 3 when the URL says so, each connection with
a statement timeout and a lock timeout, and checked as it is taken from the pool:
a connection whose socket the server has closed is replaced (no round trip).
Requests that only read may run without BEGIN and ROLLBACK (:meth:`Database.reading`).
Engines are disposed in a forked child so no connection is shared across a
gunicorn fork.

When the database fails a request (docs/hardening.md, "Database faults"):
:func:`unavailable` says whether the failure is the database being unreachable,
locked or too slow (the error pages answer 503) rather than a bug (500); a
request that lost its connection before it sent any COMMIT is run again, once.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import select
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Enum, MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

_log = logging.getLogger(__name__)

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
    url: str,
    *,
    busy_timeout_ms: int = 15000,
    statement_timeout_ms: int | None = None,
    lock_timeout_ms: int | None = None,
    connect_timeout_s: int | None = None,
    foreign_keys: bool = True,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url``. ``foreign_keys=False`` is for migrations only (see env.py).

    The PostgreSQL timeouts (None: the server's own, no limit by default) are set
    on every connection as it opens; the app passes its settings, migrations none
    (a migration may rightly take minutes). Waiting for a connection from a full
    pool is bounded by the lock timeout too.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_ms / 1000}, **kwargs
        )
        _configure_sqlite(engine, busy_timeout_ms, foreign_keys)
    else:
        connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
        options = [
            f"-c {name}={int(value)}"
            for name, value in (
                ("statement_timeout", statement_timeout_ms),
                ("lock_timeout", lock_timeout_ms),
            )
            if value is not None
        ]
        if options:
            connect_args["options"] = " ".join(options)
        if connect_timeout_s is not None:
            connect_args["connect_timeout"] = int(connect_timeout_s)
        if lock_timeout_ms is not None:
            kwargs.setdefault("pool_timeout", lock_timeout_ms / 1000)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "checkout", _closed_by_server)
    # A forked child (a gunicorn worker) never reuses the parent's pooled
    # connections; a weak reference so short-lived engines can still be collected.
    engine_ref = weakref.ref(engine)

    def _dispose_in_child() -> None:
        forked = engine_ref()
        if forked is not None:
            forked.dispose(close=False)

    os.register_at_fork(after_in_child=_dispose_in_child)
    return engine


def _closed_by_server(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """A connection the server closed while it sat in the pool (a restart, an idle
    timeout, ``pg_terminate_backend``) is replaced before the request uses it.

    Instead of a ping (``pool_pre_ping``: a round trip on every checkout, a tenth
    of a respondent page's time on PostgreSQL), a look at the socket: an idle
    connection has nothing to read unless the server sent its last words (FATAL)
    or closed it. A connection lost without a word (a cable) fails its first
    statement instead, and the request is run again once (:meth:`Database._retrying_once`).
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise sa_exc.DisconnectionError("closed")
    try:
        readable, _, _ = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError) as error:  # no socket any more
        raise sa_exc.DisconnectionError(str(error)) from error
    if readable:
        raise sa_exc.DisconnectionError("the server closed the connection")


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
        if reading_only.get():
            return  # each read its own snapshot, as PostgreSQL's autocommit reads
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
        config = app.config
        self.engine = make_engine(
            config["DATABASE_URL"],
            busy_timeout_ms=config["SQLITE_BUSY_TIMEOUT_MS"],
            statement_timeout_ms=config["DATABASE_STATEMENT_TIMEOUT_MS"],
            lock_timeout_ms=config["DATABASE_LOCK_TIMEOUT_MS"],
            connect_timeout_s=config["DATABASE_CONNECT_TIMEOUT"],
        )
        self.session.configure(bind=self.engine)
        app.extensions["assess.db"] = self
        event.listen(self.engine, "commit", _note_commit)
        if config["FAULT_INJECTION"]:
            from assess import faults

            faults.install(self.engine)
        # Flask calls the app's own dispatch_request between the request hooks and
        # the error handlers: the retry wraps the view alone (forms already read).
        app.dispatch_request = self._retrying_once(app.dispatch_request)

        @app.before_request
        def _read_only_for_safe_methods() -> None:
            from flask import request

            write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))
            commit_sent.set(False)

        @app.teardown_request
        def _end_reading(exc: BaseException | None) -> None:
            # Normally the app context's end closes the session too; a caller that
            # keeps one app context across requests (the tests) must not carry an
            # autocommit connection into the next request: ending the reading hands
            # the connection back to the pool, which resets it.
            self.writing()

        @app.teardown_appcontext
        def _remove_session(exc: BaseException | None) -> None:
            try:
                if exc is not None:
                    self.session.rollback()
                self.session.remove()
            except sa_exc.DBAPIError as error:
                if not unavailable(error):
                    raise
                # The connection went away after the view had answered: the server
                # rolled back whatever was not committed along with it, so the answer
                # stands; the connection is dropped, not handed back to the pool.
                _log.warning("Lost the database connection (%s) after a request", describe(error))
                self.session().invalidate()
                self.session.remove()
            write_intent.set(True)

    def reading(self, *, before_writes: bool = False) -> None:
        """The current request only reads (or, ``before_writes``, reads before it
        writes, :meth:`writing` marking where): its statements run without a transaction
        of their own (PostgreSQL: no BEGIN, no ROLLBACK, two round trips fewer;
        SQLite: no BEGIN and ROLLBACK statements either).

        Call it before the request's first statement. Under PostgreSQL's READ
        COMMITTED each statement sees its own snapshot inside a transaction too,
        and on SQLite each read then sees the latest commit, so a page that reads
        twice may see a save made in between (nothing a respondent's page minds);
        nothing may be written until :meth:`writing`. On PostgreSQL ``before_writes``
        changes nothing (the reads run in the write's transaction, as before). The
        connection goes back to the pool in the usual mode as the request ends."""
        session = self.session()
        if session.in_transaction():
            return
        if session.get_bind().dialect.name == "postgresql":
            if before_writes:
                # Nothing to gain: the reads in the transaction see what they would
                # outside it (READ COMMITTED), and leaving autocommit for the writes
                # would cost a second checkout from the pool.
                return
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        reading_only.set(True)

    def writing(self) -> None:
        """End :meth:`reading` before a request's first write: the next statement
        begins a transaction (``BEGIN IMMEDIATE`` on SQLite for a request that
        writes), so what was read before it is read outside it. A respondent's POST
        reads its visit so, and holds SQLite's write lock only for its writes, which
        check what they rely on themselves (docs/respondents.md)."""
        if reading_only.get():
            reading_only.set(False)
            self.session.rollback()

    def _retrying_once(self, dispatch: Callable[[], Any]) -> Callable[[], Any]:
        """The view, run again once when it lost its database connection before it
        sent any COMMIT: the server rolled back all it had done with the connection,
        so the second run starts from where the first one did. After a COMMIT was
        sent (whether or not it arrived) nothing is run again: the error pages
        answer 503 (assess/errors.py)."""

        def dispatch_request() -> Any:
            try:
                return dispatch()
            except sa_exc.DBAPIError as error:
                if not error.connection_invalidated or commit_sent.get():
                    raise
                from flask import request

                _log.warning(
                    "Lost the database connection (%s) in %s %s before any commit: "
                    "running it again once", describe(error), request.method,
                    request.endpoint,
                )
                self.session.rollback()
                return dispatch()

        return dispatch_request

    def create_all(self) -> None:
        """Tests only: production schemas come from Alembic migrations."""
        assert self.engine is not None, "init_app() first"
        Base.metadata.create_all(self.engine)

    def drop_all(self) -> None:
        assert self.engine is not None, "init_app() first"
        Base.metadata.drop_all(self.engine)


#: Whether the current request reads without a transaction (:meth:`Database.reading`).
reading_only: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_only", default=False)

#: Whether the current request has sent a COMMIT (set by the engine's "commit"
#: event, just before the driver commits; cleared as each request begins).
commit_sent: contextvars.ContextVar[bool] = contextvars.ContextVar("commit_sent", default=False)


def _note_commit(_connection: Connection) -> None:
    commit_sent.set(True)


#: SQLite's words for a database it cannot use for now (``sqlite3`` raises
#: OperationalError for these and for mistakes in SQL, such as a missing table).
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` is the database being unreachable, locked, overloaded or too
    slow (try again later: 503), rather than a mistake in the app (500).

    PostgreSQL reports all of these as OperationalError (connection failures and
    terminated connections, statement and lock timeouts, deadlocks, too many
    connections); a dropped connection may also surface as another DBAPI error
    that SQLAlchemy marks as a disconnect; a full pool is SQLAlchemy's TimeoutError.
    """
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        message = str(error.orig).lower()
        return any(words in message for words in _SQLITE_UNAVAILABLE)
    return True


def describe(error: BaseException) -> str:
    """The kind of database failure, for the log: the driver's error class, its
    SQLSTATE and the first line of its message. Never the statement or its
    parameters, which may hold answers, comments, addresses or tokens."""
    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [""])[0][:200]
    sqlstate = getattr(original, "sqlstate", None)
    return f"{type(original).__name__}{f' {sqlstate}' if sqlstate else ''}: {first_line}"


def str_enum(enum_class: type, length: int = 20) -> Enum:
    """A portable VARCHAR column that stores an enum's values ('staff'), not its names."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
