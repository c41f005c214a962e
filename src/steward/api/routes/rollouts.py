"""Progressive rollouts of a deployment: start, watch, abort; shadow comparison; one tick on demand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from steward.api.deps import Actor, get_steward
from steward.api.schemas import Body
from steward.core.rollout import Guardrails, RolloutPlan
from steward.services.rollout import RolloutService

router = APIRouter(tags=["rollouts"])


def get_rollouts(request: Request) -> RolloutService:
    return get_steward(request).rollouts


Rollouts = Annotated[RolloutService, Depends(get_rollouts)]
Limit = Annotated[int, Query(ge=1, le=1000)]


class GuardrailsBody(Body):
    max_error_rate: float | None = 0.05
    max_error_increase: float | None = None
    max_p99_ms: float | None = None
    max_p99_ratio: float | None = None
    max_drift: float | None = None
    drift_statistic: str = Field(default="psi", max_length=8)
    metric: str | None = Field(default=None, max_length=32)
    min_metric: float | None = None


class RolloutStart(Body):
    challenger: str = Field(max_length=300, description="The version ('churn/7') or alias to roll out.")
    steps: list[float] = Field(default=[5, 25, 50, 100], max_length=20, description="Weights, percent.")
    step_seconds: float = Field(default=600.0, ge=0, description="How long each step lasts.")
    min_requests: int = Field(default=100, ge=1, le=10_000_000)
    guardrails: GuardrailsBody = Field(default_factory=GuardrailsBody)
    alias: str | None = Field(
        default=None, max_length=128, description="Moved to the challenger on promotion."
    )
    shadow_seconds: float = Field(default=0.0, ge=0, description="Run as a shadow this long first.")
    reason: str = Field(default="", max_length=1000)
    deployment: str | None = Field(default=None, max_length=63, description="Ignored: the path names it.")


class AbortBody(Body):
    reason: str = Field(default="", max_length=1000)


@router.post("/api/v1/deployments/{name}/rollouts", status_code=201, summary="Start a rollout")
def start(name: str, body: RolloutStart, rollouts: Rollouts, actor: Actor) -> dict[str, Any]:
    plan = RolloutPlan(
        name,
        body.challenger,
        steps=tuple(body.steps),
        step_seconds=body.step_seconds,
        min_requests=body.min_requests,
        guardrails=Guardrails(**body.guardrails.model_dump()),
        alias=body.alias,
        shadow_seconds=body.shadow_seconds,
    )
    return rollouts.start(plan, actor=actor, reason=body.reason).to_dict()


@router.get("/api/v1/deployments/{name}/rollouts", summary="A deployment's rollouts, newest first")
def list_for(name: str, rollouts: Rollouts, limit: Limit = 100) -> dict[str, Any]:
    return {"items": [r.to_dict() for r in rollouts.list(name, limit=limit)]}


@router.get(
    "/api/v1/deployments/{name}/rollouts/current",
    summary="The latest rollout with, while it runs, its guardrail readings and the next verdict",
)
def status(name: str, rollouts: Rollouts) -> dict[str, Any]:
    return rollouts.status(name).to_dict()


@router.post("/api/v1/deployments/{name}/rollouts/current/abort", summary="Abort: back to the champion alone")
def abort(name: str, body: AbortBody, rollouts: Rollouts, actor: Actor) -> dict[str, Any]:
    return rollouts.abort(name, actor=actor, reason=body.reason).to_dict()


@router.get(
    "/api/v1/deployments/{name}/shadows/compare",
    summary="Each shadow's answers against the primary's, joined by request id",
)
def compare(
    name: str,
    rollouts: Rollouts,
    since: Annotated[float, Query(description="Seconds back from now.")] = 900.0,
    statistic: Annotated[str, Query(max_length=8)] = "psi",
) -> dict[str, Any]:
    found = rollouts.compare(name, since_seconds=since, statistic=statistic)
    return {"items": [c.to_dict() for c in found]}


@router.get("/api/v1/rollouts", summary="Every rollout, newest first")
def list_all(rollouts: Rollouts, limit: Limit = 100) -> dict[str, Any]:
    return {"items": [r.to_dict() for r in rollouts.list(limit=limit)]}


@router.post("/api/v1/rollouts/tick", summary="Judge every running rollout once now (the controller's pass)")
def tick(rollouts: Rollouts, actor: Actor) -> dict[str, Any]:
    return {"items": [r.to_dict() for r in rollouts.tick(actor=actor)]}
