"""Rollouts through ticks on SQLite and PostgreSQL, judged from payload logs written by the
inference server's own writer: step, promote (alias moved or refused), roll back, abort, shadows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.app import Steward
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError, PolicyViolationError
from steward.core.rollout import Guardrails, RolloutPlan
from steward.services.live import LiveTrafficReader
from steward.services.rollout import RolloutService
from steward.serving.payload_log import PayloadLog, PayloadRecord
from steward.settings import Settings

T0 = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
NAME = "churn-api"
GATES = "gates:\n  approvals: {role: reviewer, quorum: 1}\n"
ENV_POLICY = "name: prod\nenvironments: [production]\nmodels: [churn]\n" + GATES
ALIAS_POLICY = "name: champ\naliases: [champion]\nmodels: [churn]\n" + GATES


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    app: Steward
    client: Client
    payloads: Path
    clock: Clock
    rollouts: RolloutService
    written: list[int] = field(default_factory=lambda: [0])

    def traffic(
        self,
        version: str,
        count: int,
        *,
        status: int = 200,
        latency_ms: float = 2.0,
        predict: Sequence[Any] | None = None,
        role: str = "primary",
        ids: Sequence[str] | None = None,
    ) -> list[str]:
        """*count* requests answered by *version* now, in a file of their own; the clock then moves
        on by a second (the readings end at the clock's now, exclusive)."""
        log = PayloadLog(self.payloads, flush_seconds=3600, flush_rows=100_000, max_queue=1_000_000)
        log.start()
        made = []
        try:
            for i in range(count):
                self.written[0] += 1
                request_id = ids[i] if ids is not None else f"q{self.written[0]}"
                made.append(request_id)
                value = predict[i % len(predict)] if predict else 0
                log.submit(
                    PayloadRecord(
                        request_id, self.clock.now.timestamp(), NAME, version, "v2",
                        status, latency_ms, 1, None if role == "shadow" else {"a": np.array([1.0])},
                        {"predict": np.array([value])} if status < 400 else None, role=role,
                    )
                )  # fmt: skip
        finally:
            log.close()
        self.clock.advance(1)
        return made

    def routes(self) -> list[tuple[str, float]]:
        return [(r.ref, r.weight) for r in self.app.deployments.get(NAME).spec.routes]


@pytest.fixture(scope="module")
def model() -> tuple[LogisticRegression, pd.DataFrame]:
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.normal(size=(80, 2)), columns=["a", "b"])
    return LogisticRegression().fit(x, (x["a"] > 0).astype(int)), x


@pytest.fixture
def world(store_url: str, tmp_path: Path, model: tuple[LogisticRegression, pd.DataFrame]) -> Iterator[World]:
    fitted, x = model
    settings = Settings.resolve(
        store_url,
        artifacts=str(tmp_path / "artifacts"),
        actor="alice",
        env={"STEWARD_HOME": str(tmp_path / "home")},
    )
    clock = Clock()
    with Client(settings=settings) as client:
        for _ in range(2):
            client.register(fitted, "churn", input_example=x.head(5), capture_code=False)
        client.set_alias("churn", "champion", 1)
        client.create_deployment(NAME, "churn@champion")
    app = Steward.open(settings)
    app.deployments.clock = clock
    live = LiveTrafficReader(str(tmp_path / "home" / "payloads"), clock=clock)
    service = RolloutService(
        app.store, app.deployments, app.registry, lambda: live, access=app.access, clock=clock
    )
    try:
        with Client(settings=settings) as client:
            yield World(app, client, tmp_path / "home" / "payloads", clock, service)
    finally:
        app.close()


def plan(**kw: Any) -> RolloutPlan:
    defaults: dict[str, Any] = {
        "deployment": NAME,
        "challenger": "churn/2",
        "steps": (10.0, 50.0, 100.0),
        "step_seconds": 60.0,
        "min_requests": 20,
        "guardrails": Guardrails(max_error_rate=0.05, max_p99_ms=100.0),
    }
    return RolloutPlan(**{**defaults, **kw})


