"""Shared fixtures: real SQLite files and a real PostgreSQL server.

- ``sqlite_url``: a SQLite file in the test's temporary folder (not created yet).
- ``postgres_url``: a database on the server at 127.0.0.1:5432, created once per
  session (so once per xdist worker) under a unique name and dropped at the end;
  every test gets it with all tables emptied. Skipped only when no server answers.
- ``fresh_postgres_url``: a brand-new empty database for this test alone.
- ``store_url``: both of the above, ids "sqlite" and "postgres"; ``store`` opens it.
"""

from __future__ import annotations

import graphlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from steward.store import SqlStore, open_store

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ROLES = ("postgres", "root")
PG_MAINTENANCE_DB = "test"
#: Tables the per-test cleanup keeps (Alembic's record of the schema version).
KEEP_TABLES = {"steward_alembic_version"}


def _pg_server_answers() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL to the maintenance database as a role that may create databases."""
    if not _pg_server_answers():
        pytest.skip(f"PostgreSQL is not answering on {PG_HOST}:{PG_PORT}")
    import psycopg

    errors = []
    for role in PG_ROLES:
        url = f"postgresql://{role}@{PG_HOST}:{PG_PORT}/{PG_MAINTENANCE_DB}"
        try:
            with psycopg.connect(url, connect_timeout=5):
                return url
        except psycopg.OperationalError as exc:
            errors.append(f"{role}: {exc}")
    raise RuntimeError(f"PostgreSQL answers on {PG_HOST}:{PG_PORT} but refuses every role: {errors}")


@pytest.fixture(scope="session")
def create_pg_database(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """A factory of new, uniquely named databases; all are dropped at session end."""
    import psycopg

    created: list[str] = []

    def create() -> str:
        # One session per xdist worker, so each worker has its own databases; the name says whose.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"steward_test_{worker}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return pg_admin_url.rsplit("/", 1)[0] + f"/{name}"

    yield create
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _pg_session_database(create_pg_database: Callable[[], str]) -> str:
    return create_pg_database()


def _referencing_first(conn: Any, tables: list[str]) -> list[str]:
    """*tables* ordered so that a table comes before every table it references (a safe DELETE order)."""
    rows = conn.execute(
        "SELECT child.relname, parent.relname FROM pg_constraint c"
        " JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid"
        " WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
    )
    referenced_by: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in rows:
        if child != parent and parent in referenced_by and child in referenced_by:
            referenced_by[parent].add(child)
    return list(graphlib.TopologicalSorter(referenced_by).static_order())


@pytest.fixture
def postgres_url(_pg_session_database: str) -> str:
    """The session's test database, every table emptied and every sequence restarted (the schema stays).

    DELETE, not TRUNCATE: the tables hold a handful of rows, and TRUNCATE gives each of ~30 tables new
    files (and fsyncs): 0.5-0.7 s a test against 0.02-0.12 s for the DELETEs on the shared 2-core machine.
    """
    import psycopg

    with psycopg.connect(_pg_session_database) as conn:
        conn.execute("SET LOCAL lock_timeout = '10s'")
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if row[0] not in KEEP_TABLES
        ]
        for table in _referencing_first(conn, tables):
            conn.execute(f'DELETE FROM "{table}"')
        used = conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
        ).fetchall()
        for (sequence,) in used:
            conn.execute(f'ALTER SEQUENCE "{sequence}" RESTART')
    return _pg_session_database


@pytest.fixture
def fresh_postgres_url(create_pg_database: Callable[[], str]) -> str:
    return create_pg_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/steward.db"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()
