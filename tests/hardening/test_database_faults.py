"""The database unreachable, locked, too slow or dropping connections: a polite 503
page with Retry-After (never a 500), nothing half-written, the request run again
once when that is safe, and service back by itself (docs/hardening.md, "Database
faults"). The real faults where they are cheap to make (a held lock, a closed port,
a terminated backend); the slow tests with gunicorn are in
``test_database_faults_under_gunicorn.py``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select, text

from assess import create_app
from assess.config import DEFAULTS, database_waits_beyond
from assess.db import make_engine
from assess.extensions import db
from assess.respondents.models import Response
from tests.hardening.locks import held_lock, pg_connect
from tests.respondents.conftest import (
    answer_pages,
    answers_of,
    count,
    fill,
    open_token,
    start,
)

#: Short waits, so that a held lock gives up at once.
QUICK = {
    "SQLITE_BUSY_TIMEOUT_MS": 150,
    "DATABASE_LOCK_TIMEOUT_MS": 150,
    "DATABASE_STATEMENT_TIMEOUT_MS": 3000,
}


@pytest.fixture
def app_with(make_app: Any) -> Iterator[Any]:
    """``make_app`` for apps with short waits: afterwards one more app with the
    default waits, whose engine empties the PostgreSQL tables at the end of the test
    (in a statement that may take longer than the short timeouts allow)."""
    yield make_app
    db.session.remove()
    db.engine.dispose()  # type: ignore[union-attr]  # the short waits' pool, closed
    make_app()


def _assert_polite_503(reply: Any, *words: str) -> str:
    html = reply.get_data(as_text=True)
    assert reply.status_code == 503, html
    assert reply.headers["Retry-After"] == "60"
    for word in words:
        assert word in html
    assert "Traceback" not in html and "OperationalError" not in html
    return html


# -- configuration --------------------------------------------------------------------


def test_every_connection_carries_the_configured_waits(make_app, database_url):
    app = make_app(
        SQLITE_BUSY_TIMEOUT_MS=1234, DATABASE_STATEMENT_TIMEOUT_MS=4321,
        DATABASE_LOCK_TIMEOUT_MS=567,
    )
    with app.app_context():
        if database_url.startswith("sqlite"):
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        else:
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "4321ms"
            assert db.session.execute(text("SHOW lock_timeout")).scalar() == "567ms"
            assert db.engine.pool.timeout() == pytest.approx(0.567)  # type: ignore[union-attr]
        db.session.rollback()


def test_migrations_run_without_the_apps_timeouts(database_url):
    """A migration may rightly take minutes: its engine sets no statement timeout."""
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's timeouts")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "0"
    engine.dispose()


def test_the_database_gives_up_before_the_worker_is_killed(tmp_path):
    assert database_waits_beyond(float(DEFAULTS["WORKER_TIMEOUT"]), DEFAULTS) == []  # type: ignore[arg-type]
    base = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}
    for name, value in [("SQLITE_BUSY_TIMEOUT_MS", 30_000), ("DATABASE_LOCK_TIMEOUT_MS", 0),
                        ("DATABASE_STATEMENT_TIMEOUT_MS", "slow")]:
        with pytest.raises(ValueError, match=f"ASSESS_{name}"):
            create_app({**base, name: value})
    # A shorter worker timeout needs shorter waits.
    with pytest.raises(ValueError, match="ASSESS_DATABASE_STATEMENT_TIMEOUT_MS"):
        create_app({**base, "WORKER_TIMEOUT": 10})


def test_gunicorn_reads_its_settings_and_refuses_a_timeout_the_waits_do_not_fit(monkeypatch):
    import importlib
    from types import SimpleNamespace

    monkeypatch.setenv("ASSESS_WORKERS", "3")
    monkeypatch.setenv("ASSESS_WORKER_TIMEOUT", "40")
    from assess import gunicorn_config

    gunicorn_config = importlib.reload(gunicorn_config)
    assert (gunicorn_config.workers, gunicorn_config.timeout) == (3, 40)
    gunicorn_config.on_starting(SimpleNamespace(cfg=SimpleNamespace(timeout=40)))
    # `--timeout 12` on the command line: the statement timeout (20 s) would outlast it.
    with pytest.raises(SystemExit, match="ASSESS_DATABASE_STATEMENT_TIMEOUT_MS"):
        gunicorn_config.on_starting(SimpleNamespace(cfg=SimpleNamespace(timeout=12)))


# -- a held lock: 503, nothing half-written, then service resumes -----------------------


def test_a_lock_held_past_the_timeout_gives_respondents_a_503_then_service_resumes(
    app_with, make_engagement, database_url, caplog
):
    app = app_with(**QUICK)
    client = app.test_client()
    with app.app_context():
        engagement = make_engagement()
        token = open_token(engagement, "staff")
        answer_pages(client, token, 1)
        page = client.get(f"/r/{token}/page/1").get_data(as_text=True)
        form = {**fill(page, comment="My private remark"), "action": "next"}
        response_id = db.session.scalar(select(Response.id))
        saved = answers_of(response_id)
        db.session.commit()

        with caplog.at_level(logging.WARNING), held_lock(database_url):
            busy = client.post(f"/r/{token}/page/1", data=form,
                               headers={"Accept-Language": "de"})
        html = _assert_polite_503(busy, "Bitte versuchen Sie es in einer Minute",
                                  "Ihre Antworten sind sicher", f"/r/{token}")
        assert 'lang="de"' in html
        # Logged, without the respondent's token or anything they sent.
        logged = caplog.text
        assert "Database unavailable in POST respondents.page" in logged
        assert token not in logged and "My private remark" not in logged
        # Nothing of the page was written; the earlier page is intact.
        db.session.expire_all()
        assert answers_of(response_id) == saved
        # The lock is gone: the same page goes through, once.
        again = client.post(f"/r/{token}/page/1", data=form)
        assert again.status_code == 302, again.get_data(as_text=True)
        assert count(Response) == 1
        assert len(answers_of(response_id)) > len(saved)


def test_a_lock_held_briefly_is_a_wait_not_an_error(make_app, make_engagement, database_url):
    """Under normal load writers take turns: a lock released within the timeout
    costs the next request time, not an error."""
    app = make_app()  # the default waits: seconds
    client = app.test_client()
    with app.app_context():
        token = open_token(make_engagement(), "staff")
        path = start(client, token)
        form = {**fill(client.get(path).get_data(as_text=True)), "action": "next"}
        db.session.remove()
    results: list[Any] = []
    # A page saved: a write (what it reads first is read without waiting).
    waiting = threading.Thread(target=lambda: results.append(client.post(path, data=form)))
    with held_lock(database_url):
        waiting.start()
        time.sleep(0.3)  # the request waits for the lock meanwhile
        assert results == []
    waiting.join(timeout=30)
    [started] = results
    assert started.status_code == 302, started.get_data(as_text=True)


def test_a_lock_held_past_the_timeout_gives_consultants_a_503_in_the_normal_layout(
    app_with, make_engagement, make_user, database_url
):
    app = app_with(**QUICK)
    client = app.test_client()
    with app.app_context():
        engagement = make_engagement()
        make_user(email="consultant@example.com")
        client.post("/login", data={"email": "consultant@example.com",
                                    "password": "correct-horse"})
        with held_lock(database_url):
            busy = client.post(f"/engagements/{engagement.id}/status",
                               data={"status": "closed"})
        _assert_polite_503(busy, "Please try again in a minute", "Nothing was half-saved",
                           'class="brand"')
        db.session.expire_all()
        assert engagement.status.value == "open"
        done = client.post(f"/engagements/{engagement.id}/status", data={"status": "closed"})
        assert done.status_code == 302
        db.session.expire_all()
        assert engagement.status.value == "closed"


def test_a_statement_past_the_statement_timeout_gives_a_503(
    app_with, make_engagement, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's statement timeout (SQLite has only the busy timeout)")
    # No lock timeout to speak of: the statement timeout ends the wait.
    app = app_with(DATABASE_LOCK_TIMEOUT_MS=5000, DATABASE_STATEMENT_TIMEOUT_MS=150)
    client = app.test_client()
    with app.app_context():
        token = open_token(make_engagement(), "staff")
        with held_lock(database_url):
            busy = client.get(f"/r/{token}")
        _assert_polite_503(busy, "Please try again in a minute")
        assert client.get(f"/r/{token}").status_code == 200


def test_an_unreachable_database_gives_a_503(tmp_path, database_url):
    if database_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path}/no-such-folder/assess.sqlite"
    else:
        unreachable = "postgresql://nobody@127.0.0.1:9/assess"  # the discard port: refused
    app = create_app({"DATABASE_URL": unreachable, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SECRET_KEY": "x", "TESTING": True})
    client = app.test_client()
    _assert_polite_503(client.get("/r/" + "A" * 43), "Please try again in a minute")
    app.extensions["assess.db"].engine.dispose()


def test_a_bug_in_sql_is_still_a_500(make_app, database_url):
    """Only the database being unavailable is a 503: a missing table (which SQLite
    reports as OperationalError too) is a mistake."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's OperationalError (PostgreSQL's is ProgrammingError)")
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        db.drop_all()
        reply = app.test_client().get("/r/" + "A" * 43)
        assert reply.status_code == 500


