"""Retraining triggers: alerts from the event stream, performance figures, cron schedules, stale runs.

Each trigger is evaluated exactly once per cause, however many evaluators run:

- **alerts**: one cursor (``retrain_cursors['alerts']``) over the audit log;
  a batch of events is handled in the transaction that moves the cursor from
  the value read, so a second evaluator's move matches nothing and it rolls
  back. Each ``alert.fire`` is one cause, not each window or request.
- **performance**: the newest window of the figure on a deployment serving
  the model; the config remembers the last window acted on.
- **schedule**: the config holds the next cron tick due; when it has passed,
  it moves to the first tick after *now*, so ticks missed while the server
  was down make one run, not one each.

A cause that arrives while the model has an active run is recorded as a
``skipped`` run (visible in the runs list, audited ``retrain.skip``), never
queued behind it: the database refuses a second active run
(:meth:`RetrainRepository.add_run`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.core.registry import ModelRef
from steward.core.retrain_runs import RetrainRun
from steward.core.retraining import ConfiguredRetraining, next_tick
from steward.ports import Store, Transaction

log = logging.getLogger("steward.retraining")

CURSOR = "alerts"
SCAN = 500


def queue_or_skip(
    tx: Transaction, configured: ConfiguredRetraining, trigger: str, detail: str, *, at: datetime, actor: str
) -> RetrainRun:
    """Queue a run for the cause, or record it as skipped when the model already has an active run."""
    config = configured.config
    run = RetrainRun(
        id=0,
        model=config.model,
        trigger=trigger,
        trigger_detail=detail,
        state="queued",
        created_by=actor,
        created_at=at,
        engine=config.engine,
        params=dict(config.params),
    )
    try:
        added = tx.retraining.add_run(run, config)
    except ConflictError:
        active = tx.retraining.active_run(config.model)
        why = f"run {active.id} was {active.state}" if active is not None else "another run was active"
        added = tx.retraining.add_run(replace(run, state="skipped", outcome=f"Skipped: {why}."), config)
    after = {"run": added.id, "state": added.state, "trigger": trigger, "detail": detail}
    tx.audit.append(
        AuditEvent(
            action="retrain.start" if added.state == "queued" else "retrain.skip",
            target_type="model",
            target=config.model,
            actor=actor,
            at=at,
            after=after,
        )
    )
    return added


def evaluate_alerts(store: Store, *, now: datetime) -> list[RetrainRun]:
    """Look at every ``alert.fire`` after the cursor once; queue (or skip) the runs they cause."""
    made: list[RetrainRun] = []
    while True:
        with store.read() as tx:
            seen = tx.retraining.cursor(CURSOR)
            events = tx.audit.scan(seen or 0, SCAN)
        if not events:
            return made
        with store.write() as tx:
            if not tx.retraining.move_cursor(CURSOR, seen=seen, to=events[-1].seq or 0):
                return made  # another evaluator took this batch
            configs = [c for c in tx.retraining.list_configs() if c.config.alerts]
            for event in events:
                if event.action != "alert.fire" or not configs:
                    continue
                alert = dict(event.after or {})
                rule, deployment = str(alert.get("rule", "")), str(alert.get("deployment", ""))
                models = _models_of(tx, deployment, str(alert.get("version", "")))
                for configured in configs:
                    config = configured.config
                    fresh = (event.seq or 0) > configured.since_seq
                    if fresh and config.model in models and config.alert_matches(rule):
                        detail = f"alert {alert.get('id')} ({rule} on {deployment}, evt-{event.seq})"
                        made.append(
                            queue_or_skip(
                                tx, configured, "alert", detail, at=now, actor=configured.updated_by
                            )
                        )
        if len(events) < SCAN:
            return made


def evaluate_schedules(store: Store, *, now: datetime) -> list[RetrainRun]:
    made: list[RetrainRun] = []
    with store.read() as tx:
        configs = [c for c in tx.retraining.list_configs() if c.config.schedule]
    for configured in configs:
        schedule = configured.config.schedule
        assert schedule is not None
        due = configured.next_due
        with store.write() as tx:
            if due is None:  # configured before a tick was computed: start counting now
                tx.retraining.move_schedule(configured.config.model, seen=None, to=next_tick(schedule, now))
                continue
            if due > now:
                continue
            if not tx.retraining.move_schedule(
                configured.config.model, seen=due, to=next_tick(schedule, now)
            ):
                continue  # another evaluator handled this tick
            detail = f"cron {schedule!r} tick {due.isoformat()}"
            made.append(
                queue_or_skip(tx, configured, "schedule", detail, at=now, actor=configured.updated_by)
            )
    return made


def evaluate_performance(store: Store, *, now: datetime) -> list[RetrainRun]:
    made: list[RetrainRun] = []
    with store.read() as tx:
        configs = [c for c in tx.retraining.list_configs() if c.config.performance]
        deployments = tx.deployments.list() if configs else []
    for configured in configs:
        trigger = configured.config.performance_trigger
        assert trigger is not None
        serving = [
            d.name for d in deployments if configured.config.model in _served(d.spec.routes, d.spec.shadows)
        ]
        latest = None
        with store.read() as tx:
            for name in serving:
                try:
                    figures = tx.monitoring.figures(
                        name, name=trigger.figure, since=configured.performance_seen
                    )
                except NotFoundError:  # a deployment not monitored (yet) has no figures
                    continue
                for figure in figures:
                    if figure.value is not None and (latest is None or figure.start > latest.start):
                        latest = figure
        if latest is None or (
            configured.performance_seen is not None and latest.start <= configured.performance_seen
        ):
            continue
        with store.write() as tx:
            model = configured.config.model
            if not tx.retraining.move_performance(model, seen=configured.performance_seen, to=latest.start):
                continue
            if trigger.breached(latest.value):
                detail = (
                    f"{trigger.figure} = {latest.value:.4g} ({trigger}) on {latest.deployment}, "
                    f"window {latest.start.isoformat()}"
                )
                made.append(
                    queue_or_skip(tx, configured, "performance", detail, at=now, actor=configured.updated_by)
                )
    return made


def sweep_stale(store: Store, *, now: datetime, actor: str) -> list[int]:
    """Fail running runs whose runner stopped renewing its lease (its control plane died)."""
    with store.read() as tx:
        stale = tx.retraining.stale(now)
    failed = []
    for run_id in stale:
        error = "The runner stopped renewing its lease (its control plane stopped?); the run was abandoned."
        with store.write() as tx:
            if tx.retraining.finish(run_id, "failed", at=now, expired_before=now, error=error):
                run = tx.retraining.get_run(run_id)
                after = {"run": run_id, "state": "failed", "error": error}
                tx.audit.append(AuditEvent("retrain.finish", "model", run.model, actor, now, after=after))
                failed.append(run_id)
    return failed


def _models_of(tx: Transaction, deployment: str, version: str) -> set[str]:
    models: set[str] = set()
    with contextlib.suppress(InvalidInputError):  # an aggregate figure names no version
        models.add(ModelRef.parse(version).model)
    try:
        spec = tx.deployments.get(deployment).spec
    except (NotFoundError, InvalidInputError):
        return models
    return models | _served(spec.routes, spec.shadows)


def _served(routes: Any, shadows: Any) -> set[str]:
    found = set()
    for ref in [r.ref for r in routes] + list(shadows):
        try:
            found.add(ModelRef.parse(ref).model)
        except InvalidInputError:
            continue
    return found