def test_start_puts_the_challenger_at_the_first_weight_and_records_it(world: World) -> None:
    rollout = world.rollouts.start(plan(), actor="alice", reason="new features")
    assert (rollout.state, rollout.step, rollout.weight) == ("running", 0, 10.0)
    assert (rollout.champion, rollout.challenger) == ("churn@champion", "churn/2")
    assert world.routes() == [("churn@champion", 90.0), ("churn/2", 10.0)]
    assert world.rollouts.current(NAME) == rollout
    assert [h.kind for h in rollout.history] == ["start"]
    events = world.client.events(types="rollout.*")
    assert [(e.type, e.action, e.subject) for e in events] == [("rollout.started", "rollout.start", NAME)]


def test_a_second_start_and_bad_plans_are_refused_and_write_nothing(world: World) -> None:
    world.rollouts.start(plan(), actor="alice")
    revisions = len(world.app.deployments.history(NAME))
    with pytest.raises(ConflictError, match="still running"):
        world.rollouts.start(plan(steps=(20.0,)), actor="alice")
    with pytest.raises(InvalidInputError, match="increase"):
        world.rollouts.start(plan(steps=(50.0, 10.0)), actor="alice")
    with pytest.raises(InvalidInputError, match="must name a version"):
        world.rollouts.start(plan(challenger="churn"), actor="alice")
    assert len(world.app.deployments.history(NAME)) == revisions
    assert len(world.rollouts.list(NAME)) == 1


def test_start_refuses_the_champion_itself_a_split_deployment_and_an_unknown_version(world: World) -> None:
    with pytest.raises(InvalidInputError, match="already serves"):
        world.rollouts.start(plan(challenger="churn/1"), actor="alice")
    with pytest.raises(NotFoundError):
        world.rollouts.start(plan(challenger="churn/9"), actor="alice")
    with pytest.raises(NotFoundError):
        world.rollouts.start(plan(deployment="nope"), actor="alice")
    world.client.update_deployment(NAME, {"churn/1": 50, "churn/2": 50})
    with pytest.raises(ConflictError, match="splits its traffic"):
        world.rollouts.start(plan(), actor="alice")
    assert world.rollouts.list() == []


def test_a_start_refused_by_the_environment_policy_writes_nothing(world: World) -> None:
    world.client.update_deployment(NAME, "churn@champion", environment="production")
    world.client.publish_policy(ENV_POLICY)
    before = world.app.deployments.get(NAME)
    with pytest.raises(PolicyViolationError):
        world.rollouts.start(plan(), actor="alice")
    assert world.app.deployments.get(NAME) == before
    assert world.rollouts.list() == []


def test_ticks_wait_for_requests_then_step_then_promote_and_move_the_alias(world: World) -> None:
    world.rollouts.start(plan(alias="champion"), actor="alice")
    world.traffic("churn/1", 100)
    world.traffic("churn/2", 5)
    world.clock.advance(61)
    assert world.rollouts.tick() == []  # 5 of 20 requests: wait, even past the step's duration
    assert world.rollouts.status(NAME).verdict is not None
    assert "waiting for requests" in world.rollouts.status(NAME).verdict.reason  # type: ignore[union-attr]
    world.traffic("churn/2", 20)
    (stepped,) = world.rollouts.tick()
    assert (stepped.step, stepped.weight) == (1, 50.0)
    assert world.routes() == [("churn@champion", 50.0), ("churn/2", 50.0)]
    world.clock.advance(30)
    world.traffic("churn/2", 30)
    assert world.rollouts.tick() == []  # guardrails hold, the step is not over
    world.clock.advance(31)
    (stepped,) = world.rollouts.tick()
    assert world.routes() == [("churn/2", 100.0)]
    world.clock.advance(61)
    world.traffic("churn/2", 30)
    (promoted,) = world.rollouts.tick()
    assert promoted.state == "promoted" and promoted.finished_at == world.clock.now
    assert "alias champion -> churn/2" in promoted.reason
    assert world.app.registry.get_version("churn@champion").version == 2
    assert world.routes() == [("churn@champion", 100.0)]
    assert [h.kind for h in promoted.history] == ["start", "step", "step", "promoted"]
    types = [e.action for e in world.client.events(types="rollout.*")]
    assert types == ["rollout.start", "rollout.step", "rollout.step", "rollout.promote"]
    assert world.rollouts.tick() == []


