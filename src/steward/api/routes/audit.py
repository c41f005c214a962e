"""The audit trail, read-only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from steward.api.deps import Registry
from steward.api.routes.models import MaxQ, TokenQ
from steward.core.codec import audit_to_dict
from steward.core.search import parse_time

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
TextQ = Annotated[str | None, Query(max_length=300)]


@router.get("", summary="Audit events, oldest first")
def list_audit(
    registry: Registry,
    target: TextQ = None,
    action: TextQ = None,
    since: TextQ = None,
    until: TextQ = None,
    max_results: MaxQ = 100,
    page_token: TokenQ = None,
) -> dict[str, Any]:
    page = registry.audit_events(
        target=target,
        action=action,
        since=parse_time(since, "since") if since else None,
        until=parse_time(until, "until") if until else None,
        max_results=max_results,
        page_token=page_token,
    )
    return {"items": [audit_to_dict(e) for e in page.items], "next_page_token": page.next_page_token}
