"""What a rollout writes besides its own row: the deployment specs of its steps, the version a
ref means now, and its audit events (``rollout.start|step|promote|rollback|abort``)."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime
from typing import Any

from steward.core.audit import AuditEvent
from steward.core.deployment import DeploymentSpec, Route
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.core.registry import ModelRef
from steward.core.rollout_records import Rollout
from steward.ports import Transaction

REASON_MAX = 1000


def labels(tx: Transaction, deployment: str) -> builtins.list[tuple[str, int, Any]]:
    """The labels that arrived for *deployment* (none while it is not monitored)."""
    try:
        return tx.monitoring.labels(deployment)
    except NotFoundError:
        return []


def champion_of(name: str, spec: DeploymentSpec) -> str:
    if spec.killed is not None:
        raise ConflictError(f"Deployment {name!r} is stopped by its kill switch; revive it before a rollout.")
    if len(spec.routes) != 1:
        routes = ", ".join(f"{r.ref}={r.weight:g}" for r in spec.routes)
        raise ConflictError(
            f"Deployment {name!r} splits its traffic ({routes}); a rollout starts from one route at "
            f"100%: `steward deploy update {name} REF` first."
        )
    return spec.routes[0].ref


def pinned(tx: Transaction, ref: str) -> str:
    """``model/N``: the version *ref* means now (NotFoundError if it means none)."""
    parsed = ModelRef.parse(ref)
    number = parsed.version
    if parsed.alias is not None:
        number = tx.models.get_alias(parsed.model, parsed.alias)
        if number is None:
            from steward.core.errors import NotFoundError

            raise NotFoundError(f"Model {parsed.model!r} has no alias {parsed.alias!r}.")
    if number is None:
        raise InvalidInputError(f"{ref} must name a version or an alias.")
    return tx.models.get_version(parsed.model, number).ref


def split(spec: DeploymentSpec, champion: str, challenger: str, weight: float) -> DeploymentSpec:
    """*challenger* at *weight* percent beside *champion*; at 0 (the shadow phase) a shadow instead."""
    others = tuple(s for s in spec.shadows if s != challenger)
    if weight == 0:
        return replace(spec, routes=(Route(champion, 100.0),), shadows=(*others, challenger))
    routes = [Route(challenger, weight)]
    if weight < 100:
        routes.insert(0, Route(champion, 100.0 - weight))
    return replace(spec, routes=tuple(routes), shadows=others)


def champion_only(spec: DeploymentSpec, champion: str, challenger: str) -> DeploymentSpec:
    shadows = tuple(s for s in spec.shadows if s != challenger)
    return replace(spec, routes=(Route(champion, 100.0),), shadows=shadows)


def state_of(rollout: Rollout) -> dict[str, Any]:
    return {"state": rollout.state, "step": rollout.step, "weight": rollout.weight}


def audit_event(
    action: str, after: Rollout, before: Rollout | None, actor: str, at: datetime, reason: str
) -> AuditEvent:
    return AuditEvent(
        action=action,
        target_type="rollout",
        target=after.deployment,
        actor=actor,
        at=at,
        before=state_of(before) if before is not None else None,
        after=state_of(after),
        reason=reason[:REASON_MAX],
        details={
            "rollout": after.id,
            "champion": after.champion,
            "challenger": after.challenger,
            **({"plan": after.plan.to_dict()} if before is None else {}),
        },
    )


def short(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def check_reason(text: str) -> None:
    if not isinstance(text, str) or len(text) > REASON_MAX:
        raise InvalidInputError(f"A reason is text of at most {REASON_MAX} characters.")
