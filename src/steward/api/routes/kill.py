"""The kill switch for versions: every deployment stops routing to a version at once.

(A deployment's own kill switch is ``POST /deployments/{name}/kill`` and ``/revive``.)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from steward.api.deps import Actor, Deployments
from steward.api.schemas import KillVersion
from steward.core.codec import killed_version_to_dict

router = APIRouter(prefix="/api/v1/kill-switch", tags=["kill switch"])


@router.get("/versions", summary="Every version stopped by the kill switch")
def killed_versions(deployments: Deployments) -> dict[str, Any]:
    return {"items": [killed_version_to_dict(k) for k in deployments.killed_versions()]}


@router.post("/versions", status_code=201, summary="Stop a version in every deployment, now")
def kill_version(body: KillVersion, deployments: Deployments, actor: Actor) -> dict[str, Any]:
    return killed_version_to_dict(deployments.kill_version(body.ref, actor=actor, reason=body.reason))


@router.post("/versions/revive", summary="Undo a version's kill switch")
def revive_version(body: KillVersion, deployments: Deployments, actor: Actor) -> dict[str, Any]:
    return killed_version_to_dict(deployments.revive_version(body.ref, actor=actor, reason=body.reason))
