"""Findings on versions: open one, close it with a resolution, list them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from steward.api.deps import Actor, get_steward
from steward.api.schemas import Body
from steward.core.finding import finding_to_dict
from steward.services.findings import FindingService

router = APIRouter(prefix="/api/v1/findings", tags=["findings"])


def get_findings(request: Request) -> FindingService:
    return get_steward(request).findings


Findings = Annotated[FindingService, Depends(get_findings)]


class FindingOpen(Body):
    ref: str = Field(max_length=300, description="The version, e.g. churn/7 or churn@champion.")
    title: str = Field(max_length=200)
    severity: str = Field(max_length=16, description="low, medium, high or critical")
    description: str = Field(default="", max_length=5000)


class FindingClose(Body):
    resolution: str = Field(max_length=5000, description="What was done, or why the risk is accepted.")


@router.post("", status_code=201, summary="Open a finding on a version (reviewers, admins)")
def open_finding(body: FindingOpen, findings: Findings, actor: Actor) -> dict[str, Any]:
    found = findings.open(
        body.ref, title=body.title, severity=body.severity, description=body.description, actor=actor
    )
    return finding_to_dict(found)


@router.get("", summary="Findings of a version (?ref=churn/7), a model (?ref=churn) or all")
def list_findings(
    findings: Findings,
    ref: Annotated[str | None, Query(max_length=300)] = None,
    status: Annotated[str | None, Query(max_length=16, description="open or closed")] = None,
) -> dict[str, Any]:
    return {"items": [finding_to_dict(f) for f in findings.list(ref, status=status)]}


@router.get("/{finding_id}", summary="One finding")
def get_finding(finding_id: int, findings: Findings) -> dict[str, Any]:
    return finding_to_dict(findings.get(finding_id))


@router.post("/{finding_id}/close", summary="Close an open finding with a resolution (reviewers, admins)")
def close_finding(finding_id: int, body: FindingClose, findings: Findings, actor: Actor) -> dict[str, Any]:
    return finding_to_dict(findings.close(finding_id, resolution=body.resolution, actor=actor))
