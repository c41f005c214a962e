"""Deployments: which versions answer a named endpoint, and how traffic is split.

A deployment is a named, versioned record: every change (weights, routes,
rollback, promotion) writes a new *revision*; the old ones stay, so
"what served at time T" and "go back one step" are each one lookup. Routes
name a version (``churn/3``) or an alias (``churn@champion``); an alias route
follows the alias when it moves. The data plane resolves refs to versions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from steward.core.approval import check_environment
from steward.core.errors import InvalidInputError
from steward.core.registry import ModelRef, ModelVersion

DEPLOYMENT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
HEADER_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
WEIGHT_TOLERANCE = 1e-6


def check_deployment_name(name: str) -> str:
    if not isinstance(name, str) or not DEPLOYMENT_NAME_RE.match(name):
        raise InvalidInputError(
            f"Invalid deployment name {name!r}: use 1-63 lower-case letters, digits or '-', "
            "starting with a letter or digit (it becomes part of URLs)."
        )
    return name


def check_revision(revision: object) -> int:
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise InvalidInputError(f"Invalid revision {revision!r}: revisions are whole numbers from 1.")
    return revision


def check_kill_reason(reason: object, *, allow_none: bool = False) -> str | None:
    """A kill switch's reason: required, non-blank text of at most 1000 characters."""
    if reason is None and allow_none:
        return None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        raise InvalidInputError(
            "The kill switch needs a reason (1-1000 characters): say why serving stops, "
            "e.g. --reason 'scores drifted, incident 42'."
        )
    return reason


def _pinned_or_alias(text: str, what: str) -> ModelRef:
    ref = ModelRef.parse(text)
    if ref.version is None and ref.alias is None:
        raise InvalidInputError(
            f"{what} {text!r} must name a version ('churn/3') or an alias ('churn@champion'), "
            "not just a model: 'latest' would change under the deployment."
        )
    return ref


@dataclass(frozen=True)
class Route:
    """A share of the traffic (``weight`` percent) for one version or alias."""

    ref: str
    weight: float

    def checked(self) -> Route:
        parsed = _pinned_or_alias(self.ref, "A route")
        weight = self.weight
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise InvalidInputError(f"Route {self.ref}: weight must be a number from 0 to 100.")
        if not 0 <= weight <= 100:
            raise InvalidInputError(f"Route {self.ref}: weight {weight} is outside 0-100 (percent).")
        return Route(str(parsed), float(weight))

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "weight": self.weight}


@dataclass(frozen=True)
class Batching:
    """Adaptive batching: off by default."""

    enabled: bool = False
    max_batch_size: int = 32
    max_wait_ms: float = 5.0

    def checked(self) -> Batching:
        if not isinstance(self.enabled, bool):
            raise InvalidInputError("batching.enabled must be true or false.")
        size = self.max_batch_size
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 4096:
            raise InvalidInputError("max_batch_size must be a whole number from 1 to 4096.")
        wait = self.max_wait_ms
        if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 0 <= wait <= 1000:
            raise InvalidInputError("max_wait_ms must be from 0 to 1000 milliseconds.")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "max_batch_size": self.max_batch_size,
            "max_wait_ms": self.max_wait_ms,
        }


