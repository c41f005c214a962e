"""Retraining runs on SQLite and PostgreSQL: triggers, the runner, cancel, failures, concurrency.

The must-hold: a drift alert causes exactly one retraining run (not one per
request or window), and a second alert during that run does not start another
(it is recorded as skipped). Entry points live in ``tests/retrain_entry.py``
and ``tests/retrain_command.py`` and run as real processes.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from steward.app import Steward
from steward.core.alerts import AlertRule
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from steward.core.retrain_runs import RetrainRun
from steward.core.retraining import RetrainConfig
from tests.payloads import write_payloads

from . import retrain_workers
from .conftest import Monitored

SPAWN = multiprocessing.get_context("spawn")
T = datetime(2026, 3, 1, 10, tzinfo=UTC)
H = timedelta(hours=1)


def wait_for(check: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    """Poll until *check* holds; a bound against hanging, not a timing assertion."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def traffic(m: Monitored, at: datetime, shift: float, prefix: str, rows: int = 200) -> None:
    rng = np.random.default_rng(int(at.timestamp()) % 1000)
    frame = pd.DataFrame(rng.normal(size=(rows, 3)), columns=["a", "b", "c"]).assign(
        a=lambda f: f["a"] + shift, b=lambda f: f["b"] + shift
    )
    write_payloads(m.payloads, "churn-api", "churn/1", frame, m.model, at, prefix=prefix)


@pytest.fixture
def data_file(tmp_path: Path, monitored: Monitored) -> str:
    path = tmp_path / "train.parquet"
    monitored.reference.assign(y=monitored.labels).to_parquet(path)
    return str(path)


def configure(m: Monitored, data: str, **changes: object) -> None:
    m.app.registry.set_alias("churn", "champion", 1, actor="alice")
    config = RetrainConfig(model="churn", entry="tests.retrain_entry:fit", data=data, target="y")
    m.app.retraining.configure(replace(config, **changes), actor="alice")  # type: ignore[arg-type]


def aliases(app: Steward) -> dict[str, int]:
    return dict(app.registry.get_model("churn").aliases)


def run_in_thread(app: Steward) -> tuple[threading.Thread, list[RetrainRun | None]]:
    done: list[RetrainRun | None] = []
    thread = threading.Thread(target=lambda: done.append(app.retraining.run_next()), daemon=True)
    thread.start()
    return thread, done


def test_a_drift_alert_causes_exactly_one_run_and_a_second_alert_during_it_none(
    monitored: Monitored, data_file: str, tmp_path: Path
) -> None:
    m = monitored
    gate = tmp_path / "go"
    configure(m, data_file, params={"wait_for": str(gate)})
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.alerts.put_rule(AlertRule("drift", "drift.share", ">=", 0.5, "critical"), actor="alice")

    # many requests in several drifted windows: the alert fires once and stays open
    for i in range(3):
        traffic(m, T + i * H, 3.0, f"w{i}-")
        m.app.monitoring.run("churn-api", actor="alice")
        m.app.retraining.evaluate()
    runs = m.app.retraining.runs("churn")
    assert [(r.trigger, r.state) for r in runs] == [("alert", "queued")]
    assert "drift on churn-api" in runs[0].trigger_detail

    thread, done = run_in_thread(m.app)
    wait_for(lambda: m.app.retraining.get_run(runs[0].id).state == "running", "the run to start")

    # a second alert (another rule) while the run is running: recorded as skipped, nothing queued
    m.app.alerts.put_rule(AlertRule("drift-b", "drift.share", ">=", 0.4), actor="alice")
    traffic(m, T + 3 * H, 3.0, "w3-")
    m.app.monitoring.run("churn-api", actor="alice")
    made = m.app.retraining.evaluate()
    assert [(r.trigger, r.state) for r in made] == [("alert", "skipped")]
    assert f"run {runs[0].id} was running" in made[0].outcome

    gate.write_text("go")
    thread.join(300)
    [finished] = done
    assert finished is not None and finished.state == "succeeded", finished
    assert finished.candidate == "churn/2" and finished.parent == "churn/1"
    assert finished.approval is not None and finished.validation_passed
    assert m.app.retraining.evaluate() == []  # every alert was looked at once
    states = sorted(r.state for r in m.app.retraining.runs("churn"))
    assert states == ["skipped", "succeeded"]
    lineage = m.app.registry.get_version("churn/2")
    assert lineage.lineage.parent == "churn/1" and lineage.tags["steward.retrain.run"] == str(finished.id)
    assert aliases(m.app) == {"champion": 1}  # an approval is requested; nothing moved
    with m.app.store.read() as tx:
        actions = [
            e.action for e in tx.audit.list(target="churn", limit=1000) if e.action.startswith("retrain")
        ]
    assert sorted(actions) == ["retrain.configure", "retrain.finish", "retrain.skip", "retrain.start"]


