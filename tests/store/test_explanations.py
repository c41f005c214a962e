"""Stored explanations on SQLite and PostgreSQL: one per version, data fingerprint and request."""

from __future__ import annotations

import pytest

from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.core.explain import ExplainRequest, Explanation
from steward.store import SqlStore

from .builders import T0, create, day, draft, register

FINGERPRINT = "f" * 64


def explanation(request: ExplainRequest, version: int = 1, **fields: object) -> Explanation:
    values: dict[str, object] = {
        "model": "churn",
        "version": version,
        "kind": request.kind,
        "data_fingerprint": FINGERPRINT,
        "request": request,
        "result": {"kind": request.kind, "features": ["a"], "importance": [0.5]},
        "created_by": "alice",
        "created_at": T0,
    }
    values.update(fields)
    return Explanation(**values)  # type: ignore[arg-type]


@pytest.fixture
def seeded(store: SqlStore) -> SqlStore:
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn", 1))
        register(tx, draft("churn", 2))
    return store


def test_insert_find_get_list(seeded: SqlStore) -> None:
    global_request, local_request = ExplainRequest("global", target="y"), ExplainRequest("local", row=3)
    with seeded.write() as tx:
        first = tx.explanations.insert(explanation(global_request))
        second = tx.explanations.insert(explanation(local_request, created_at=day(1)))
    assert first.id is not None and second.id is not None and second.id > first.id
    with seeded.read() as tx:
        found = tx.explanations.find("churn", 1, FINGERPRINT, global_request.key())
        assert found == first and found.created_at == T0 and found.request == global_request
        assert tx.explanations.find("churn", 1, "0" * 64, global_request.key()) is None
        assert tx.explanations.find("churn", 2, FINGERPRINT, global_request.key()) is None
        assert tx.explanations.get("churn", 1, second.id) == second
        assert [e.id for e in tx.explanations.list("churn", 1)] == [second.id, first.id]
        assert [e.id for e in tx.explanations.list("churn", 1, "local")] == [second.id]
        assert tx.explanations.list("churn", 2) == []


def test_the_same_request_twice_is_a_conflict(seeded: SqlStore) -> None:
    request = ExplainRequest("global", target="y")
    with seeded.write() as tx:
        tx.explanations.insert(explanation(request))
        with pytest.raises(ConflictError, match="already has this explanation"):
            tx.explanations.insert(explanation(request))
        tx.explanations.insert(explanation(request, version=2))  # another version: fine
    with seeded.read() as tx:
        assert len(tx.explanations.list("churn", 1)) == 1


def test_unknown_targets_and_bad_values(seeded: SqlStore) -> None:
    with seeded.read() as tx:
        with pytest.raises(NotFoundError, match="no explanation 99"):
            tx.explanations.get("churn", 1, 99)
        with pytest.raises(NotFoundError, match="has no version 7"):
            tx.explanations.list("churn", 7)
        with pytest.raises(NotFoundError, match="No model named 'nope'"):
            tx.explanations.list("nope", 1)
    with seeded.write() as tx, pytest.raises(InvalidInputError, match="must be JSON"):
        tx.explanations.insert(explanation(ExplainRequest(), result={"importance": [float("nan")]}))
    with seeded.read() as tx:
        assert tx.explanations.list("churn", 1) == []
