"""Progressive rollout: start, watch, step, promote, roll back and abort a challenger's canary.

:meth:`RolloutService.start` puts the challenger on the deployment at the plan's first weight (a
checked, gated revision through :class:`DeploymentService`) and records the rollout, in one
transaction: a refused start writes nothing. :meth:`RolloutService.tick` judges every running
rollout from the payload log (:mod:`steward.services.rollout_stats`) and acts on the verdict:
the next weight, promotion (the challenger takes 100% and, when the plan names an alias, the alias
moves through the registry's policy gates), or rollback to the champion alone the moment a
guardrail breaks. Every change writes its deployment revision, the rollout's new state and its
audit event (``rollout.start|step|promote|rollback|abort``) together.

Ticks act for the person who started the rollout (their permission was checked then), so a
rollback never fails for want of a grant; the environment's policies still gate every revision.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from steward.core.deployment import Route, check_deployment_name
from steward.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StewardError,
)
from steward.core.permissions import Permission
from steward.core.registry import ModelRef
from steward.core.rollout import Action, RolloutPlan, VersionStats, judge
from steward.core.rollout_records import Rollout, RolloutEvent, RolloutStatus, ShadowComparison
from steward.ports import Store, Transaction
from steward.services import rollout_changes as changes
from steward.services import rollout_stats as stats
from steward.services.deploy import DeploymentService
from steward.services.registry import Clock, utcnow

if TYPE_CHECKING:
    from steward.services.access import AccessControl
    from steward.services.live import LiveTrafficReader
    from steward.services.registry import RegistryService

log = logging.getLogger("steward.rollout")
COMPARE_SECONDS = (1.0, 7 * 86400.0)


class RolloutService:
    """Rollouts of challengers on deployments; ``tick`` is the controller's one pass."""

    def __init__(
        self,
        store: Store,
        deployments: DeploymentService,
        registry: RegistryService,
        live: Callable[[], LiveTrafficReader],
        *,
        access: AccessControl | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.deployments = deployments
        self.registry = registry
        self._live = live
        self.access = access
        self.clock = clock

    # -- changes ----------------------------------------------------------------------------------

    def start(self, plan: RolloutPlan, *, actor: str, reason: str = "") -> Rollout:
        """Put the challenger on the deployment at the first step's weight and start judging it.

        The deployment must serve one route at 100% (the champion) and have no running rollout."""
        if not isinstance(plan, RolloutPlan):
            raise InvalidInputError("A rollout plan must be a RolloutPlan.")
        plan = plan.checked()
        changes.check_reason(reason)
        name = plan.deployment
        with self.store.write() as tx:
            current = tx.deployments.get(name, lock=True)
            if (found := tx.rollouts.latest(name)) is not None and found.running:
                raise ConflictError(
                    f"Rollout {found.id} of {name!r} is still running ({found.weight:g}% to "
                    f"{found.challenger}): wait for it or `steward rollout abort {name}`."
                )
            champion = changes.champion_of(name, current.spec)
            challenger = changes.pinned(tx, plan.challenger)
            if challenger == changes.pinned(tx, champion):
                raise InvalidInputError(
                    f"The challenger {plan.challenger} is the version the deployment already serves "
                    f"({challenger}); name another version."
                )
            if plan.alias is not None and self.access is not None:
                self.access.require_in(tx, actor, Permission.ALIAS, model=ModelRef.parse(challenger).model)
            step, weight = (-1, 0.0) if plan.shadow_seconds > 0 else (0, plan.steps[0])
            first = f"shadow for {plan.shadow_seconds:g} s" if step < 0 else f"{weight:g}%"
            why = reason or f"rollout of {challenger}: {first}"
            self.deployments.change_in(
                tx,
                name,
                "deployment.update",
                lambda now, _tx: changes.split(now.spec, champion, challenger, weight),
                actor=actor,
                reason=why,
            )
            at = self.clock()
            rollout = tx.rollouts.create(
                Rollout(
                    0, name, plan, champion, challenger, "running", step, actor, at, at,
                    reason=why, history=(RolloutEvent(at, "start", step, weight, why),),
                )
            )  # fmt: skip
            tx.audit.append(changes.audit_event("rollout.start", rollout, None, actor, at, why))
            return rollout

    def abort(self, deployment: str, *, actor: str, reason: str = "") -> Rollout:
        """Stop the running rollout of *deployment*: back to the champion alone, now."""
        check_deployment_name(deployment)
        changes.check_reason(reason)
        with self.store.write() as tx:
            found = tx.rollouts.latest(deployment)
            if found is not None:  # under its row lock: a tick finishing it meanwhile wins cleanly
                found = tx.rollouts.get(found.id, lock=True)
            if found is None or not found.running:
                raise ConflictError(f"No rollout of {deployment!r} is running: nothing to abort.")
            return self._finish(
                tx,
                found,
                "aborted",
                reason or f"aborted by {actor}",
                actor=actor,
                permission=Permission.DEPLOY,
            )

    def tick(self, *, actor: str | None = None) -> builtins.list[Rollout]:
        """Judge every running rollout once and act; the rollouts that changed. A rollout whose
        readings or change fail is logged and left for the next tick. The controller passes no
        *actor*; anyone else asking for a tick needs the deploy permission (on some model)."""
        if actor is not None and self.access is not None:
            self.access.require_somewhere(actor, Permission.DEPLOY)
        with self.store.read() as tx:
            running = tx.rollouts.running()
        changed = []
        for rollout in running:
            try:
                done = self._tick_one(rollout)
            except StewardError as exc:
                log.error("rollout %s of %s: %s", rollout.id, rollout.deployment, exc)
                continue
            except Exception:  # a background pass must outlive one bad rollout (an unreadable log…)
                log.exception("rollout %s of %s failed", rollout.id, rollout.deployment)
                continue
            if done is not None:
                changed.append(done)
        return changed

    def _tick_one(self, rollout: Rollout) -> Rollout | None:
        now = self.clock()
        challenger, champion = self.readings(rollout)
        elapsed = (now - rollout.step_started_at).total_seconds()
        verdict = judge(rollout.plan, challenger, champion, step=rollout.step, elapsed_seconds=elapsed)
        if verdict.action is Action.CONTINUE:
            return None
        numbers = {"challenger": challenger.to_dict(), "champion": champion.to_dict()}
        if verdict.action is Action.PROMOTE:
            return self._promote(rollout, verdict.reason, numbers)
        with self.store.write() as tx:
            current = tx.rollouts.get(rollout.id, lock=True)
            if not current.running or current.step != rollout.step:
                return None  # someone else acted since the readings were taken
            if verdict.action is Action.ROLLBACK:
                return self._finish(tx, current, "rolled_back", verdict.reason, readings=numbers)
            return self._step(tx, current, verdict.reason, numbers)

    def _step(self, tx: Transaction, rollout: Rollout, reason: str, readings: dict[str, Any]) -> Rollout:
        step = rollout.step + 1
        weight = rollout.plan.steps[step]
        self.deployments.change_in(
            tx,
            rollout.deployment,
            "deployment.update",
            lambda now, _tx: changes.split(now.spec, rollout.champion, rollout.challenger, weight),
            actor=rollout.started_by,
            reason=changes.short(f"rollout {rollout.id}: {reason}"),
            permission=None,
        )
        at = self.clock()
        event = RolloutEvent(at, "step", step, weight, reason, readings)
        changed = tx.rollouts.update(
            replace(rollout, step=step, step_started_at=at, reason=reason, history=(*rollout.history, event))
        )
        tx.audit.append(changes.audit_event("rollout.step", changed, rollout, rollout.started_by, at, reason))
        return changed

    def _finish(
        self,
        tx: Transaction,
        rollout: Rollout,
        state: str,
        reason: str,
        *,
        actor: str | None = None,
        permission: Permission | None = None,
        readings: dict[str, Any] | None = None,
    ) -> Rollout:
        """Back to the champion alone (rolled back or aborted)."""
        who = actor or rollout.started_by
        self.deployments.change_in(
            tx,
            rollout.deployment,
            "deployment.rollback",
            lambda now, _tx: changes.champion_only(now.spec, rollout.champion, rollout.challenger),
            actor=who,
            reason=changes.short(f"rollout {rollout.id}: {reason}"),
            permission=permission,
        )
        at = self.clock()
        event = RolloutEvent(at, state, rollout.step, 0.0, reason, readings or {})
        changed = tx.rollouts.update(
            replace(rollout, state=state, finished_at=at, reason=reason, history=(*rollout.history, event))
        )
        action = "rollout.abort" if state == "aborted" else "rollout.rollback"
        tx.audit.append(changes.audit_event(action, changed, rollout, who, at, reason))
        return changed

    def _promote(self, rollout: Rollout, reason: str, readings: dict[str, Any]) -> Rollout | None:
        """All traffic to the challenger; the plan's alias moved to it through the registry's gates
        first (a refusal is recorded in the reason and the deployment keeps the challenger pinned)."""
        with self.store.read() as tx:
            if not tx.rollouts.get(rollout.id).running:
                return None
        moved, note = False, ""
        ref = ModelRef.parse(rollout.challenger)
        alias = rollout.plan.alias
        if alias is not None and ref.version is not None:
            try:
                self.registry.set_alias(
                    ref.model,
                    alias,
                    ref.version,
                    actor=rollout.started_by,
                    reason=changes.short(
                        f"rollout {rollout.id} of {rollout.deployment} promoted {rollout.challenger}"
                    ),
                )
                moved, note = True, f"; alias {alias} -> {rollout.challenger}"
            except (PermissionDeniedError, ConflictError, InvalidInputError) as exc:
                note = f"; alias {alias} NOT moved: {exc}"
        final = (
            rollout.champion if moved and rollout.champion == f"{ref.model}@{alias}" else rollout.challenger
        )
        why = changes.short(reason + note)
        with self.store.write() as tx:
            current = tx.rollouts.get(rollout.id, lock=True)
            if not current.running:
                return None
            self.deployments.change_in(
                tx,
                rollout.deployment,
                "deployment.promote",
                lambda now, _tx: replace(now.spec, routes=(Route(final, 100.0),)),
                actor=rollout.started_by,
                reason=changes.short(f"rollout {rollout.id}: {why}"),
                permission=None,
            )
            at = self.clock()
            event = RolloutEvent(at, "promoted", current.step, 100.0, why, readings)
            changed = tx.rollouts.update(
                replace(
                    current, state="promoted", finished_at=at, reason=why, history=(*current.history, event)
                )
            )
            tx.audit.append(
                changes.audit_event("rollout.promote", changed, current, rollout.started_by, at, why)
            )
            return changed

    # -- reads ------------------------------------------------------------------------------------

    def get(self, rollout_id: int) -> Rollout:
        if isinstance(rollout_id, bool) or not isinstance(rollout_id, int) or rollout_id < 1:
            raise InvalidInputError(f"Invalid rollout id {rollout_id!r}: ids are whole numbers from 1.")
        with self.store.read() as tx:
            return tx.rollouts.get(rollout_id)

    def current(self, deployment: str) -> Rollout:
        """The latest rollout of *deployment* (running or finished)."""
        check_deployment_name(deployment)
        with self.store.read() as tx:
            tx.deployments.get(deployment)
            found = tx.rollouts.latest(deployment)
        if found is None:
            raise NotFoundError(
                f"Deployment {deployment!r} has had no rollout; start one with "
                f"`steward rollout start {deployment} MODEL/VERSION`."
            )
        return found

    def list(self, deployment: str | None = None, *, limit: int = 100) -> builtins.list[Rollout]:
        """Rollouts, newest first (of one deployment when given)."""
        if deployment is not None:
            check_deployment_name(deployment)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidInputError("limit is a whole number from 1 to 1000.")
        with self.store.read() as tx:
            return tx.rollouts.list(deployment, limit=limit)

    def status(self, deployment: str) -> RolloutStatus:
        """The latest rollout of *deployment* and, while it runs, its readings and verdict now."""
        rollout = self.current(deployment)
        if not rollout.running:
            return RolloutStatus(rollout)
        challenger, champion = self.readings(rollout)
        elapsed = (self.clock() - rollout.step_started_at).total_seconds()
        verdict = judge(rollout.plan, challenger, champion, step=rollout.step, elapsed_seconds=elapsed)
        return RolloutStatus(rollout, challenger, champion, verdict)

    def readings(self, rollout: Rollout) -> tuple[VersionStats, VersionStats]:
        """The challenger's readings since its step began, the champion's since the rollout began."""
        guardrails = rollout.plan.guardrails
        outputs = guardrails.max_drift is not None or guardrails.min_metric is not None
        champions = {
            r.version.ref
            for r in self.deployments.resolve(rollout.deployment).routes
            if r.version.ref != rollout.challenger
        }
        with self.store.read() as tx:
            champions.add(changes.pinned(tx, rollout.champion))
            labels = changes.labels(tx, rollout.deployment) if guardrails.min_metric is not None else []
        champions.discard(rollout.challenger)
        table = self._live().records(rollout.deployment, rollout.started_at, outputs=outputs)
        return stats.judged(
            table,
            challenger=rollout.challenger,
            champions=champions,
            step_started=rollout.step_started_at,
            role="shadow" if rollout.shadowing else "primary",
            guardrails=guardrails,
            labels=labels,
        )

    def compare(
        self, deployment: str, *, since_seconds: float = 900.0, statistic: str = "psi"
    ) -> builtins.list[ShadowComparison]:
        """Each shadow's answers against the primary's over the last *since_seconds*."""
        check_deployment_name(deployment)
        if (
            isinstance(since_seconds, bool)
            or not isinstance(since_seconds, int | float)
            or not COMPARE_SECONDS[0] <= since_seconds <= COMPARE_SECONDS[1]
        ):
            raise InvalidInputError("--since is from 1 second to 7 days, e.g. 15m.")
        if statistic not in ("psi", "js", "ks"):
            raise InvalidInputError(f"Unknown drift statistic {statistic!r}: use psi, js or ks.")
        with self.store.read() as tx:
            tx.deployments.get(deployment)
        start = self.clock() - timedelta(seconds=since_seconds)
        table = self._live().records(deployment, start, outputs=True)
        return stats.compare_shadows(deployment, table, statistic)
