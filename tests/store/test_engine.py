"""URIs, connection settings and transaction modes."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from steward.core.errors import InvalidInputError, MissingDependencyError
from steward.store import SqlStore, open_store
from steward.store.engine import normalise_url


def test_postgres_uris_use_psycopg() -> None:
    for url in ("postgres://u:p@db:5432/steward", "postgresql://u:p@db:5432/steward"):
        parsed = normalise_url(url)
        assert parsed.drivername == "postgresql+psycopg"
        assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == (
            "u",
            "p",
            "db",
            5432,
            "steward",
        )


def test_sqlite_paths_become_absolute_and_their_folder_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    parsed = normalise_url("sqlite:///deep/er/steward.db")
    assert parsed.database == str(tmp_path / "deep" / "er" / "steward.db")
    assert (tmp_path / "deep" / "er").is_dir()
    absolute = normalise_url(f"sqlite:///{tmp_path}/x/y.db")
    assert absolute.database == str(tmp_path / "x" / "y.db")


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "http://example.com", "steward.db", "", "postgresql+psycopg2://u@h/db"],
)
def test_unknown_uris_say_what_is_accepted(url: str) -> None:
    with pytest.raises(InvalidInputError, match=r"sqlite:///.*postgresql://"):
        normalise_url(url)


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x.db?mode=memory&uri=true"]
)
def test_in_memory_sqlite_is_refused_with_a_way_out(url: str) -> None:
    with pytest.raises(InvalidInputError, match=r"in-memory.*use a file, e\.g\. sqlite:///"):
        normalise_url(url)


def test_missing_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"steward-mlops\[postgres\]"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_sqlite_connection_settings(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with store.read() as tx:
            pragma = {
                name: tx.connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
    finally:
        store.close()
    assert pragma == {"journal_mode": "wal", "busy_timeout": 30_000, "foreign_keys": 1, "synchronous": 1}


def test_sqlite_writes_begin_immediate_and_reads_do_not_lock(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    other = sqlite3.connect(sa.make_url(store.url).database or "", timeout=0.05, isolation_level=None)
    try:
        # Nothing is written yet, yet the write lock is held: it was taken at BEGIN.
        with store.write(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        with store.read() as tx:
            tx.models.search_models(None, (), 0, 1)
            other.execute("BEGIN IMMEDIATE")  # a reader does not hold the write lock
            other.execute("ROLLBACK")
    finally:
        other.close()
        store.close()


def test_sqlite_foreign_keys_are_enforced(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with pytest.raises(sa.exc.IntegrityError), store.write() as tx:
            tx.connection.exec_driver_sql(
                "INSERT INTO aliases (model_id, alias, version_id) VALUES (99, 'a', 99)"
            )
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_reads_and_writes_are_read_committed(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        for transaction in (store.read, store.write):
            with transaction() as tx:
                level = tx.connection.exec_driver_sql("SHOW transaction_isolation").scalar()
            assert level == "read committed"
    finally:
        store.close()


def test_repr_hides_the_password() -> None:
    store = SqlStore(sa.create_engine("postgresql+psycopg://u:secret@h/db"))
    assert "secret" not in repr(store)
    assert store.url == "postgresql+psycopg://u:secret@h/db"
    store.close()