def test_a_breach_rolls_back_at_once_without_waiting_for_the_step(world: World) -> None:
    world.rollouts.start(plan(), actor="alice")
    world.traffic("churn/1", 50)
    world.traffic("churn/2", 18)
    world.traffic("churn/2", 2, status=500)  # 10% > 5%
    world.clock.advance(2)
    (rolled,) = world.rollouts.tick()
    assert rolled.state == "rolled_back" and rolled.weight == 0.0
    assert "error rate 10.00% > 5.00%" in rolled.reason
    assert world.routes() == [("churn@champion", 100.0)]
    assert rolled.history[-1].readings["challenger"]["errors"] == 2
    events = world.client.events(types="rollout.*,deployment.*")
    assert [e.action for e in events][-2:] == ["deployment.rollback", "rollout.rollback"]
    assert events[-1].seq == events[-2].seq + 1  # written together
    # a new rollout may start once it ended
    assert world.rollouts.start(plan(), actor="alice").running


def test_latency_and_prediction_drift_guardrails_roll_back(world: World) -> None:
    world.rollouts.start(plan(guardrails=Guardrails(max_p99_ratio=3.0)), actor="alice")
    world.traffic("churn/1", 40, latency_ms=5.0)
    world.traffic("churn/2", 40, latency_ms=40.0)
    world.clock.advance(2)
    (rolled,) = world.rollouts.tick()
    assert "8.00x the champion's 5.0 ms" in rolled.reason
    world.clock.advance(5)
    drifting = Guardrails(max_drift=0.2, drift_statistic="psi")
    world.rollouts.start(plan(guardrails=drifting), actor="alice")
    world.traffic("churn/1", 40, predict=[0, 1])
    world.traffic("churn/2", 40, predict=[1, 1, 1, 0, 0])
    world.clock.advance(2)
    assert world.rollouts.tick() == []  # a small shift holds
    world.traffic("churn/2", 200, predict=[1])
    (rolled,) = world.rollouts.tick()
    assert rolled.state == "rolled_back" and "prediction drift vs the champion psi" in rolled.reason


def test_the_performance_guardrail_reads_labels_joined_by_request_id(world: World) -> None:
    world.rollouts.start(plan(guardrails=Guardrails(metric="accuracy", min_metric=0.8)), actor="alice")
    world.traffic("churn/1", 30)
    ids = world.traffic("churn/2", 30, predict=[1])
    world.clock.advance(2)
    assert world.rollouts.tick() == []  # no labels yet (not even a monitor): nothing to judge it on
    waiting = world.rollouts.status(NAME)
    assert waiting.challenger is not None and (waiting.challenger.metric, waiting.challenger.labelled) == (
        None,
        0,
    )
    labels = pd.DataFrame({"request_id": ids, "label": [1] * 15 + [0] * 15})
    world.app.monitoring.labels(NAME, labels, actor="alice")
    (rolled,) = world.rollouts.tick()
    assert "accuracy 0.5000 < 0.8 on 30 labels" in rolled.reason


