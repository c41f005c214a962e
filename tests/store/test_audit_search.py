"""Contract: the audit log's search for the console, newest first, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError
from steward.store import SqlStore

from .builders import day


@pytest.fixture
def log(store: SqlStore) -> SqlStore:
    events = [
        ("model.create", "churn", "alice"),
        ("version.register", "churn/1", "alice"),
        ("alias.set", "churn@champion", "olga"),
        ("approval.request", "churn/1", "alice"),
        ("approval.approve", "churn/1", "bob"),
        ("model.create", "churn-api", "olga"),  # a lookalike of churn, not about it
        ("model.create", "Churn", "olga"),  # another model: names are case-sensitive
        ("approvals", "x%_", "bob"),  # wildcards are plain characters
    ]
    with store.write() as tx:
        for i, (action, target, actor) in enumerate(events):
            tx.audit.append(AuditEvent(action, "model", target, actor, day(i)))
    return store


def search(store: SqlStore, **filters: object) -> list[int]:
    with store.read() as tx:
        return [e.seq or 0 for e in tx.audit.search(**filters)]  # type: ignore[arg-type]


def test_newest_first_with_offset_and_limit(log: SqlStore) -> None:
    assert search(log) == [8, 7, 6, 5, 4, 3, 2, 1]
    assert search(log, offset=2, limit=3) == [6, 5, 4]
    assert search(log, offset=8) == []


def test_about_a_model_takes_its_versions_and_aliases_only(log: SqlStore) -> None:
    assert search(log, about="churn") == [5, 4, 3, 2, 1]
    assert search(log, about="churn/1") == [5, 4, 2]
    assert search(log, about="Churn") == [7]
    assert search(log, about="x%") == [] and search(log, about="x%_") == [8]


def test_action_takes_its_family_and_actor_is_exact(log: SqlStore) -> None:
    assert search(log, action="approval") == [5, 4]  # not "approvals"
    assert search(log, action="approvals") == [8]
    assert search(log, action="model.create", actor="olga") == [7, 6]
    assert search(log, actor="ALICE") == []


def test_time_range_and_event_number(log: SqlStore) -> None:
    assert search(log, since=day(2), until=day(5)) == [5, 4, 3]
    assert search(log, upto_seq=3) == [3, 2, 1]
    assert search(log, upto_seq=6, about="churn", offset=1, limit=2) == [4, 3]


def test_bad_paging_is_refused(log: SqlStore) -> None:
    with pytest.raises(InvalidInputError):
        search(log, offset=-1)
    with pytest.raises(InvalidInputError):
        search(log, actor="a\x00")
