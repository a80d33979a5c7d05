import threading

from sqlalchemy import text

from assess.db import intent, make_engine


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/p.sqlite", busy_timeout_ms=1234)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_writing_transactions_begin_immediate(tmp_path):
    """Two writers that each read then write: the second waits instead of failing."""
    engine = make_engine(f"sqlite:///{tmp_path}/w.sqlite", busy_timeout_ms=10000)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[Exception] = []
    barrier = threading.Barrier(8)

    def bump() -> None:
        try:
            barrier.wait()
            with engine.begin() as connection:
                n = connection.execute(text("SELECT n FROM counter")).scalar()
                connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except Exception as error:  # pragma: no cover - the failure being tested
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        # No lost update either: every read-then-write saw the previous write.
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 8
    engine.dispose()


def test_read_intent_begins_deferred(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/r.sqlite")
    statements: list[str] = []
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with intent(write=False), engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert "BEGIN" in statements
    assert "BEGIN IMMEDIATE" not in statements


def test_migrations_match_the_models(database_url, tmp_path):
    """`assess db upgrade` builds exactly the schema the models describe (both backends)."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from assess import create_app
    from assess.cli import alembic_config, schema_drift
    from assess.db import normalise_url

    url = database_url
    if not url.startswith("sqlite"):
        # The shared test database was built by create_all; migrate a fresh one instead.
        import secrets

        from sqlalchemy import text

        base = make_url(normalise_url(url))
        name = f"{base.database}_mig_{secrets.token_hex(3)}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        command.upgrade(alembic_config(app), "head")
        assert schema_drift() == []
    from assess.extensions import db

    db.engine.dispose()
    if not database_url.startswith("sqlite"):
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_forked_worker_never_reuses_the_parents_connections(database_url):
    """gunicorn forks workers: each must open its own connections."""
    import os

    from assess.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert engine.pool.checkedin() == 1  # the parent keeps one pooled connection
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report how many pooled connections it inherited
        os.close(read)
        os.write(write, str(engine.pool.checkedin()).encode())
        os._exit(0)
    os.close(write)
    inherited = int(os.read(read, 10).decode())
    os.waitpid(pid, 0)
    os.close(read)
    assert inherited == 0
    assert engine.pool.checkedin() == 1
    engine.dispose()