def test_abort_goes_back_to_the_champion_and_needs_a_running_rollout(world: World) -> None:
    with pytest.raises(ConflictError, match="nothing to abort"):
        world.rollouts.abort(NAME, actor="alice")
    world.rollouts.start(plan(), actor="alice")
    aborted = world.rollouts.abort(NAME, actor="bob", reason="pager")
    assert (aborted.state, aborted.reason) == ("aborted", "pager")
    assert world.routes() == [("churn@champion", 100.0)]
    assert world.rollouts.tick() == []
    assert world.rollouts.status(NAME).verdict is None


def test_an_alias_refused_by_policy_leaves_the_challenger_pinned_and_says_why(world: World) -> None:
    world.client.publish_policy(ALIAS_POLICY)
    world.rollouts.start(plan(steps=(100.0,), alias="champion"), actor="alice")
    world.traffic("churn/2", 30)
    world.clock.advance(61)
    (promoted,) = world.rollouts.tick()
    assert promoted.state == "promoted" and "alias champion NOT moved" in promoted.reason
    assert world.app.registry.get_version("churn@champion").version == 1
    assert world.routes() == [("churn/2", 100.0)]


def test_shadow_comparison_joins_shadow_answers_to_primary_ones(world: World) -> None:
    ids = world.traffic("churn/1", 10, predict=[0, 1])
    world.traffic("churn/2", 10, predict=[0, 1, 1, 1, 1], role="shadow", ids=ids)
    world.traffic("churn/2", 1, status=500, role="shadow", ids=["x"])
    (found,) = world.rollouts.compare(NAME, since_seconds=60)
    assert (found.shadow, found.pairs, found.rows, found.shadow_errors) == ("churn/2", 10, 10, 1)
    assert found.agreement == pytest.approx(0.5)  # 0,1,0,1,0,1,… against 0,1,1,1,1,0,1,1,1,1
    assert found.mean_abs_diff == pytest.approx(0.5) and found.max_abs_diff == 1.0
    assert found.drift is not None and found.drift > 0
    with pytest.raises(InvalidInputError):
        world.rollouts.compare(NAME, since_seconds=0)
    with pytest.raises(InvalidInputError, match="psi, js or ks"):
        world.rollouts.compare(NAME, statistic="kl")


def test_shadow_first_judges_the_shadow_answers_then_starts_the_canary(world: World) -> None:
    started = world.rollouts.start(
        plan(shadow_seconds=30.0, guardrails=Guardrails(max_drift=0.5)), actor="alice"
    )
    assert (started.step, started.weight, started.shadowing) == (-1, 0.0, True)
    spec = world.app.deployments.get(NAME).spec
    assert world.routes() == [("churn@champion", 100.0)] and spec.shadows == ("churn/2",)
    ids = world.traffic("churn/1", 30, predict=[0, 1])
    world.traffic("churn/2", 30, predict=[1, 0], role="shadow", ids=ids)
    assert world.rollouts.tick() == []  # the shadow phase lasts 30 s
    status = world.rollouts.status(NAME)
    assert status.challenger is not None and status.challenger.requests == 30  # its shadow answers
    assert status.verdict is not None and "at the shadow phase" in status.verdict.reason
    world.clock.advance(30)
    (canary,) = world.rollouts.tick()
    assert (canary.step, canary.weight) == (0, 10.0)
    assert world.routes() == [("churn@champion", 90.0), ("churn/2", 10.0)]
    assert world.app.deployments.get(NAME).spec.shadows == ()


def test_a_shadow_that_breaks_a_guardrail_is_removed_without_ever_serving(world: World) -> None:
    world.rollouts.start(plan(shadow_seconds=600.0), actor="alice")
    ids = world.traffic("churn/1", 30)
    world.traffic("churn/2", 20, role="shadow", ids=ids[:20])
    world.traffic("churn/2", 10, status=500, role="shadow", ids=ids[20:])
    (rolled,) = world.rollouts.tick()
    assert rolled.state == "rolled_back" and rolled.reason.startswith("guardrail broken at the shadow phase")
    assert world.routes() == [("churn@champion", 100.0)]
    assert world.app.deployments.get(NAME).spec.shadows == ()
