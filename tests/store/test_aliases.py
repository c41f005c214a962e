"""Contract: aliases, their history and point-in-time lookups."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.search import parse_order_by
from steward.store import SqlStore

from .builders import T0, create, day, draft, register


@pytest.fixture
def churn(store: SqlStore) -> SqlStore:
    """A store with model ``churn``, versions 1-3."""
    with store.write() as tx:
        create(tx, "churn")
        for i in range(3):
            register(tx, draft("churn", i))
    return store


def test_set_move_and_delete(churn: SqlStore) -> None:
    with churn.write() as tx:
        first = tx.models.set_alias("churn", "champion", 1, actor="alice", at=day(1), reason="first")
        moved = tx.models.set_alias("churn", "champion", 2, actor="bob", at=day(2), reason="better")
        assert tx.models.get_alias("churn", "champion") == 2
        gone = tx.models.set_alias("churn", "champion", None, actor="carol", at=day(3), reason="retired")
        assert tx.models.get_alias("churn", "champion") is None
    assert (first.version, first.previous_version, first.actor, first.at) == (1, None, "alice", day(1))
    assert (moved.version, moved.previous_version, moved.reason) == (2, 1, "better")
    assert (gone.version, gone.previous_version, gone.model, gone.alias) == (None, 2, "churn", "champion")
    assert first.seq < moved.seq < gone.seq


def test_alias_errors(churn: SqlStore) -> None:
    with churn.write() as tx:
        with pytest.raises(NotFoundError, match=r"^Model 'churn' has no alias 'champion'\.$"):
            tx.models.set_alias("churn", "champion", None, actor="a", at=T0, reason="")
        with pytest.raises(NotFoundError, match=r"^Model 'churn' has no version 7 \(latest is 3\)\.$"):
            tx.models.set_alias("churn", "champion", 7, actor="a", at=T0, reason="")
        with pytest.raises(NotFoundError, match="No model named 'nope'"):
            tx.models.set_alias("nope", "champion", 1, actor="a", at=T0, reason="")
        with pytest.raises(InvalidInputError, match="reserved"):
            tx.models.set_alias("churn", "latest", 1, actor="a", at=T0, reason="")
        with pytest.raises(NotFoundError, match="No model named 'nope'"):
            tx.models.alias_history("nope", None)
        assert tx.models.alias_history("churn", None) == []


def test_history_oldest_first_and_per_alias(churn: SqlStore) -> None:
    with churn.write() as tx:
        tx.models.set_alias("churn", "champion", 1, actor="a", at=day(1), reason="")
        tx.models.set_alias("churn", "challenger", 2, actor="a", at=day(2), reason="")
        tx.models.set_alias("churn", "champion", 2, actor="a", at=day(3), reason="")
        tx.models.set_alias("churn", "challenger", 3, actor="a", at=day(4), reason="")
    with churn.read() as tx:
        everything = tx.models.alias_history("churn", None)
        champion = tx.models.alias_history("churn", "champion")
    assert [(e.alias, e.version, e.previous_version) for e in everything] == [
        ("champion", 1, None),
        ("challenger", 2, None),
        ("champion", 2, 1),
        ("challenger", 3, 2),
    ]
    assert [(e.version, e.at) for e in champion] == [(1, day(1)), (2, day(3))]


def test_alias_at_an_instant(churn: SqlStore) -> None:
    with churn.write() as tx:
        tx.models.set_alias("churn", "champion", 1, actor="a", at=day(1), reason="")
        tx.models.set_alias("churn", "champion", 2, actor="a", at=day(2), reason="")
        tx.models.set_alias("churn", "champion", 3, actor="a", at=day(2), reason="same instant, later seq")
        tx.models.set_alias("churn", "champion", None, actor="a", at=day(3), reason="")
        tx.models.set_alias("churn", "champion", 1, actor="a", at=day(4), reason="")
    with churn.read() as tx:

        def at(when: Any) -> int | None:
            return tx.models.alias_at("churn", "champion", when)

        assert at(day(0.5)) is None
        assert at(day(1)) == 1
        assert at(day(1.5)) == 1
        assert at(day(2)) == 3
        assert at(day(2.5)) == 3
        assert at(day(3.5)) is None
        assert at(day(10)) == 1
        assert tx.models.alias_at("churn", "challenger", day(10)) is None


def test_versions_and_models_carry_their_current_aliases(churn: SqlStore) -> None:
    with churn.write() as tx:
        create(tx, "fraud")
        register(tx, draft("fraud"))
        tx.models.set_alias("churn", "champion", 2, actor="a", at=T0, reason="")
        tx.models.set_alias("churn", "shadow", 2, actor="a", at=T0, reason="")
        tx.models.set_alias("churn", "challenger", 3, actor="a", at=T0, reason="")
        tx.models.set_alias("fraud", "champion", 1, actor="a", at=T0, reason="")
    with churn.read() as tx:
        assert tx.models.get_version("churn", 2).aliases == ("champion", "shadow")
        assert tx.models.get_version("churn", 1).aliases == ()
        assert tx.models.get_model("churn").aliases == {"challenger": 3, "champion": 2, "shadow": 2}
        found = tx.models.search_versions(None, parse_order_by(None), 0, 10)
        models = tx.models.search_models(None, parse_order_by(None, "models"), 0, 10)
    assert {v.ref: v.aliases for v in found} == {
        "churn/1": (),
        "churn/2": ("champion", "shadow"),
        "churn/3": ("challenger",),
        "fraud/1": ("champion",),
    }
    assert {m.name: m.aliases for m in models} == {
        "churn": {"challenger": 3, "champion": 2, "shadow": 2},
        "fraud": {"champion": 1},
    }


@contextmanager
def count_statements(store: SqlStore) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)


def test_aliases_are_fetched_in_one_query_not_one_per_result(store: SqlStore) -> None:
    with store.write() as tx:
        for m in range(12):
            create(tx, f"m{m}")
            for i in range(3):
                register(tx, draft(f"m{m}", i))
            tx.models.set_alias(f"m{m}", "champion", 1, actor="a", at=T0, reason="")
    with store.read() as tx, count_statements(store) as statements:
        versions = tx.models.search_versions(None, parse_order_by(None), 0, 100)
        models = tx.models.search_models(None, parse_order_by(None, "models"), 0, 100)
    assert len(versions) == 36
    assert len(models) == 12
    assert sum(v.aliases == ("champion",) for v in versions) == 12
    assert all(m.aliases == {"champion": 1} for m in models)
    # versions: page ids, rows, aliases; models: rows, tags, aliases
    assert len(statements) == 6, statements
