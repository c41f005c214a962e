"""Contract: the append-only audit log."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from steward.core.audit import GENESIS_HASH, AuditEvent
from steward.core.errors import InvalidInputError
from steward.store import SqlStore

from .builders import T0, day


def event(action: str, target: str, at_day: float, **fields: Any) -> AuditEvent:
    return AuditEvent(action, "model", target, "alice", day(at_day), **fields)


@pytest.fixture
def log(store: SqlStore) -> SqlStore:
    with store.write() as tx:
        tx.audit.append(event("model.create", "churn", 0))
        tx.audit.append(event("version.register", "churn/1", 1))
        tx.audit.append(event("alias.set", "churn@champion", 2))
        tx.audit.append(event("version.register", "churn/2", 3))
        tx.audit.append(event("model.create", "fraud", 4))
    return store


def test_append_assigns_increasing_seq_and_round_trips(store: SqlStore) -> None:
    first = AuditEvent(
        "alias.set",
        "alias",
        "churn@champion",
        "bob",
        T0,
        before={"version": 1},
        after={"version": 2, "nested": {"list": [1, "two", None, True, 2.5]}},
        reason="better AUC",
        details={"request_id": "r-1", "policy": ["p1", "p2"]},
    )
    with store.write() as tx:
        stored = tx.audit.append(first)
        second = tx.audit.append(AuditEvent("model.create", "model", "fraud", "carol", day(1)))
    assert stored.seq is not None and second.seq is not None
    assert second.seq > stored.seq
    assert stored == dataclasses.replace(first, seq=stored.seq, prev_hash=GENESIS_HASH, hash=stored.hash)
    assert second.prev_hash == stored.hash and second.hash is not None
    assert (second.before, second.after, second.details, second.reason) == (None, None, {}, "")
    with store.read() as tx:
        assert tx.audit.list() == [stored, second]


def test_list_filters(log: SqlStore) -> None:
    with log.read() as tx:

        def targets(**filters: Any) -> list[str]:
            return [e.target for e in tx.audit.list(**filters)]

        assert targets() == ["churn", "churn/1", "churn@champion", "churn/2", "fraud"]
        assert targets(target="churn/1") == ["churn/1"]
        assert targets(action="version.register") == ["churn/1", "churn/2"]
        assert targets(action="model.create", target="fraud") == ["fraud"]
        assert targets(since=day(2)) == ["churn@champion", "churn/2", "fraud"]
        assert targets(until=day(2)) == ["churn", "churn/1"]
        assert targets(since=day(1), until=day(3)) == ["churn/1", "churn@champion"]
        assert targets(offset=1, limit=2) == ["churn/1", "churn@champion"]
        assert targets(offset=5) == []
        assert targets(target="nope") == []
        seqs = [e.seq for e in tx.audit.list()]
        assert seqs == sorted(seqs)


def test_list_is_ordered_by_seq_not_time(store: SqlStore) -> None:
    with store.write() as tx:
        tx.audit.append(event("a.late", "x", 5))
        tx.audit.append(event("a.early", "x", 1))
    with store.read() as tx:
        assert [e.action for e in tx.audit.list()] == ["a.late", "a.early"]


def test_bad_events_are_refused(store: SqlStore) -> None:
    with store.write() as tx:
        stored = tx.audit.append(event("model.create", "churn", 0))
        with pytest.raises(InvalidInputError, match="already in the log"):
            tx.audit.append(stored)
        with pytest.raises(InvalidInputError, match="must be JSON"):
            tx.audit.append(event("x", "y", 0, after={"when": T0}))
        with pytest.raises(InvalidInputError, match="must be JSON"):
            tx.audit.append(event("x", "y", 0, details={"nan": float("nan")}))
        with pytest.raises(InvalidInputError, match="NUL"):
            tx.audit.append(event("x", "y", 0, reason="a\x00"))
        with pytest.raises(InvalidInputError, match="limit"):
            tx.audit.list(limit=-1)
        with pytest.raises(InvalidInputError, match="NUL"):
            tx.audit.list(target="a\x00")
