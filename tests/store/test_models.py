"""Contract: models and versions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.core.lineage import DatasetRef, Lineage
from steward.core.registry import VersionDraft
from steward.core.signature import ColumnSpec, Signature
from steward.store import SqlStore

from .builders import T0, create, day, digest, draft, register


def test_create_and_get_model(store: SqlStore) -> None:
    with store.write() as tx:
        made = tx.models.create_model(
            "churn",
            description="Predicts churn",
            owner="risk-team",
            tags={"team": "risk", "tier": "1"},
            at=T0,
        )
    with store.read() as tx:
        got = tx.models.get_model("churn")
    assert got == made
    assert (got.name, got.description, got.owner) == ("churn", "Predicts churn", "risk-team")
    assert got.tags == {"team": "risk", "tier": "1"}
    assert got.latest_version == 0
    assert got.aliases == {}
    assert got.created_at == got.updated_at == T0


def test_duplicate_model_is_a_conflict_and_the_transaction_goes_on(store: SqlStore) -> None:
    with store.write() as tx:
        create(tx, "churn")
    with store.write() as tx:
        with pytest.raises(ConflictError, match=r"^Model 'churn' already exists\.$"):
            create(tx, "churn")
        create(tx, "fraud")  # still usable after the conflict, on PostgreSQL too
    with store.read() as tx:
        assert tx.models.get_model("fraud").name == "fraud"


def test_unknown_model(store: SqlStore) -> None:
    with store.read() as tx:
        with pytest.raises(NotFoundError, match=r"^No model named 'churn'\.$"):
            tx.models.get_model("churn")
        with pytest.raises(NotFoundError, match=r"^No model named 'churn'\.$"):
            tx.models.get_version("churn", 1)
    with store.write() as tx, pytest.raises(NotFoundError, match="No model named 'churn'"):
        tx.models.allocate_version("churn", T0)


@pytest.mark.parametrize("name", ["a\x00b", "no such/name", "", "x" * 500])
def test_names_that_cannot_exist_are_simply_not_found(store: SqlStore, name: str) -> None:
    with store.read() as tx:
        with pytest.raises(NotFoundError, match="No model named"):
            tx.models.get_model(name)
        with pytest.raises(NotFoundError, match="No model named"):
            tx.models.get_version(name, 1)
        with pytest.raises(NotFoundError, match="No model named"):
            tx.models.alias_history(name, None)


def test_invalid_model_input_is_refused(store: SqlStore) -> None:
    with store.write() as tx:
        with pytest.raises(InvalidInputError, match="Invalid model name"):
            create(tx, "bad name!")
        with pytest.raises(InvalidInputError, match="NUL"):
            create(tx, "churn", description="a\x00b")
        with pytest.raises(InvalidInputError, match="Invalid tag key"):
            create(tx, "churn", tags={"bad key": "x"})


def test_update_model(store: SqlStore) -> None:
    with store.write() as tx:
        create(tx, "churn", description="old", tags={"a": "1", "b": "2"})
    with store.write() as tx:
        updated = tx.models.update_model("churn", description="new", tags=None, at=day(1))
    assert (updated.description, updated.tags, updated.updated_at) == ("new", {"a": "1", "b": "2"}, day(1))
    with store.write() as tx:
        updated = tx.models.update_model("churn", description=None, tags={"c": "3"}, at=day(2))
    assert (updated.description, updated.tags) == ("new", {"c": "3"})
    with store.read() as tx:
        got = tx.models.get_model("churn")
    assert got == updated
    assert got.created_at == T0
    assert got.updated_at == day(2)
    with store.write() as tx, pytest.raises(NotFoundError, match="No model named 'nope'"):
        tx.models.update_model("nope", description="x", tags=None, at=T0)


def test_version_round_trips_every_field(store: SqlStore) -> None:
    signature = Signature(
        inputs=(ColumnSpec("age", "int64"), ColumnSpec("city", "string", optional=True)),
        outputs=(ColumnSpec("p", "float32", shape=(-1, 2)),),
    )
    lineage = Lineage(
        datasets=(
            DatasetRef("train", "training", "f" * 64, 1000, ({"name": "age", "type": "int64"},), "s3://b/t"),
            DatasetRef("holdout", "evaluation", "e" * 64, 200),
        ),
        code_commit="abc123",
        code_repo="git@example.com:ml/churn.git",
        code_dirty=False,
        python_version="3.11.7",
        packages={"scikit-learn": "1.4.2"},
        parent="churn/1",
        source="run-42",
    )
    new = VersionDraft(
        model="churn",
        artifact_digest=digest(7),
        flavor="sklearn",
        signature=signature,
        metrics={"auc": 0.91, "loss": -1.5e-300, "big": float("inf")},
        params={"max_depth": "5", "lr": "0.1"},
        tags={"stage": "dev", "note": 'it\'s "quoted" ünïcode'},
        description="first try",
        lineage=lineage,
        flavor_options={"format": "skops", "nested": {"list": [1, 2.5, None, True]}},
    )
    with store.write() as tx:
        create(tx, "churn")
        made = register(tx, new, by="bob", at=day(1))
    with store.read() as tx:
        got = tx.models.get_version("churn", 1)
    assert got == made
    assert got.ref == "churn/1"
    assert got.signature == signature
    assert got.lineage == lineage
    assert got.metrics == {"auc": 0.91, "loss": -1.5e-300, "big": float("inf")}
    assert got.params == {"max_depth": "5", "lr": "0.1"}
    assert got.tags == new.tags
    assert got.flavor_options == new.flavor_options
    assert (got.artifact_digest, got.flavor, got.description) == (digest(7), "sklearn", "first try")
    assert (got.created_by, got.created_at, got.aliases) == ("bob", day(1), ())


def test_versions_count_up_and_update_the_model(store: SqlStore) -> None:
    with store.write() as tx:
        create(tx, "churn")
        numbers = [register(tx, draft("churn", i), at=day(i)).version for i in range(1, 4)]
    assert numbers == [1, 2, 3]
    with store.read() as tx:
        model = tx.models.get_model("churn")
    assert (model.latest_version, model.updated_at, model.created_at) == (3, day(3), T0)


def test_unknown_version_names_the_latest(store: SqlStore) -> None:
    with store.write() as tx:
        create(tx, "churn")
        create(tx, "empty")
        for i in range(5):
            register(tx, draft("churn", i))
    with store.read() as tx:
        with pytest.raises(NotFoundError, match=r"^Model 'churn' has no version 7 \(latest is 5\)\.$"):
            tx.models.get_version("churn", 7)
        with pytest.raises(NotFoundError, match=r"has no version 1 \(it has no versions yet\)"):
            tx.models.get_version("empty", 1)
        with pytest.raises(InvalidInputError, match="whole numbers"):
            tx.models.get_version("churn", 0)


def test_version_numbers_are_taken_not_invented(store: SqlStore) -> None:
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn"))
        with pytest.raises(ConflictError, match="was not allocated"):
            tx.models.insert_version(draft("churn"), version=2, created_by="a", at=T0)
        with pytest.raises(ConflictError, match="already has version 1"):
            tx.models.insert_version(draft("churn"), version=1, created_by="a", at=T0)
        assert register(tx, draft("churn")).version == 2  # the transaction is still usable


def test_invalid_version_input_is_refused(store: SqlStore) -> None:
    with store.write() as tx:
        create(tx, "churn")
        n = tx.models.allocate_version("churn", T0)
        bad = [
            (draft("churn", metrics={"auc": float("nan")}), "NaN"),
            (VersionDraft("churn", "not-a-digest", "sklearn"), "artifact digest"),
            (draft("churn", tags={"k": "a\x00b"}), "NUL"),
            (draft("churn", flavor_options={"x": float("nan")}), "must be JSON"),
            (draft("churn", flavor_options={"x": object()}), "must be JSON"),
        ]
        for value, message in bad:
            with pytest.raises(InvalidInputError, match=message):
                tx.models.insert_version(value, version=n, created_by="a", at=T0)


def test_times_are_utc_aware_with_microseconds(store: SqlStore) -> None:
    plus_two = timezone(timedelta(hours=2))
    local = datetime(2026, 3, 1, 14, 30, 15, 654321, tzinfo=plus_two)
    naive = datetime(2026, 3, 2, 8, 0, 0, 1)
    with store.write() as tx:
        create(tx, "churn", at=local)
        made = register(tx, draft("churn"), at=naive)
    with store.read() as tx:
        model = tx.models.get_model("churn")
        version = tx.models.get_version("churn", 1)
    assert model.created_at == datetime(2026, 3, 1, 12, 30, 15, 654321, tzinfo=UTC)
    assert model.created_at.utcoffset() == timedelta(0)
    assert version.created_at == made.created_at == naive.replace(tzinfo=UTC)
    assert version.created_at.tzinfo is not None


def test_a_rolled_back_write_leaves_nothing(store: SqlStore) -> None:
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn"))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.write() as tx:
        create(tx, "fraud")
        register(tx, draft("churn", 2))
        tx.models.set_alias("churn", "champion", 1, actor="a", at=T0, reason="")
        tx.audit.append(AuditEvent("model.create", "model", "fraud", "alice", T0))
        raise Boom
    with store.read() as tx:
        with pytest.raises(NotFoundError):
            tx.models.get_model("fraud")
        with pytest.raises(NotFoundError, match=r"latest is 1"):
            tx.models.get_version("churn", 2)
        assert tx.models.get_model("churn").latest_version == 1
        assert tx.models.get_alias("churn", "champion") is None
        assert tx.models.alias_history("churn", None) == []
        assert tx.audit.list() == []
    with store.write() as tx:
        assert register(tx, draft("churn", 3)).version == 2  # no gap