# -- dropped connections (PostgreSQL) ---------------------------------------------------


@pytest.fixture
def pg_only(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no connection to drop")
    return database_url


def _terminate(admin: psycopg.Connection[Any], pid: int) -> None:
    # PostgreSQL 14+: wait until the backend has gone, so the next statement fails.
    admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _drop_connection_once(app: Any, admin: Any, when: str, matching: str = "") -> list[int]:
    """Terminate the app's connection the first time it is about to run a statement
    containing ``matching`` (``when="statement"``) or to commit (``when="commit"``)."""
    dropped: list[int] = []
    engine = app.extensions["assess.db"].engine

    def backend_pid(connection: Any) -> int:
        return int(connection.connection.dbapi_connection.info.backend_pid)

    if when == "statement":
        @event.listens_for(engine, "before_cursor_execute")
        def _drop(connection, cursor, statement, *args):  # type: ignore[no-untyped-def]
            if not dropped and matching in statement:
                dropped.append(backend_pid(connection))
                _terminate(admin, dropped[-1])
    else:
        @event.listens_for(engine, "commit")
        def _drop(connection):  # type: ignore[no-untyped-def]
            if not dropped:
                dropped.append(backend_pid(connection))
                _terminate(admin, dropped[-1])
    return dropped


def test_connections_killed_in_the_pool_are_replaced_unseen(make_app, make_engagement, pg_only,
                                                           caplog):
    app = make_app()
    client = app.test_client()
    with app.app_context():
        token = open_token(make_engagement(), "staff")
        assert client.get(f"/r/{token}").status_code == 200
        db.session.remove()
        assert db.engine.pool.checkedin() >= 1  # type: ignore[union-attr]
        with pg_connect(pg_only) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with caplog.at_level(logging.WARNING):
            assert client.get(f"/r/{token}").status_code == 200
        assert "running it again" not in caplog.text  # found as it left the pool, not a retry


def test_taking_a_connection_from_the_pool_costs_no_round_trip(make_app, make_engagement,
                                                               pg_only, monkeypatch):
    """A pooled connection is checked by a look at its socket, not a ping; and a
    respondent's GET, which only reads, sends no BEGIN and no ROLLBACK, and leaves
    the pooled connection as it found it."""
    app = make_app()
    client = app.test_client()
    with app.app_context():
        token = open_token(make_engagement(), "staff")
        db.session.remove()
        engine = app.extensions["assess.db"].engine
        pings: list[object] = []
        monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or True)
        # psycopg sends BEGIN before a statement unless the connection is in autocommit.
        autocommit: list[bool] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _note(connection, *_args):  # type: ignore[no-untyped-def]
            autocommit.append(connection.connection.dbapi_connection.autocommit)

        assert client.get(f"/r/{token}").status_code == 200
        assert pings == [] and autocommit == [True]
        path = start(client, token)
        form = {**fill(client.get(path).get_data(as_text=True)), "action": "next"}
        # A page saved reads and writes in one transaction, on the same pooled
        # connection, back in its usual mode.
        del autocommit[:]
        assert client.post(path, data=form).status_code == 302
        assert pings == [] and len(autocommit) > 1 and not any(autocommit)
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.autocommit is False