@dataclass(frozen=True)
class DeploymentSpec:
    """What the user declares: routes and weights, shadows, stickiness, fallback, batching, logging."""

    routes: tuple[Route, ...]
    shadows: tuple[str, ...] = ()
    sticky_header: str | None = None
    fallback: str | None = None
    batching: Batching = field(default_factory=Batching)
    log_sample_rate: float = 1.0
    description: str = ""
    #: The kill switch: why the deployment is stopped, or None while it serves normally.
    killed: str | None = None
    #: The environment it runs in (``production``): policies guarding ``env:production`` gate
    #: every version it routes to (see docs/governance.md).
    environment: str | None = None

    def checked(self) -> DeploymentSpec:
        """Validate and normalise; weights must add up to 100."""
        if not self.routes:
            raise InvalidInputError("A deployment needs at least one route: e.g. churn@champion=100.")
        routes = tuple(r.checked() for r in self.routes)
        refs = [r.ref for r in routes]
        if len(set(refs)) != len(refs):
            raise InvalidInputError("Each version or alias may appear in only one route.")
        total = sum(r.weight for r in routes)
        if abs(total - 100) > WEIGHT_TOLERANCE:
            raise InvalidInputError(f"Route weights add up to {total:g}, not 100.")
        shadows = tuple(str(_pinned_or_alias(s, "A shadow")) for s in self.shadows)
        if overlap := set(shadows) & set(refs):
            raise InvalidInputError(f"{', '.join(sorted(overlap))} cannot be both a route and a shadow.")
        if self.sticky_header is not None and (
            not isinstance(self.sticky_header, str) or not HEADER_RE.match(self.sticky_header)
        ):
            raise InvalidInputError(f"Invalid sticky header name {self.sticky_header!r}.")
        fallback = str(_pinned_or_alias(self.fallback, "The fallback")) if self.fallback else None
        rate = self.log_sample_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise InvalidInputError("log_sample_rate must be a fraction from 0 to 1.")
        if not isinstance(self.description, str) or len(self.description) > 5000:
            raise InvalidInputError("A description is at most 5000 characters.")
        check_kill_reason(self.killed, allow_none=True)
        if self.environment is not None:
            check_environment(self.environment)
        return replace(
            self,
            routes=routes,
            shadows=shadows,
            fallback=fallback,
            batching=self.batching.checked(),
            log_sample_rate=float(rate),
        )

    def promoted(self, ref: str) -> DeploymentSpec:
        """All traffic to the route *ref* (the canary), the others dropped."""
        target = str(ModelRef.parse(ref))
        if target not in [r.ref for r in self.routes]:
            raise InvalidInputError(
                f"{target} is not a route of this deployment; "
                f"routes: {', '.join(r.ref for r in self.routes)}."
            )
        return replace(self, routes=(Route(target, 100.0),))

    def to_dict(self) -> dict[str, Any]:
        return {
            "routes": [r.to_dict() for r in self.routes],
            "shadows": list(self.shadows),
            "sticky_header": self.sticky_header,
            "fallback": self.fallback,
            "batching": self.batching.to_dict(),
            "log_sample_rate": self.log_sample_rate,
            "description": self.description,
            **({"killed": self.killed} if self.killed is not None else {}),
            **({"environment": self.environment} if self.environment is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Any) -> DeploymentSpec:
        if not isinstance(data, dict) or not isinstance(data.get("routes"), list):
            raise InvalidInputError("A deployment spec is an object with a 'routes' list.")
        try:
            routes = tuple(Route(str(r["ref"]), r["weight"]) for r in data["routes"])
            batching = Batching(**(data.get("batching") or {}))
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(f"Malformed deployment spec: {exc}.") from None
        return cls(
            routes=routes,
            shadows=tuple(str(s) for s in data.get("shadows") or ()),
            sticky_header=data.get("sticky_header"),
            fallback=data.get("fallback"),
            batching=batching,
            log_sample_rate=data.get("log_sample_rate", 1.0),
            description=str(data.get("description") or ""),
            killed=data.get("killed"),
            environment=data.get("environment"),
        )


def parse_routes(items: list[str]) -> tuple[Route, ...]:
    """CLI form ``["churn@champion=90", "churn/7=10"]``; a single ref alone means 100."""
    if len(items) == 1 and "=" not in items[0]:
        return (Route(items[0], 100.0),)
    routes = []
    for item in items:
        ref, sep, weight = item.rpartition("=")
        if not sep or not ref:
            raise InvalidInputError(f"Invalid route {item!r}: write REF=WEIGHT, e.g. churn@champion=90.")
        try:
            routes.append(Route(ref, float(weight)))
        except ValueError:
            raise InvalidInputError(
                f"Invalid route {item!r}: the weight {weight!r} is not a number."
            ) from None
    return tuple(routes)


@dataclass(frozen=True)
class Deployment:
    """One revision of a named deployment."""

    name: str
    revision: int
    spec: DeploymentSpec
    created_by: str
    created_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class KilledVersion:
    """A version the kill switch stopped: no deployment routes to it until it is revived."""

    model: str
    version: int
    reason: str
    killed_by: str
    killed_at: datetime

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.version}"


@dataclass(frozen=True)
class ResolvedRoute:
    """A route with its ref resolved to the version it means now."""

    ref: str
    weight: float
    version: ModelVersion


@dataclass(frozen=True)
class ResolvedDeployment:
    """A deployment revision with every alias resolved: what the data plane serves."""

    deployment: Deployment
    routes: tuple[ResolvedRoute, ...]
    shadows: tuple[ModelVersion, ...] = ()
    fallback: ModelVersion | None = None
    #: Set when the kill switch stops the deployment and no usable fallback answers instead:
    #: the reason, and ``routes`` is empty (the data plane answers 503).
    stopped: str | None = None

    @property
    def marker(self) -> tuple[object, ...]:
        """Changes whenever what is served changes: a new revision or an alias move."""
        return (
            self.deployment.revision,
            tuple((r.version.ref, r.weight) for r in self.routes),
            tuple(v.ref for v in self.shadows),
            self.fallback.ref if self.fallback else None,
            self.stopped,
        )


def with_kill_switches(resolved: ResolvedDeployment, killed: dict[str, str]) -> ResolvedDeployment:
    """What is served once the kill switches apply: the deployment's own, and *killed* versions
    (ref -> reason).

    A stopped deployment is served by its fallback alone; a killed version's routes go to the
    fallback, or are left out when there is none (the other routes share the traffic); killed
    shadows are dropped. A fallback that is itself killed is no fallback. With no route left the
    result has no routes and ``stopped`` says why (the data plane answers 503)."""
    fallback = resolved.fallback
    usable = fallback if fallback is not None and fallback.ref not in killed else None
    spec = resolved.deployment.spec
    if spec.killed is not None:
        if usable is not None and spec.fallback is not None:
            return replace(resolved, routes=(ResolvedRoute(spec.fallback, 100.0, usable),), shadows=())
        return replace(resolved, routes=(), shadows=(), fallback=None, stopped=spec.killed)
    if not killed:
        return resolved
    routes = []
    for route in resolved.routes:
        if route.version.ref not in killed:
            routes.append(route)
        elif usable is not None:
            routes.append(ResolvedRoute(route.ref, route.weight, usable))
    if not [r for r in routes if r.weight > 0]:
        why = "; ".join(
            f"version {ref} is stopped by its kill switch ({reason})" for ref, reason in killed.items()
        )
        return replace(resolved, routes=(), shadows=(), fallback=None, stopped=why)
    shadows = tuple(v for v in resolved.shadows if v.ref not in killed)
    return replace(resolved, routes=tuple(routes), shadows=shadows, fallback=usable)
