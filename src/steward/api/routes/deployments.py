"""Deployments: declare, change, roll back, promote, and resolve what a deployment serves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from steward.api.deps import Actor, Deployments
from steward.api.schemas import DeploymentCreate, DeploymentSpecBody, DeploymentUpdate, Promote, Reason
from steward.core.codec import deployment_to_dict, resolved_to_dict
from steward.core.deployment import DeploymentSpec

router = APIRouter(prefix="/api/v1/deployments", tags=["deployments"])


def _spec(body: DeploymentSpecBody) -> DeploymentSpec:
    return DeploymentSpec.from_dict(body.model_dump())


@router.post("", status_code=201, summary="Create a deployment (revision 1)")
def create_deployment(body: DeploymentCreate, deployments: Deployments, actor: Actor) -> dict[str, Any]:
    created = deployments.create(body.name, _spec(body.spec), actor=actor, reason=body.reason)
    return deployment_to_dict(created)


@router.get("", summary="Every deployment, at its current revision")
def list_deployments(deployments: Deployments) -> dict[str, Any]:
    return {"items": [deployment_to_dict(d) for d in deployments.list()]}


@router.get("/{name}", summary="A deployment's current revision (or ?revision=N)")
def get_deployment(
    name: str, deployments: Deployments, revision: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    return deployment_to_dict(deployments.get(name, revision))


@router.put("/{name}", summary="Replace a deployment's spec (a new revision)")
def update_deployment(
    name: str, body: DeploymentUpdate, deployments: Deployments, actor: Actor
) -> dict[str, Any]:
    return deployment_to_dict(deployments.update(name, _spec(body.spec), actor=actor, reason=body.reason))


@router.get("/{name}/history", summary="Every revision, oldest first")
def deployment_history(name: str, deployments: Deployments) -> dict[str, Any]:
    return {"items": [deployment_to_dict(d) for d in deployments.history(name)]}


@router.post("/{name}/rollback", summary="A new revision with the spec before the current one")
def rollback_deployment(name: str, body: Reason, deployments: Deployments, actor: Actor) -> dict[str, Any]:
    return deployment_to_dict(deployments.rollback(name, actor=actor, reason=body.reason))


@router.post("/{name}/promote", summary="All traffic to one route (e.g. the canary)")
def promote_deployment(name: str, body: Promote, deployments: Deployments, actor: Actor) -> dict[str, Any]:
    return deployment_to_dict(deployments.promote(name, body.ref, actor=actor, reason=body.reason))


@router.post("/{name}/kill", summary="The kill switch: stop serving now (fallback, else 503)")
def kill_deployment(name: str, body: Reason, deployments: Deployments, actor: Actor) -> dict[str, Any]:
    return deployment_to_dict(deployments.kill(name, actor=actor, reason=body.reason))


@router.post("/{name}/revive", summary="Undo the kill switch: serve the routes again")
def revive_deployment(name: str, body: Reason, deployments: Deployments, actor: Actor) -> dict[str, Any]:
    return deployment_to_dict(deployments.revive(name, actor=actor, reason=body.reason))


@router.get("/{name}/resolved", summary="What is served now: each route's ref resolved to its version")
def resolve_deployment(name: str, deployments: Deployments) -> dict[str, Any]:
    return resolved_to_dict(deployments.resolve(name))
