"""Incremental audit verification from a checkpoint, and the streaming export, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError
from steward.services.audit import AuditService
from steward.store import SqlStore

from .builders import day


def append(store: SqlStore, start: int, count: int) -> None:
    with store.write() as tx:
        for i in range(start, start + count):
            tx.audit.append(AuditEvent("alias.set", "alias", f"churn@a{i}", "alice", day(i), after={"v": i}))


@pytest.fixture
def chained(store: SqlStore) -> Iterator[SqlStore]:
    """Six events, #1 … #6."""
    append(store, 0, 6)
    yield store


def sql(store: SqlStore, statement: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement))


def test_a_checkpoint_verifies_only_what_came_after_it(chained: SqlStore) -> None:
    audit = AuditService(chained)
    full = audit.verify()
    assert (full.ok, full.checked, full.last_seq) == (True, 6, 6) and len(full.last_hash) == 64
    append(chained, 6, 3)
    later = audit.verify(from_seq=full.last_seq, expected_hash=full.last_hash)
    assert (later.ok, later.checked, later.last_seq, later.from_seq) == (True, 3, 9, 6)
    assert "3 events verified after checkpoint #6" in later.message
    assert audit.verify(from_seq=9, expected_hash=later.last_hash).checked == 0  # nothing new: still intact
    assert later.last_hash == audit.verify().last_hash


def test_tampering_after_the_checkpoint_is_found_and_before_it_only_by_a_full_verify(
    chained: SqlStore,
) -> None:
    audit = AuditService(chained)
    four = hash_of(chained, 4)
    assert audit.verify(from_seq=4, expected_hash=four).checked == 2
    sql(chained, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 5")
    broken = audit.verify(from_seq=4, expected_hash=four)
    assert (broken.ok, broken.first_bad_seq) == (False, 5) and "edited" in broken.message
    sql(chained, "UPDATE audit_events SET actor = 'alice' WHERE seq = 5")
    sql(chained, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    assert audit.verify(from_seq=4, expected_hash=four).ok  # the checkpoint vouches for what came before
    assert (audit.verify().ok, audit.verify().first_bad_seq) == (False, 2)


def hash_of(store: SqlStore, seq: int) -> str:
    with store.read() as tx:
        found = tx.audit.scan(seq - 1, 1)[0].hash
    assert found is not None
    return found


def test_a_changed_or_missing_checkpoint_event_is_detected(chained: SqlStore) -> None:
    audit = AuditService(chained)
    good = audit.verify(from_seq=3)
    wrong = audit.verify(from_seq=3, expected_hash=hash_of(chained, 4))
    assert (wrong.ok, wrong.first_bad_seq) == (False, 3) and "rewritten" in wrong.message
    sql(chained, "UPDATE audit_events SET reason = 'x' WHERE seq = 3")
    edited = audit.verify(from_seq=3)
    assert (edited.ok, edited.first_bad_seq) == (False, 3) and "edited" in edited.message
    sql(chained, "DELETE FROM audit_events WHERE seq = 3")
    missing = audit.verify(from_seq=3)
    assert (missing.ok, missing.first_bad_seq) == (False, 3) and "missing" in missing.message
    sql(chained, "DELETE FROM audit_events WHERE seq = 6")
    assert not audit.verify(from_seq=4).ok  # the tail no longer reaches the head
    assert good.ok


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"from_seq": 0}, "event number from 1"),
        ({"from_seq": True}, "event number from 1"),
        ({"expected_hash": "a" * 64}, "needs its event number"),
        ({"from_seq": 2, "expected_hash": "XYZ"}, "64 lower-case hex"),
    ],
)
def test_bad_checkpoints_are_refused(chained: SqlStore, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        AuditService(chained).verify(**kwargs)  # type: ignore[arg-type]


def test_the_export_checks_its_input_at_once_and_streams_every_event(chained: SqlStore) -> None:
    audit = AuditService(chained)
    with pytest.raises(InvalidInputError, match="before --until"):
        audit.export(since=day(3), until=day(2))  # raised on the call, before any streaming
    append(chained, 6, 2500)  # more than two batches
    events = audit.export(since=day(2))
    assert not isinstance(events, list)
    seqs = [e.seq for e in events]
    assert seqs == list(range(3, 2507))
