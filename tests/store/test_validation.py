"""Validation runs in the store, on SQLite and PostgreSQL: round trip, order, scoping, JSON rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.validation.results import CheckResult, ValidationRun
from steward.store import SqlStore

from .builders import T0, create, day, draft, register


def run(model: str = "churn", version: int = 1, **fields: object) -> ValidationRun:
    base = ValidationRun(
        id=0,
        model=model,
        version=version,
        created_at=T0,
        created_by="alice",
        data_fingerprint="f" * 64,
        rows=1000,
        target="y",
        task="binary",
        against="churn/1",
        passed=False,
        checks=(
            CheckResult("metric:roc_auc", "metric", "pass", "0.9 is within min 0.8", 0.9, {"min": 0.8}),
            CheckResult(
                "fairness:demographic_parity_ratio[sex]",
                "fairness",
                "fail",
                "0.5 is below the minimum 0.8",
                0.5,
                {"min": 0.8},
                {"groups": [{"group": "f", "count": 10, "selection_rate": None}], "reasons": ["x"]},
            ),
        ),
        metrics={"roc_auc": 0.9, "accuracy": 0.8},
        suite={"task": "binary", "checks": [{"check": "metric", "metric": "roc_auc", "min": 0.8}]},
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.fixture
def seeded(store: SqlStore) -> SqlStore:
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn", 1))
        register(tx, draft("churn", 2))
    return store


def test_round_trip_and_newest_first(seeded: SqlStore) -> None:
    with seeded.write() as tx:
        first = tx.validation.add(run())
        second = tx.validation.add(run(created_at=day(1), passed=True))
        other = tx.validation.add(run(version=2, against=None))
    assert first.id < second.id and first == replace(run(), id=first.id)
    with seeded.read() as tx:
        assert tx.validation.get(first.id) == first
        assert tx.validation.list("churn", 1) == [second, first]
        assert tx.validation.list("churn", 1, limit=1) == [second]
        assert tx.validation.list("churn", 2) == [other]
    assert first.status_of("fairness:demographic_parity_ratio") == "fail"
    assert first.status_of("metric:roc_auc") == "pass" and first.status_of("latency") is None


def test_unknown_things_are_not_found(seeded: SqlStore) -> None:
    with seeded.write() as tx:
        with pytest.raises(NotFoundError, match="has no version 3 \\(latest is 2\\)"):
            tx.validation.add(run(version=3))
        with pytest.raises(NotFoundError, match="No model named 'nope'"):
            tx.validation.list("nope", 1)
        with pytest.raises(NotFoundError, match="No validation run 77"):
            tx.validation.get(77)


def test_non_json_reports_are_refused_and_nothing_is_written(seeded: SqlStore) -> None:
    with pytest.raises(InvalidInputError, match="must be JSON"), seeded.write() as tx:
        tx.validation.add(run(metrics={"roc_auc": float("nan")}))
    with seeded.read() as tx:
        assert tx.validation.list("churn", 1) == []


def test_runs_go_with_their_version(seeded: SqlStore) -> None:
    import sqlalchemy as sa

    from steward.store.schema import model_versions, validation_runs

    with seeded.write() as tx:
        tx.validation.add(run())
    with seeded.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        conn.execute(sa.delete(model_versions).where(model_versions.c.version == 1))
        assert conn.execute(sa.select(sa.func.count()).select_from(validation_runs)).scalar_one() == 0
