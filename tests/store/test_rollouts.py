"""The rollouts table on SQLite and PostgreSQL: round trips, and at most one running per deployment
enforced by the database itself (a second running row is refused, a finished one frees the slot)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from steward.core.errors import ConflictError, NotFoundError
from steward.core.rollout import Guardrails, RolloutPlan
from steward.core.rollout_records import Rollout, RolloutEvent
from steward.store import SqlStore

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def rollout(deployment: str = "churn-api", **changes: object) -> Rollout:
    plan = RolloutPlan(
        deployment, "churn/2", guardrails=Guardrails(max_p99_ms=50.0), alias="champion"
    ).checked()
    started = RolloutEvent(T0, "start", 0, 5.0, "why ü", {"challenger": {"requests": 3}})
    made = Rollout(
        0, deployment, plan, "churn@champion", "churn/2", "running", 0, "ann", T0, T0,
        reason="why ü", history=(started,),
    )  # fmt: skip
    return replace(made, **changes)  # type: ignore[arg-type]


def test_a_rollout_round_trips(store: SqlStore) -> None:
    with store.write() as tx:
        made = tx.rollouts.create(rollout())
    assert made.id >= 1 and made == replace(rollout(), id=made.id)
    with store.read() as tx:
        assert tx.rollouts.get(made.id) == made
        assert tx.rollouts.latest("churn-api") == made and tx.rollouts.latest("other") is None
        assert tx.rollouts.running() == [made]
    later = T0 + timedelta(minutes=5)
    with store.write() as tx:
        done = tx.rollouts.update(replace(made, state="promoted", step=3, finished_at=later, reason="ok"))
    assert (done.state, done.finished_at, done.weight) == ("promoted", later, 100.0)
    with store.read() as tx:
        assert tx.rollouts.running() == []
        with pytest.raises(NotFoundError, match="steward rollout list"):
            tx.rollouts.get(made.id + 100)


def test_the_database_allows_one_running_rollout_per_deployment(store: SqlStore) -> None:
    with store.write() as tx:
        first = tx.rollouts.create(rollout())
        tx.rollouts.create(rollout("fraud-api"))  # another deployment: fine
        with pytest.raises(ConflictError, match="already running"):
            tx.rollouts.create(rollout())
        # the transaction goes on after the refusal (a savepoint took the failed insert back)
        tx.rollouts.update(replace(first, state="rolled_back", finished_at=T0))
        second = tx.rollouts.create(rollout())
    with store.read() as tx:
        assert [r.id for r in tx.rollouts.list("churn-api")] == [second.id, first.id]
        assert len(tx.rollouts.list()) == 3 and len(tx.rollouts.list(limit=1)) == 1
