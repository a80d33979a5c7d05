"""Another process's hold on the database, for the database-fault tests."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from assess.db import normalise_url


def pg_connect(database_url: str) -> psycopg.Connection[Any]:
    url = make_url(normalise_url(database_url))
    return psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        dbname=url.database, autocommit=True,
    )


@contextlib.contextmanager
def held_lock(database_url: str) -> Iterator[None]:
    """Another process holding the lock every write (SQLite) or every use of links,
    engagements and signed-in people (PostgreSQL) needs, until the block ends."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with pg_connect(database_url) as holder:
        holder.execute("BEGIN")
        holder.execute(
            "LOCK TABLE links, engagements, users, memberships IN ACCESS EXCLUSIVE MODE"
        )
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
