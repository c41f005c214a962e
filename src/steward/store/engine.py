"""Database URLs and engines: SQLite (embedded, WAL) and PostgreSQL (psycopg 3).

One engine per store. SQLite write transactions start with ``BEGIN IMMEDIATE``
so concurrent writers queue on the busy timeout instead of failing when a read
lock would have to be upgraded; reads use plain (deferred) ``BEGIN``.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from steward.core.errors import ConflictError, InvalidInputError, StewardError, require_extra

#: Execution option that makes a transaction a write transaction.
WRITE_OPTION = "steward_write"
#: How long a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30
SQLITE_MIN = (3, 35, 0)

ACCEPTED = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "postgresql://user:password@host:5432/dbname (or postgres://…)"
)
_SQLITE_SCHEMES = {"sqlite", "sqlite+pysqlite"}
_POSTGRES_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg"}


def normalise_url(url: str) -> URL:
    """Parse a store URI into the SQLAlchemy URL Steward connects with.

    ``postgres://`` and ``postgresql://`` use psycopg 3. A SQLite path is made
    absolute and its folder created. In-memory SQLite is refused: every pooled
    connection would see a different, empty database. Messages never repeat a
    URI that may hold a password.
    """
    if not isinstance(url, str) or "://" not in url:
        raise InvalidInputError(f"Invalid store URI {url!r}: use {ACCEPTED}.")
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in _POSTGRES_SCHEMES:
        url = f"postgresql+psycopg://{rest}"
    elif scheme in _SQLITE_SCHEMES:
        url = f"sqlite://{rest}"
    else:
        raise InvalidInputError(f"Unsupported store URI scheme {scheme!r}: use {ACCEPTED}.")
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        raise InvalidInputError(f"Invalid {scheme} store URI: use {ACCEPTED}.") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:") or parsed.query:
            raise InvalidInputError(
                f"Unsupported SQLite URI {url!r}: in-memory databases and URI options are not "
                "supported; use a file, e.g. sqlite:///steward.db (a temporary folder works for tests)."
            )
        # Absolute, so a later chdir cannot point new pooled connections at another file.
        path = Path(database).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        parsed = parsed.set(database=str(path))
    return parsed


def create_engine(url: URL) -> Engine:
    """An engine for a URL from :func:`normalise_url`, configured for Steward."""
    serializer = functools.partial(json.dumps, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    if url.get_backend_name() == "sqlite":
        if sqlite3.sqlite_version_info < SQLITE_MIN:
            raise StewardError(
                f"Steward needs SQLite {'.'.join(map(str, SQLITE_MIN))} or newer (for RETURNING); this "
                f"Python has {sqlite3.sqlite_version}. Use a newer Python build, or PostgreSQL."
            )
        engine = sa.create_engine(
            url,
            json_serializer=serializer,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        )
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    require_extra("psycopg", "postgres", "PostgreSQL storage")
    return sa.create_engine(
        url,
        json_serializer=serializer,
        isolation_level="READ COMMITTED",
        pool_pre_ping=True,
        connect_args={"application_name": "steward"},
    )


def _sqlite_lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    # Take over BEGIN from the sqlite3 module (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
    # Unicode-aware lower() for ILIKE, as PostgreSQL's ILIKE folds non-ASCII letters.
    dbapi_connection.create_function("steward_lower", 1, _sqlite_lower, deterministic=True)


def _sqlite_on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_unique_violation(error: sa.exc.IntegrityError) -> bool:
    """Whether a driver's integrity error is a UNIQUE / primary key violation."""
    orig: Any = error.orig
    if isinstance(orig, sqlite3.IntegrityError):
        return getattr(orig, "sqlite_errorname", "") in (
            "SQLITE_CONSTRAINT_UNIQUE",
            "SQLITE_CONSTRAINT_PRIMARYKEY",
        )
    return getattr(orig, "sqlstate", None) == "23505"


@contextmanager
def unique_or_conflict(connection: Connection, message: str) -> Iterator[None]:
    """Turn a unique violation inside the block into ConflictError(*message*).

    A savepoint keeps the transaction usable afterwards on PostgreSQL too.
    """
    try:
        with connection.begin_nested():
            yield
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            raise ConflictError(message) from None
        raise
