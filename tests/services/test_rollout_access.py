"""With auth on: starting, aborting and asking for a tick need the deploy permission (and the alias
permission when the plan moves one); reading is open; the controller's ticks act for the starter
even after their grant is gone, so a rollback never waits for a permission."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.app import Steward
from steward.core.errors import PermissionDeniedError
from steward.core.rollout import Guardrails, RolloutPlan
from steward.serving.payload_log import PayloadLog, PayloadRecord
from steward.settings import Settings

NAME = "churn-api"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Steward]:
    x = pd.DataFrame({"a": np.arange(10.0)})
    model = LogisticRegression().fit(x, (x["a"] > 4).astype(int))
    uri = f"sqlite:///{tmp_path / 'steward.db'}"
    home = {"STEWARD_HOME": str(tmp_path / "home")}
    with Client(settings=Settings.resolve(uri, actor="carl", env=home)) as client:  # before auth is on
        for _ in range(2):
            client.register(model, "churn", input_example=x.head(3), capture_code=False)
        client.create_deployment(NAME, "churn/1")
    with Steward.open(Settings.resolve(uri, auth="on", env=home)) as steward:
        steward.identities.create_user("root", actor="bootstrap", role="admin")
        steward.identities.create_user("vic", actor="root", role="viewer")
        steward.identities.create_user("otto", actor="root", role="operator")
        steward.identities.create_user("mona", actor="root")
        steward.identities.grant("mona", "operator", actor="root", model="fraud")
        yield steward


def plan(**kw: object) -> RolloutPlan:
    return RolloutPlan(NAME, "churn/2", steps=(50.0,), step_seconds=0.0, min_requests=1, **kw)  # type: ignore[arg-type]


def audit_count(app: Steward) -> int:
    with app.store.read() as tx:
        return len(tx.audit.list(limit=10_000))


def test_start_abort_and_tick_need_the_deploy_permission(app: Steward) -> None:
    before = audit_count(app)
    for who in ("vic", "mona"):  # a viewer; an operator of another model
        with pytest.raises(PermissionDeniedError, match=who):
            app.rollouts.start(plan(), actor=who)
    with pytest.raises(PermissionDeniedError, match="vic"):
        app.rollouts.tick(actor="vic")
    assert app.rollouts.tick(actor="mona") == []  # deploys somewhere: may ask for a pass
    assert audit_count(app) == before and app.rollouts.list() == []
    started = app.rollouts.start(plan(), actor="otto")
    with pytest.raises(PermissionDeniedError, match="vic"):
        app.rollouts.abort(NAME, actor="vic")
    assert app.rollouts.status(NAME).rollout == started  # reading is open
    assert app.rollouts.abort(NAME, actor="otto").state == "aborted"


def test_a_plan_that_moves_an_alias_needs_the_alias_permission(app: Steward) -> None:
    app.identities.create_user("dora", actor="root")
    app.identities.grant("dora", "operator", actor="root", model="churn")
    assert app.rollouts.start(plan(alias="champion"), actor="dora").running
    app.rollouts.abort(NAME, actor="dora")
    with pytest.raises(PermissionDeniedError, match="vic"):
        app.rollouts.start(plan(alias="champion"), actor="vic")


def test_the_controller_rolls_back_even_after_the_starter_lost_their_grant(
    app: Steward, tmp_path: Path
) -> None:
    started = app.rollouts.start(plan(guardrails=Guardrails(max_error_rate=0.0)), actor="otto")
    app.identities.revoke("otto", "operator", actor="root")
    log = PayloadLog(tmp_path / "home" / "payloads", flush_seconds=3600)
    log.start()
    log.submit(
        PayloadRecord("r1", started.started_at.timestamp() + 0.001, NAME, "churn/2", "v2", 500, 1.0, 0)
    )
    log.close()
    (rolled,) = app.rollouts.tick()
    assert rolled.state == "rolled_back" and "error rate 100.00%" in rolled.reason
    assert [r.ref for r in app.deployments.get(NAME).spec.routes] == ["churn/1"]