def test_a_read_that_lost_its_connection_is_run_again_once(make_app, make_engagement, pg_only,
                                                          caplog):
    app = make_app()
    client = app.test_client()
    with app.app_context(), pg_connect(pg_only) as admin:
        token = open_token(make_engagement(), "staff")
        db.session.remove()
        dropped = _drop_connection_once(app, admin, "statement", "FROM links")
        with caplog.at_level(logging.WARNING):
            reply = client.get(f"/r/{token}")
        assert dropped and reply.status_code == 200, reply.get_data(as_text=True)
        assert "running it again once" in caplog.text


def test_a_page_that_lost_its_connection_before_committing_is_saved_once(
    make_app, make_engagement, pg_only
):
    app = make_app()
    client = app.test_client()
    with app.app_context(), pg_connect(pg_only) as admin:
        token = open_token(make_engagement(), "staff")
        start(client, token)
        form = {**fill(client.get(f"/r/{token}/page/0").get_data(as_text=True)),
                "action": "next"}
        db.session.remove()
        # The connection dies after the answers were sent, before the COMMIT.
        dropped = _drop_connection_once(app, admin, "statement", "INSERT INTO segment_answers")
        reply = client.post(f"/r/{token}/page/0", data=form)
        assert dropped and reply.status_code == 302, reply.get_data(as_text=True)
        assert count(Response) == 1
        assert client.get(f"/r/{token}/page/1").status_code == 200