def test_two_evaluators_racing_start_exactly_one_run(
    monitored: Monitored, data_file: str, store_url: str
) -> None:
    m = monitored
    configure(m, data_file)
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.alerts.put_rule(AlertRule("drift", "drift.share", ">=", 0.5), actor="alice")
    traffic(m, T, 3.0, "a")
    assert m.app.monitoring.run("churn-api", actor="alice").alerts_fired == 1
    others = [Steward.open(m.app.settings) for _ in range(2)]
    try:
        barrier = threading.Barrier(3)
        errors: list[BaseException] = []

        def evaluate(app: Steward) -> None:
            barrier.wait()
            try:
                app.retraining.evaluate()
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=evaluate, args=(a,)) for a in [m.app, *others]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        runs = m.app.retraining.runs("churn")
        assert [(r.trigger, r.state) for r in runs] == [("alert", "queued")]

        # manual starts racing each other (and the queued run): refused by the database, not queued twice
        m.app.retraining.cancel(runs[0].id, actor="alice")
        outcomes: list[str] = []

        def start(app: Steward) -> None:
            barrier.wait()
            try:
                app.retraining.start("churn", actor="alice")
                outcomes.append("queued")
            except ConflictError:
                outcomes.append("conflict")

        threads = [threading.Thread(target=start, args=(a,)) for a in [m.app, *others]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(outcomes) == ["conflict", "conflict", "queued"]
        assert [r.state for r in m.app.retraining.runs("churn") if r.active] == ["queued"]
    finally:
        for app in others:
            app.close()


@pytest.mark.slow
def test_two_control_plane_processes_racing_start_exactly_one_run(
    monitored: Monitored, data_file: str
) -> None:
    m = monitored
    configure(m, data_file)
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.alerts.put_rule(AlertRule("drift", "drift.share", ">=", 0.5), actor="alice")
    traffic(m, T, 3.0, "a")
    assert m.app.monitoring.run("churn-api", actor="alice").alerts_fired == 1
    manager = SPAWN.Manager()
    try:
        start = manager.Barrier(3)
        with ProcessPoolExecutor(3, mp_context=SPAWN) as pool:
            futures = [pool.submit(retrain_workers.evaluate, m.app.settings, start) for _ in range(3)]
            queued = [f.result(timeout=300) for f in futures]
    finally:
        manager.shutdown()
    assert sorted(queued) == [0, 0, 1]
    assert [(r.trigger, r.state) for r in m.app.retraining.runs("churn")] == [("alert", "queued")]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_failing_entry_point_changes_nothing(monitored: Monitored, data_file: str) -> None:
    m = monitored
    configure(m, data_file, params={"fail": True}, after="alias:challenger")
    run = m.app.retraining.start("churn", actor="alice")
    done = m.app.retraining.run_next()
    assert done is not None and done.id == run.id and done.state == "failed"
    assert "exited with code" in done.error and done.candidate is None
    assert "boom from the entry point" in m.app.retraining.logs(run.id)
    assert m.app.registry.get_version("churn/latest").version == 1  # nothing registered
    assert aliases(m.app) == {"champion": 1}
    assert m.app.approvals.list() == []

    # a command that exits non-zero: the same
    m.app.retraining.configure(
        RetrainConfig(
            model="churn",
            entry="python tests/retrain_command.py",
            data=data_file,
            target="y",
            params={"exit_code": 3},
            after="alias:challenger",
        ),
        actor="alice",
    )
    m.app.retraining.start("churn", actor="alice")
    done = m.app.retraining.run_next()
    assert done is not None and done.state == "failed" and "code 3" in done.error
    assert "failing on purpose" in m.app.retraining.logs(done.id)

    # a candidate that fails validation (a constant model vs the champion): registered, marked, not promoted
    configure(m, data_file, params={"dummy": True}, after="alias:challenger")
    m.app.retraining.start("churn", actor="alice")
    done = m.app.retraining.run_next()
    assert done is not None and done.state == "failed" and done.validation_passed is False
    assert done.candidate == "churn/2" and "failed validation" in done.error
    assert aliases(m.app) == {"champion": 1}
    assert m.app.approvals.list() == []


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_command_entry_point_and_an_alias_after(monitored: Monitored, data_file: str) -> None:
    m = monitored
    configure(m, data_file, entry="python tests/retrain_command.py", after="alias:challenger")
    m.app.retraining.start("churn", actor="alice")
    done = m.app.retraining.run_next()
    assert done is not None and done.state == "succeeded", done.error
    assert done.outcome == "Alias challenger set to churn/2." and done.approval is None
    assert aliases(m.app) == {"champion": 1, "challenger": 2}
    assert "run 1 parent churn/1" in m.app.retraining.logs(done.id)
    assert done.progress == 1.0


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_cancel_kills_the_running_process(monitored: Monitored, data_file: str, tmp_path: Path) -> None:
    m = monitored
    pid_file = tmp_path / "pid"
    configure(m, data_file, params={"pid_file": str(pid_file), "sleep": 600})
    run = m.app.retraining.start("churn", actor="alice")
    thread, done = run_in_thread(m.app)
    wait_for(pid_file.exists, "the entry point to start")
    pid = int(pid_file.read_text())
    cancelled = m.app.retraining.cancel(run.id, actor="alice", reason="wrong data")
    assert cancelled.state == "cancelled" and "wrong data" in cancelled.error
    thread.join(120)
    assert not thread.is_alive()
    [finished] = done
    assert finished is not None and finished.state == "cancelled"

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(gone, "the process to die")
    assert m.app.registry.get_version("churn/latest").version == 1
    with pytest.raises(ConflictError, match="already cancelled"):
        m.app.retraining.cancel(run.id, actor="alice")
    queued = m.app.retraining.start("churn", actor="alice")  # the slot is free again
    assert m.app.retraining.cancel(queued.id, actor="alice").state == "cancelled"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_timeout_kills_the_process(monitored: Monitored, data_file: str) -> None:
    m = monitored
    configure(m, data_file, params={"sleep": 600}, timeout_s=2)
    m.app.retraining.start("churn", actor="alice")
    done = m.app.retraining.run_next()
    assert done is not None and done.state == "failed" and "Timed out" in done.error


def test_cron_runs_once_per_due_tick_and_once_for_missed_ticks(monitored: Monitored, data_file: str) -> None:
    m = monitored
    now = [T]
    m.app.retraining.parts.clock = lambda: now[0]
    configure(m, data_file, schedule="0 * * * *", alerts=())
    assert m.app.retraining.get_config("churn").next_due == T + H
    now[0] = T + timedelta(minutes=59)
    assert m.app.retraining.evaluate() == []
    now[0] = T + H
    [run] = m.app.retraining.evaluate()
    assert run.trigger == "schedule" and run.state == "queued"
    assert m.app.retraining.evaluate() == []  # the same tick is not acted on twice
    m.app.retraining.cancel(run.id, actor="alice")
    now[0] = T + 6 * H + timedelta(minutes=30)  # five ticks missed (server down): one run
    made = m.app.retraining.evaluate()
    assert [r.trigger for r in made] == ["schedule"]
    assert m.app.retraining.get_config("churn").next_due == T + 7 * H
    now[0] = T + 7 * H  # due while the previous run is still queued: skipped, visible
    [skipped] = m.app.retraining.evaluate()
    assert skipped.state == "skipped" and skipped.trigger == "schedule"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_performance_drop_once_labels_arrive(monitored: Monitored, data_file: str) -> None:
    m = monitored
    configure(m, data_file, performance="performance.accuracy < 0.8", alerts=())
    assert m.app.retraining.evaluate() == []  # not monitored yet
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    data, truth = m.reference.head(200), m.labels[:200]

    def window(at: datetime, prefix: str, labels: np.ndarray) -> None:
        ids = write_payloads(m.payloads, "churn-api", "churn/1", data, m.model, at, prefix=prefix)
        m.app.monitoring.run("churn-api", actor="alice")
        frame = pd.DataFrame({"request_id": ids, "label": labels})
        m.app.monitoring.labels("churn-api", frame, actor="alice")

    window(T, "a", truth)  # the model is right: accuracy high
    assert m.app.retraining.evaluate() == []
    window(T + H, "b", 1 - truth)  # labels say it is wrong: accuracy drops
    [run] = m.app.retraining.evaluate()
    assert run.trigger == "performance" and "performance.accuracy = " in run.trigger_detail
    assert m.app.retraining.evaluate() == []  # that window was acted on once
    m.app.retraining.cancel(run.id, actor="alice")
    assert m.app.retraining.evaluate() == []  # and not again once the slot is free


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_run_whose_runner_died_is_failed_after_its_lease(monitored: Monitored, data_file: str) -> None:
    m = monitored
    now = [T]
    m.app.retraining.parts.clock = lambda: now[0]
    configure(m, data_file)
    run = m.app.retraining.start("churn", actor="alice")
    with m.app.store.write() as tx:  # a runner claims it and dies without a heartbeat
        assert tx.retraining.claim_next("dead", now=T, until=T + timedelta(seconds=60)) is not None
    now[0] = T + timedelta(seconds=30)
    m.app.retraining.evaluate()
    assert m.app.retraining.get_run(run.id).state == "running"
    now[0] = T + timedelta(seconds=61)
    m.app.retraining.evaluate()
    failed = m.app.retraining.get_run(run.id)
    assert failed.state == "failed" and "lease" in failed.error
    assert m.app.retraining.start("churn", actor="alice").state == "queued"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_bad_input_is_refused_and_writes_nothing(monitored: Monitored, data_file: str) -> None:
    m = monitored
    base = RetrainConfig(model="churn", entry="tests.retrain_entry:fit", data=data_file, target="y")
    for bad, match in (
        (replace(base, schedule="61 * * * *"), "cron"),
        (replace(base, entry=""), "entry point"),
        (replace(base, entry="python 'unclosed"), "split"),
        (replace(base, data="train.xlsx"), "parquet"),
        (replace(base, after="promote"), "alias:NAME"),
        (replace(base, performance="auc is low"), "FIGURE OP NUMBER"),
        (replace(base, engine="spark"), "engine"),
        (replace(base, timeout_s=0), "timeout"),
        (replace(base, target=""), "label column"),
    ):
        with pytest.raises(InvalidInputError, match=match):
            m.app.retraining.configure(bad, actor="alice")
    with pytest.raises(InvalidInputError, match="Unknown retraining setting"):
        m.app.retraining.configure({**base.to_dict(), "colour": "red"}, actor="alice")
    with pytest.raises(NotFoundError):
        m.app.retraining.configure(replace(base, model="nope"), actor="alice")
    with pytest.raises(NotFoundError, match="no retraining config"):
        m.app.retraining.start("churn", actor="alice")
    with pytest.raises(InvalidInputError):
        m.app.retraining.get_run(0)
    with pytest.raises(NotFoundError):
        m.app.retraining.get_run(99)
    assert m.app.retraining.configs() == [] and m.app.retraining.runs() == []
    with m.app.store.read() as tx:
        assert [e for e in tx.audit.list(limit=1000) if e.action.startswith("retrain")] == []


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_permissions(monitored: Monitored, data_file: str) -> None:
    m = monitored
    configure(m, data_file)
    m.app.identities.create_user("root", actor="root", role="admin")
    m.app.identities.create_user("vic", actor="root", role="viewer")
    m.app.identities.create_user("ops", actor="root", role="operator")
    with Steward.open(replace(m.app.settings, auth="on")) as app:
        config = app.retraining.get_config("churn").config
        with pytest.raises(PermissionDeniedError, match=r"model\.write"):
            app.retraining.configure(config, actor="ops")
        with pytest.raises(PermissionDeniedError, match=r"model\.write"):
            app.retraining.remove_config("churn", actor="vic")
        with pytest.raises(PermissionDeniedError, match=r"monitoring\.manage"):
            app.retraining.start("churn", actor="vic")
        run = app.retraining.start("churn", actor="ops")  # operators start and cancel runs
        with pytest.raises(PermissionDeniedError, match=r"monitoring\.manage"):
            app.retraining.cancel(run.id, actor="vic")
        assert app.retraining.cancel(run.id, actor="ops").state == "cancelled"
        assert [r.id for r in app.retraining.runs()] == [run.id]  # reading is open
        # an operator's run registers as the person who configured retraining (a contributor)
        app.identities.create_user("alice", actor="root", role="contributor")
        started = app.retraining.start("churn", actor="ops")
        done = app.retraining.run_next()
        assert done is not None and done.id == started.id and done.state == "succeeded", done
        assert done.created_by == "ops" and app.registry.get_version("churn/2").created_by == "alice"
        app.retraining.remove_config("churn", actor="root")
        with pytest.raises(NotFoundError):
            app.retraining.get_config("churn")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_scheduler_runs_queued_runs_and_stopping_it_kills_the_running_one(
    monitored: Monitored, data_file: str, tmp_path: Path
) -> None:
    from steward.services.retraining import RetrainingScheduler

    m = monitored
    pid_file = tmp_path / "pid"
    configure(m, data_file, params={"pid_file": str(pid_file), "sleep": 600})
    run = m.app.retraining.start("churn", actor="alice")
    scheduler = RetrainingScheduler(lambda: m.app.retraining, 0.1, actor="scheduler")
    scheduler.start()
    try:
        wait_for(pid_file.exists, "the scheduler to start the run")
    finally:
        scheduler.stop()
    failed = m.app.retraining.get_run(run.id)
    assert failed.state == "failed" and "control plane stopped" in failed.error
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
