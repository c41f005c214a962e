"""Approvals: request one for a version on a target; reviewers approve or reject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from steward.api.deps import Actor, Approvals
from steward.api.schemas import Body
from steward.core.governance_codec import approval_to_dict

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals"])


class ApprovalCreate(Body):
    ref: str = Field(max_length=300, description="The version, e.g. churn/7.")
    target: str = Field(
        max_length=64, description="The alias it should take (champion) or an environment (env:production)."
    )
    reason: str = Field(default="", max_length=1000)


class DecisionBody(Body):
    decision: str = Field(max_length=16, description="approve or reject")
    comment: str = Field(default="", max_length=2000)


@router.post("", status_code=201, summary="Request approval of a version for a target")
def request_approval(body: ApprovalCreate, approvals: Approvals, actor: Actor) -> dict[str, Any]:
    return approval_to_dict(approvals.request(body.ref, body.target, actor=actor, reason=body.reason))


@router.get("", summary="Approval requests with their decisions")
def list_approvals(
    approvals: Approvals,
    model: Annotated[str | None, Query(max_length=128)] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
    target: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    items = approvals.list(model=model, version=version, target=target)
    return {"items": [approval_to_dict(a) for a in items]}


@router.get("/{request_id}", summary="One approval request")
def get_approval(request_id: int, approvals: Approvals) -> dict[str, Any]:
    return approval_to_dict(approvals.get(request_id))


@router.post("/{request_id}/decisions", summary="Approve or reject (final; not by the requester)")
def decide(request_id: int, body: DecisionBody, approvals: Approvals, actor: Actor) -> dict[str, Any]:
    return approval_to_dict(approvals.decide(request_id, body.decision, actor=actor, comment=body.comment))
