"""Retraining: a model's training entry point run on a trigger, its candidate validated and proposed.

A model declares a :class:`RetrainConfig` (entry point, data source, label,
triggers, what to do after). A run is queued by a trigger (an alert, a
performance drop once labels arrive, a cron schedule) or by hand, and executed
by the control plane's :class:`RetrainingScheduler` (or :meth:`run_next`):
the entry point runs as its own process (or Ray task), the candidate is
registered with lineage to its parent and trigger, validated against the
champion, and an approval is requested (or an alias moved, if policy allows).

Permissions: configuring needs ``model.write`` on the model; starting and
cancelling runs need ``monitoring.manage`` (contributors and operators);
reading is open. A run acts as the person who configured retraining (who
holds ``model.write``, and agreed to candidates made in their name): the
candidate is registered, validated and proposed under that name, whoever or
whatever started the run (recorded as the run's ``created_by`` and in the
``retrain.start`` audit event).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError, require_extra
from steward.core.permissions import Permission
from steward.core.registry import check_model_name
from steward.core.retrain_runs import RetrainRun
from steward.core.retraining import ConfiguredRetraining, RetrainConfig, check_params, check_run_id, next_tick
from steward.ports import Store
from steward.services.access import AccessControl
from steward.services.periodic import PeriodicThread
from steward.services.registry import Clock
from steward.services.retrain_execution import LEASE_S, RunExecutor, RunParts, log_tail
from steward.services.retrain_triggers import (
    evaluate_alerts,
    evaluate_performance,
    evaluate_schedules,
    queue_or_skip,
    sweep_stale,
)

log = logging.getLogger("steward.retraining")

LIMIT_MAX = 1000
TAIL_MAX = 10_000


class RetrainingService:
    def __init__(self, parts: RunParts, runs_dir: Path, access: AccessControl | None = None) -> None:
        self.parts = parts
        self.store: Store = parts.store
        self.runs_dir = Path(runs_dir)
        self.access = access
        self._executing: dict[int, RunExecutor] = {}
        self._lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        return self.parts.clock

    def _require(self, actor: str, permission: Permission, model: str) -> None:
        if self.access is not None:
            self.access.require(actor, permission, model=model)

    # -- configs ------------------------------------------------------------------------------------

    def configure(self, config: RetrainConfig | dict[str, Any], *, actor: str) -> ConfiguredRetraining:
        """Create or replace *config*'s model's retraining config (the model must exist)."""
        config = RetrainConfig.from_dict(config) if isinstance(config, dict) else config.checked()
        if config.engine == "ray":
            require_extra("ray", "ray", "Retraining with --engine ray")
        self._require(actor, Permission.MODEL_WRITE, config.model)
        with self.store.write() as tx:
            tx.models.get_model(config.model)
            at = self.clock()
            due = next_tick(config.schedule, at) if config.schedule else None
            before = tx.retraining.put_config(config, actor=actor, at=at, since_seq=0, next_due=due)
            event = tx.audit.append(
                AuditEvent(
                    "retrain.configure",
                    "model",
                    config.model,
                    actor,
                    at,
                    before=before.config.to_dict() if before else None,
                    after=config.to_dict(),
                )
            )
            tx.retraining.set_since(config.model, event.seq or 0)  # alerts from now on
            return tx.retraining.get_config(config.model)

    def get_config(self, model: str) -> ConfiguredRetraining:
        check_model_name(model)
        with self.store.read() as tx:
            return tx.retraining.get_config(model)

    def configs(self) -> list[ConfiguredRetraining]:
        with self.store.read() as tx:
            return tx.retraining.list_configs()

    def remove_config(self, model: str, *, actor: str) -> ConfiguredRetraining:
        """Stop retraining *model* on triggers; its runs stay listed (an active one keeps running)."""
        check_model_name(model)
        self._require(actor, Permission.MODEL_WRITE, model)
        with self.store.write() as tx:
            removed = tx.retraining.delete_config(model)
            tx.audit.append(
                AuditEvent(
                    "retrain.remove", "model", model, actor, self.clock(), before=removed.config.to_dict()
                )
            )
        return removed

    # -- runs ---------------------------------------------------------------------------------------

    def start(
        self, model: str, *, actor: str, reason: str = "", params: dict[str, Any] | None = None
    ) -> RetrainRun:
        """Queue a manual run (ConflictError if the model already has a queued or running run)."""
        check_model_name(model)
        extra = check_params(params)
        if not isinstance(reason, str) or len(reason) > 1000:
            raise InvalidInputError("A reason is text of at most 1000 characters.")
        self._require(actor, Permission.MONITOR, model)
        with self.store.write() as tx:
            configured = tx.retraining.get_config(model)
            active = tx.retraining.active_run(model)
            if active is not None:
                raise ConflictError(
                    f"Model {model!r} already has run {active.id} {active.state}: wait for it or cancel it "
                    f"(`steward retrain cancel {active.id}`)."
                )
            if extra:
                merged = configured.config.params | extra
                configured = ConfiguredRetraining(
                    RetrainConfig.from_dict(configured.config.to_dict() | {"params": merged}),
                    configured.updated_by,
                    configured.updated_at,
                )
            run = queue_or_skip(
                tx, configured, "manual", reason or f"started by {actor}", at=self.clock(), actor=actor
            )
            if run.state != "queued":  # lost a race with a trigger in this very instant
                raise ConflictError(f"Model {model!r} already has an active run: {run.outcome}")
            return run

    def runs(self, model: str | None = None, *, limit: int = 100) -> list[RetrainRun]:
        """Runs, newest first (skipped triggers included)."""
        if model is not None:
            check_model_name(model)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
            raise InvalidInputError(f"Bad limit {limit!r}: from 1 to {LIMIT_MAX}.")
        with self.store.read() as tx:
            return tx.retraining.list_runs(model, limit=limit)

    def get_run(self, run_id: int) -> RetrainRun:
        check_run_id(run_id)
        with self.store.read() as tx:
            return tx.retraining.get_run(run_id)

    def cancel(self, run_id: int, *, actor: str, reason: str = "") -> RetrainRun:
        """Cancel a queued or running run; a running one's process (group) is killed."""
        check_run_id(run_id)
        run = self.get_run(run_id)
        self._require(actor, Permission.MONITOR, run.model)
        with self.store.write() as tx:
            at = self.clock()
            error = f"Cancelled by {actor}" + (f": {reason}" if reason else ".")
            if not tx.retraining.finish(run_id, "cancelled", at=at, error=error[:1000]):
                now = tx.retraining.get_run(run_id)
                raise ConflictError(
                    f"Run {run_id} is already {now.state}; only queued or running runs cancel."
                )
            tx.audit.append(
                AuditEvent(
                    "retrain.cancel", "model", run.model, actor, at, after={"run": run_id}, reason=reason
                )
            )
            cancelled = tx.retraining.get_run(run_id)
        with self._lock:
            executor = self._executing.get(run_id)
        if executor is not None:  # running here: stop it now rather than at the next heartbeat
            executor.cancelled.set()
        return cancelled

    def logs(self, run_id: int, *, tail: int = 200) -> str:
        """The last *tail* lines of the run's log (on the machine that ran it)."""
        if isinstance(tail, bool) or not isinstance(tail, int) or not 1 <= tail <= TAIL_MAX:
            raise InvalidInputError(f"Bad tail {tail!r}: from 1 to {TAIL_MAX} lines.")
        run = self.get_run(run_id)
        if not run.log_path:
            return ""
        path = Path(run.log_path)
        if not path.is_file():
            raise NotFoundError(
                f"Run {run_id}'s log {run.log_path} is not on this machine: read it where the run executed."
            )
        return log_tail(path, tail)

    def wait(self, run_id: int, *, timeout: float = 600.0, poll: float = 0.2) -> RetrainRun:
        """Poll until the run has finished; the run as it is when *timeout* seconds have passed."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get_run(run_id)
            if run.finished or time.monotonic() >= deadline:
                return run
            time.sleep(poll)

    # -- the evaluator and the runner ---------------------------------------------------------------

    def evaluate(self, *, actor: str = "scheduler") -> list[RetrainRun]:
        """Evaluate every trigger once; the runs queued or skipped. Abandoned runs are failed first."""
        now = self.clock()
        sweep_stale(self.store, now=now, actor=actor)
        made = evaluate_alerts(self.store, now=now)
        made += evaluate_performance(self.store, now=now)
        made += evaluate_schedules(self.store, now=now)
        return made

    def run_next(self, run_id: int | None = None) -> RetrainRun | None:
        """Execute the oldest queued run (or run *run_id*, if it is queued) to its end, in this process
        (blocking); None if there is nothing to run."""
        if run_id is not None:
            check_run_id(run_id)
        token = secrets.token_hex(16)
        now = self.clock()
        with self.store.write() as tx:
            until = now + timedelta(seconds=LEASE_S)
            run = tx.retraining.claim_next(token, now=now, until=until, run_id=run_id)
            config = tx.retraining.run_config(run.id) if run is not None else None
            configured = tx.retraining.find_config(run.model) if run is not None else None
        if run is None or config is None:
            return None
        acting = configured.updated_by if configured is not None else run.created_by
        folder = self.runs_dir / str(run.id)
        folder.mkdir(parents=True, exist_ok=True)
        executor = RunExecutor(self.parts, run, config, token, folder, acting)
        with self._lock:
            self._executing[run.id] = executor
        try:
            return executor.execute()
        finally:
            with self._lock:
                self._executing.pop(run.id, None)

    def interrupt(self) -> None:
        """Kill the runs executing in this process (the control plane is stopping); they fail."""
        with self._lock:
            executors = list(self._executing.values())
        for executor in executors:
            executor.interrupted = True
            executor.cancelled.set()

    def tick(self, *, actor: str = "scheduler", stop: threading.Event | None = None) -> list[RetrainRun]:
        """Evaluate the triggers, then run what is queued, one run at a time; the runs executed."""
        self.evaluate(actor=actor)
        done = []
        while stop is None or not stop.is_set():
            run = self.run_next()
            if run is None:
                break
            done.append(run)
        return done


class RetrainingScheduler(PeriodicThread):
    """The control plane's retraining thread: every ``interval`` seconds, :meth:`RetrainingService.tick`."""

    thread_name = "steward-retraining"

    def __init__(self, retraining: Callable[[], RetrainingService], interval: float, *, actor: str) -> None:
        super().__init__(interval)
        self._retraining = retraining
        self.actor = actor

    def tick(self) -> int:
        try:
            return len(self._retraining().tick(actor=self.actor, stop=self._stop))
        except Exception:  # a background loop must outlive a database hiccup; the trace is logged
            log.exception("retraining round failed")
            return 0
        finally:
            self.ticks += 1

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread; a run executing in it is killed and fails ("the control plane stopped")."""
        self._stop.set()
        self._retraining().interrupt()
        super().stop(timeout)
