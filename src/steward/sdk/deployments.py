"""The client's deployment methods, the same embedded and over HTTP.

:class:`Deployments` is what the client needs of a deployment service; the
embedded :class:`~steward.services.deploy.DeploymentService` and
:class:`~steward.sdk.remote.RemoteDeployments` both fit it.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Protocol

from steward.core.deployment import (
    Batching,
    Deployment,
    DeploymentSpec,
    KilledVersion,
    ResolvedDeployment,
    Route,
)
from steward.core.errors import InvalidInputError

#: Routes as the client takes them: ``"churn@champion"`` (all traffic),
#: ``{"churn@champion": 90, "churn/7": 10}``, or a list of :class:`Route`.
Routes = str | Mapping[str, float] | Sequence[Route]


class Deployments(Protocol):
    def create(self, name: str, spec: DeploymentSpec, *, actor: str, reason: str = "") -> Deployment: ...
    def update(self, name: str, spec: DeploymentSpec, *, actor: str, reason: str = "") -> Deployment: ...
    def get(self, name: str, revision: int | None = None) -> Deployment: ...
    def history(self, name: str) -> list[Deployment]: ...
    def list(self) -> list[Deployment]: ...
    def rollback(self, name: str, *, actor: str, reason: str = "") -> Deployment: ...
    def promote(self, name: str, ref: str, *, actor: str, reason: str = "") -> Deployment: ...
    def kill(self, name: str, *, actor: str, reason: str) -> Deployment: ...
    def revive(self, name: str, *, actor: str, reason: str) -> Deployment: ...
    def kill_version(self, ref: str, *, actor: str, reason: str) -> KilledVersion: ...
    def revive_version(self, ref: str, *, actor: str, reason: str) -> KilledVersion: ...
    def killed_versions(self) -> builtins.list[KilledVersion]: ...
    def resolve(self, name: str) -> ResolvedDeployment: ...


def as_routes(routes: Routes) -> tuple[Route, ...]:
    """Any accepted form of routes as a tuple of :class:`Route`."""
    if isinstance(routes, str):
        return (Route(routes, 100.0),)
    if isinstance(routes, Mapping):
        return tuple(Route(str(ref), weight) for ref, weight in routes.items())
    if isinstance(routes, Sequence):
        found = [r for r in routes if isinstance(r, Route)]
        if len(found) == len(routes):
            return tuple(found)
    raise InvalidInputError(
        "routes is a ref ('churn@champion'), a mapping {'churn@champion': 90, 'churn/7': 10}, "
        "a list of Route, or a DeploymentSpec."
    )


def build_spec(
    routes: Routes | DeploymentSpec,
    *,
    shadows: Sequence[str] = (),
    sticky_header: str | None = None,
    fallback: str | None = None,
    batching: Batching | None = None,
    log_sample_rate: float = 1.0,
    description: str = "",
    environment: str | None = None,
) -> DeploymentSpec:
    """A checked spec from the client's arguments (or *routes* itself when it is a spec)."""
    if isinstance(routes, DeploymentSpec):
        given = [shadows, description, log_sample_rate != 1.0]
        if any(given) or any(o is not None for o in (sticky_header, fallback, batching, environment)):
            raise InvalidInputError("Give either a DeploymentSpec or routes with options, not both.")
        return routes.checked()
    if isinstance(shadows, str):
        raise InvalidInputError("shadows is a list of refs, e.g. ['churn/8'].")
    if batching is not None and not isinstance(batching, Batching):
        raise InvalidInputError("batching is a Batching, e.g. Batching(enabled=True, max_batch_size=16).")
    return DeploymentSpec(
        routes=as_routes(routes),
        shadows=tuple(shadows),
        sticky_header=sticky_header,
        fallback=fallback,
        batching=batching or Batching(),
        log_sample_rate=log_sample_rate,
        description=description,
        environment=environment,
    ).checked()


class DeploymentMethods:
    """The :class:`~steward.Client` methods for deployments (a base class of the client)."""

    actor: str
    _deployments: Deployments

    def create_deployment(
        self,
        name: str,
        routes: Routes | DeploymentSpec,
        *,
        shadows: Sequence[str] = (),
        sticky_header: str | None = None,
        fallback: str | None = None,
        batching: Batching | None = None,
        log_sample_rate: float = 1.0,
        description: str = "",
        reason: str = "",
        environment: str | None = None,
    ) -> Deployment:
        """Create deployment *name* (revision 1).

        >>> client.create_deployment("churn-api", {"churn@champion": 90, "churn/7": 10})
        """
        spec = build_spec(
            routes,
            shadows=shadows,
            sticky_header=sticky_header,
            fallback=fallback,
            batching=batching,
            log_sample_rate=log_sample_rate,
            description=description,
            environment=environment,
        )
        return self._deployments.create(name, spec, actor=self.actor, reason=reason)

    def update_deployment(
        self,
        name: str,
        routes: Routes | DeploymentSpec,
        *,
        shadows: Sequence[str] = (),
        sticky_header: str | None = None,
        fallback: str | None = None,
        batching: Batching | None = None,
        log_sample_rate: float = 1.0,
        description: str = "",
        reason: str = "",
        environment: str | None = None,
    ) -> Deployment:
        """Replace the spec of *name* (a new revision); options not given take their defaults."""
        spec = build_spec(
            routes,
            shadows=shadows,
            sticky_header=sticky_header,
            fallback=fallback,
            batching=batching,
            log_sample_rate=log_sample_rate,
            description=description,
            environment=environment,
        )
        return self._deployments.update(name, spec, actor=self.actor, reason=reason)

    def get_deployment(self, name: str, revision: int | None = None) -> Deployment:
        """The current revision of *name*, or revision *revision*."""
        return self._deployments.get(name, revision)

    def list_deployments(self) -> list[Deployment]:
        return self._deployments.list()

    def deployment_history(self, name: str) -> list[Deployment]:
        """Every revision, oldest first."""
        return self._deployments.history(name)

    def rollback_deployment(self, name: str, reason: str = "") -> Deployment:
        """A new revision with the spec of the revision before the current one."""
        return self._deployments.rollback(name, actor=self.actor, reason=reason)

    def promote_deployment(self, name: str, ref: str, reason: str = "") -> Deployment:
        """Send all traffic to the route *ref*; the other routes are dropped."""
        return self._deployments.promote(name, ref, actor=self.actor, reason=reason)

    def kill_deployment(self, name: str, reason: str) -> Deployment:
        """The kill switch: stop *name* serving now; its fallback answers, else every request gets 503."""
        return self._deployments.kill(name, actor=self.actor, reason=reason)

    def revive_deployment(self, name: str, reason: str) -> Deployment:
        """Undo the kill switch: *name* serves its routes again."""
        return self._deployments.revive(name, actor=self.actor, reason=reason)

    def kill_version(self, ref: str, reason: str) -> KilledVersion:
        """The kill switch for a version (``churn/3``): every deployment stops routing to it now."""
        return self._deployments.kill_version(ref, actor=self.actor, reason=reason)

    def revive_version(self, ref: str, reason: str) -> KilledVersion:
        """Undo a version's kill switch; returns the record removed."""
        return self._deployments.revive_version(ref, actor=self.actor, reason=reason)

    def killed_versions(self) -> list[KilledVersion]:
        """Every version stopped by the kill switch."""
        return self._deployments.killed_versions()

    def resolve_deployment(self, name: str) -> ResolvedDeployment:
        """What *name* serves now: every route's ref resolved to its version."""
        return self._deployments.resolve(name)
