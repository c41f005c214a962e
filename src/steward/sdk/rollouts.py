"""The client's rollout methods, the same embedded and over HTTP (:class:`RemoteRollouts`)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from steward.core.deployment import check_deployment_name
from steward.core.rollout import Guardrails, RolloutPlan, parse_duration
from steward.core.rollout_records import Rollout, RolloutStatus, ShadowComparison

if TYPE_CHECKING:
    from steward.app import Steward
    from steward.sdk.remote import _Http


class Rollouts(Protocol):
    def start(self, plan: RolloutPlan, *, actor: str, reason: str) -> Rollout: ...
    def status(self, deployment: str) -> RolloutStatus: ...
    def list(self, deployment: str | None, limit: int) -> builtins.list[Rollout]: ...
    def abort(self, deployment: str, *, actor: str, reason: str) -> Rollout: ...
    def tick(self, *, actor: str) -> builtins.list[Rollout]: ...
    def compare(
        self, deployment: str, since_seconds: float, statistic: str
    ) -> builtins.list[ShadowComparison]: ...


class EmbeddedRollouts:
    def __init__(self, app: Steward) -> None:
        self.app = app

    def start(self, plan: RolloutPlan, *, actor: str, reason: str) -> Rollout:
        return self.app.rollouts.start(plan, actor=actor, reason=reason)

    def status(self, deployment: str) -> RolloutStatus:
        return self.app.rollouts.status(deployment)

    def list(self, deployment: str | None, limit: int) -> builtins.list[Rollout]:
        return self.app.rollouts.list(deployment, limit=limit)

    def abort(self, deployment: str, *, actor: str, reason: str) -> Rollout:
        return self.app.rollouts.abort(deployment, actor=actor, reason=reason)

    def tick(self, *, actor: str) -> builtins.list[Rollout]:
        return self.app.rollouts.tick(actor=actor)

    def compare(
        self, deployment: str, since_seconds: float, statistic: str
    ) -> builtins.list[ShadowComparison]:
        return self.app.rollouts.compare(deployment, since_seconds=since_seconds, statistic=statistic)


class RemoteRollouts:
    """The same over HTTP; the plan is checked here first, so a bad call fails before any request."""

    def __init__(self, http: _Http) -> None:
        self.http = http

    @staticmethod
    def _path(deployment: str) -> str:
        return f"/api/v1/deployments/{check_deployment_name(deployment)}/rollouts"

    def start(self, plan: RolloutPlan, *, actor: str, reason: str) -> Rollout:
        body = {**plan.checked().to_dict(), "reason": reason}
        return Rollout.from_dict(self.http.json("POST", self._path(plan.deployment), json=body))

    def status(self, deployment: str) -> RolloutStatus:
        return RolloutStatus.from_dict(self.http.json("GET", f"{self._path(deployment)}/current"))

    def list(self, deployment: str | None, limit: int) -> builtins.list[Rollout]:
        path = self._path(deployment) if deployment is not None else "/api/v1/rollouts"
        items = self.http.json("GET", path, params={"limit": limit})["items"]
        return [Rollout.from_dict(item) for item in items]

    def abort(self, deployment: str, *, actor: str, reason: str) -> Rollout:
        path = f"{self._path(deployment)}/current/abort"
        return Rollout.from_dict(self.http.json("POST", path, json={"reason": reason}))

    def tick(self, *, actor: str) -> builtins.list[Rollout]:
        return [Rollout.from_dict(item) for item in self.http.json("POST", "/api/v1/rollouts/tick")["items"]]

    def compare(
        self, deployment: str, since_seconds: float, statistic: str
    ) -> builtins.list[ShadowComparison]:
        params = {"since": since_seconds, "statistic": statistic}
        path = f"/api/v1/deployments/{check_deployment_name(deployment)}/shadows/compare"
        items = self.http.json("GET", path, params=params)
        return [ShadowComparison.from_dict(item) for item in items["items"]]


def build_plan(
    deployment: str,
    challenger: str,
    *,
    steps: Sequence[float] = (5, 25, 50, 100),
    every: str | float = "10m",
    min_requests: int = 100,
    alias: str | None = None,
    shadow_first: str | float = 0,
    **guardrails: Any,
) -> RolloutPlan:
    """A checked plan from the client's arguments (guardrails by name: ``max_p99_ms=250`` …)."""
    return RolloutPlan(
        deployment,
        challenger,
        steps=tuple(steps),
        step_seconds=parse_duration(every),
        min_requests=min_requests,
        guardrails=Guardrails.from_dict(guardrails),
        alias=alias,
        shadow_seconds=parse_duration(shadow_first),
    ).checked()


class RolloutMethods:
    """Mixed into :class:`~steward.Client`: ``self._rollouts`` is embedded or remote."""

    _rollouts: Rollouts
    actor: str

    def start_rollout(
        self,
        deployment: str,
        challenger: str,
        *,
        steps: Sequence[float] = (5, 25, 50, 100),
        every: str | float = "10m",
        min_requests: int = 100,
        alias: str | None = None,
        shadow_first: str | float = 0,
        reason: str = "",
        **guardrails: Any,
    ) -> Rollout:
        """Put *challenger* on *deployment* at the first of *steps* (percent), stepped up *every*
        (``"10m"``) while the guardrails hold (``max_error_rate=0.05``, ``max_error_increase``,
        ``max_p99_ms``, ``max_p99_ratio``, ``max_drift`` with ``drift_statistic``, ``metric`` with
        ``min_metric``), promoted after the last step (moving *alias*, e.g. ``"champion"``), rolled
        back the moment one breaks. *shadow_first* (``"30m"``) runs it as a shadow for that long
        first, judged by the same guardrails on its shadow answers."""
        plan = build_plan(
            deployment,
            challenger,
            steps=steps,
            every=every,
            min_requests=min_requests,
            alias=alias,
            shadow_first=shadow_first,
            **guardrails,
        )
        return self._rollouts.start(plan, actor=self.actor, reason=reason)

    def rollout(self, deployment: str) -> RolloutStatus:
        """The latest rollout of *deployment* with, while it runs, its readings and next verdict."""
        return self._rollouts.status(deployment)

    def rollouts(self, deployment: str | None = None, *, limit: int = 100) -> builtins.list[Rollout]:
        """Rollouts, newest first."""
        return self._rollouts.list(deployment, limit)

    def abort_rollout(self, deployment: str, *, reason: str = "") -> Rollout:
        """Stop the running rollout: the champion alone answers again."""
        return self._rollouts.abort(deployment, actor=self.actor, reason=reason)

    def tick_rollouts(self) -> builtins.list[Rollout]:
        """Judge every running rollout once now (what ``steward server`` does every few seconds)."""
        return self._rollouts.tick(actor=self.actor)

    def compare_shadow(
        self, deployment: str, *, since: str | float = "15m", statistic: str = "psi"
    ) -> builtins.list[ShadowComparison]:
        """Each shadow's answers against the primary's over the last *since*, joined by request id."""
        return self._rollouts.compare(deployment, parse_duration(since), statistic)
