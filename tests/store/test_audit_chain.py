"""The audit hash chain: tampering done directly in the database is detected, on both backends."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
import sqlalchemy as sa
from alembic import command

from steward.core.audit import GENESIS_HASH, AuditEvent
from steward.core.errors import IntegrityError
from steward.services.audit import AuditService
from steward.store import SqlStore, migrate, open_store
from steward.store.engine import create_engine, normalise_url

from . import workers
from .builders import day

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def chained(store: SqlStore) -> Iterator[SqlStore]:
    """Six events, #1 … #6."""
    with store.write() as tx:
        for i in range(6):
            tx.audit.append(
                AuditEvent(
                    "alias.set", "alias", f"churn@a{i}", "alice", day(i), {"version": i}, {"version": i + 1}
                )
            )
    yield store


def sql(store: SqlStore, statement: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement))


def verify(store: SqlStore) -> tuple[bool, int | None, str]:
    report = AuditService(store).verify()
    return report.ok, report.first_bad_seq, report.message


def test_an_untouched_chain_verifies(chained: SqlStore) -> None:
    ok, bad, message = verify(chained)
    assert (ok, bad) == (True, None)
    assert "6 events verified" in message
    with chained.read() as tx:
        events = tx.audit.scan(0, 100)
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_an_edited_event_is_named(chained: SqlStore) -> None:
    sql(chained, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    ok, bad, message = verify(chained)
    assert (ok, bad) == (False, 3)
    assert "edited" in message


def test_an_edited_json_value_is_named(chained: SqlStore) -> None:
    with chained.engine.begin() as conn:
        from steward.store.schema import audit_events as ae

        conn.execute(sa.update(ae).where(ae.c.seq == 4).values(after={"version": 99}))
    assert verify(chained)[:2] == (False, 4)


def test_an_edit_that_also_rewrites_the_hash_breaks_the_next_link(chained: SqlStore) -> None:
    sql(chained, "UPDATE audit_events SET reason = 'x', hash = 'f' || substr(hash, 2) WHERE seq = 2")
    ok, bad, _ = verify(chained)
    assert (ok, bad) == (False, 2)  # its own hash no longer matches its content


def test_a_deleted_event_is_named_by_the_one_after_it(chained: SqlStore) -> None:
    sql(chained, "DELETE FROM audit_events WHERE seq = 4")
    ok, bad, message = verify(chained)
    assert (ok, bad) == (False, 5)
    assert "does not link to event #3" in message


def test_a_deleted_first_event_is_detected(chained: SqlStore) -> None:
    sql(chained, "DELETE FROM audit_events WHERE seq = 1")
    assert verify(chained)[:2] == (False, 2)


def test_a_deleted_last_event_is_detected(chained: SqlStore) -> None:
    sql(chained, "DELETE FROM audit_events WHERE seq = 6")
    ok, _, message = verify(chained)
    assert not ok
    assert "ends at #5" in message and "#6" in message


def test_an_inserted_event_is_named(chained: SqlStore) -> None:
    with chained.read() as tx:
        third = tx.audit.scan(2, 1)[0]
    sql(
        chained,
        "INSERT INTO audit_events (seq, at, actor, action, target_type, target, before, after, reason, "
        "details, prev_hash, hash) VALUES (100, '2026-01-01 00:00:00', 'mallory', 'alias.set', 'alias', "
        f"'churn@x', NULL, NULL, '', '{{}}', '{third.hash}', '{third.hash}')",
    )
    sql(chained, "UPDATE audit_events SET seq = 35 WHERE seq = 100")  # slot it between #3 and #4
    ok, bad, _ = verify(chained)
    assert (ok, bad) == (False, 35)


def test_swapped_events_are_named(chained: SqlStore) -> None:
    sql(chained, "UPDATE audit_events SET seq = 1000 WHERE seq = 2")
    sql(chained, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
    sql(chained, "UPDATE audit_events SET seq = 3 WHERE seq = 1000")
    ok, bad, _ = verify(chained)
    assert (ok, bad) == (False, 2)


def test_a_missing_chain_head_is_detected_and_blocks_new_links(chained: SqlStore) -> None:
    sql(chained, "DELETE FROM audit_chain")
    ok, _, message = verify(chained)
    assert not ok and "missing" in message
    with pytest.raises(IntegrityError, match="steward audit verify"), chained.write() as tx:
        tx.audit.append(AuditEvent("model.create", "model", "x", "alice", day(9)))


def test_a_rolled_back_append_leaves_the_chain_intact(chained: SqlStore) -> None:
    with pytest.raises(RuntimeError), chained.write() as tx:
        tx.audit.append(AuditEvent("model.create", "model", "x", "alice", day(9)))
        raise RuntimeError("abort")
    with chained.write() as tx:
        added = tx.audit.append(AuditEvent("model.create", "model", "y", "alice", day(9)))
    assert added.seq == 7
    assert verify(chained)[0]


def test_the_migration_chains_events_written_before_governance(fresh_url: str) -> None:
    engine = create_engine(normalise_url(fresh_url))
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0002")
            for i in range(3):
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_events (at, actor, action, target_type, target, before, "
                        "after, reason, details) VALUES (:at, 'old', 'model.create', 'model', :t, NULL, "
                        ":after, '', '{}')"
                    ),
                    {"at": day(i), "t": f"m{i}", "after": '{"n": 1.5}'},
                )
    finally:
        engine.dispose()
    store = open_store(fresh_url)
    try:
        assert verify(store)[:2] == (True, None)
        with store.write() as tx:
            added = tx.audit.append(AuditEvent("model.create", "model", "new", "alice", day(5)))
        assert added.seq == 4
        report = AuditService(store).verify()
        assert report.ok and report.checked == 4
    finally:
        store.close()


@pytest.mark.slow
def test_concurrent_writers_in_four_processes_never_fork_the_chain(store_url: str) -> None:
    open_store(store_url).close()
    manager = SPAWN.Manager()
    start = manager.Barrier(4)
    try:
        with ProcessPoolExecutor(4, mp_context=SPAWN) as pool:
            jobs = [pool.submit(workers.append_audit_many, store_url, 40, start, i) for i in range(4)]
            for job in jobs:
                job.result(timeout=300)
    finally:
        manager.shutdown()
    store = open_store(store_url)
    try:
        report = AuditService(store).verify()
        assert report.ok, report.message
        assert report.checked == 160
        with store.read() as tx:
            assert [e.seq for e in tx.audit.scan(0, 1000)] == list(range(1, 161))
    finally:
        store.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def fresh_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "fresh_postgres_url")
    return url