def test_a_commit_that_lost_its_connection_is_not_run_again(
    make_app, make_engagement, pg_only, caplog
):
    """Whether a COMMIT arrived is unknown once the connection is gone: 503, and the
    respondent sends the page again."""
    app = make_app()
    client = app.test_client()
    with app.app_context(), pg_connect(pg_only) as admin:
        token = open_token(make_engagement(), "staff")
        start(client, token)
        form = {**fill(client.get(f"/r/{token}/page/0").get_data(as_text=True)),
                "action": "next"}
        db.session.remove()
        dropped = _drop_connection_once(app, admin, "commit")
        with caplog.at_level(logging.WARNING):
            reply = client.post(f"/r/{token}/page/0", data=form)
        assert dropped
        _assert_polite_503(reply, "Your answers are safe")
        assert "running it again" not in caplog.text
        db.session.expire_all()
        assert count(Response) == 0  # the server rolled it back with the connection
        assert client.post(f"/r/{token}/page/0", data=form).status_code == 302
        assert count(Response) == 1


def test_a_connection_lost_after_the_view_answered_keeps_the_answer(
    make_app, make_engagement, pg_only, caplog
):
    """Ending the request rolls back and returns the connection: when it has gone by
    then, the page already made is still the reply (it was a 500 from gunicorn).
    (A share link's page: a request that reads in a transaction; a respondent's
    requests read with no transaction to end.)"""
    app = make_app()
    client = app.test_client()
    with app.app_context():
        token = open_token(make_engagement(), "staff")
        db.session.remove()
    with pg_connect(pg_only) as admin:

        @app.after_request
        def _drop(reply):  # type: ignore[no-untyped-def]
            connection = db.session.connection()  # the request's, inside its transaction
            _terminate(admin, connection.connection.dbapi_connection.info.backend_pid)
            return reply

        # Outside the test's app context: the request's own ends with it, as in production.
        with caplog.at_level(logging.WARNING):
            reply = client.get(f"/s/{'A' * 43}")  # a read in a transaction: a share link
        assert reply.status_code == 404
        assert "Lost the database connection" in caplog.text
        app.after_request_funcs[None].remove(_drop)
        assert client.get(f"/r/{token}").status_code == 200
