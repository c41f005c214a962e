"""Shared fixtures: real SQLite files and a real PostgreSQL server.

- ``sqlite_url``: a SQLite file in the test's temporary folder (not created yet).
- ``postgres_url``: a database on the server at 127.0.0.1:5432, created once per
  session under a unique name and dropped at the end; every test gets it with
  all tables emptied. Skipped only when no server answers.
- ``fresh_postgres_url``: a brand-new empty database for this test alone.
- ``store_url``: both of the above, ids "sqlite" and "postgres"; ``store`` opens it.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

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
        name = f"steward_test_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture
def postgres_url(_pg_session_database: str) -> str:
    """The session's test database, every table emptied (the schema, once created, stays)."""
    import psycopg

    with psycopg.connect(_pg_session_database, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if row[0] not in KEEP_TABLES
        ]
        if tables:
            quoted = ", ".join(f'"{table}"' for table in tables)
            conn.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
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
