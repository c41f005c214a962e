"""The model inventory: every model with owner, risk tier, card status, what serves it, overdue reviews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from steward.api.deps import get_steward
from steward.core.inventory import render_inventory

router = APIRouter(prefix="/api/v1/inventory", tags=["inventory"])


@router.get(
    "",
    summary="Every model's owner, risk tier, card, servers, last validation and overdue reviews",
    response_model=None,
)
def inventory(
    request: Request,
    review_days: Annotated[int, Query(ge=1, le=3650)] = 365,
    pending_days: Annotated[int, Query(ge=1, le=3650)] = 14,
    format: Annotated[str, Query(max_length=8)] = "json",
) -> Response | dict[str, Any]:
    rows = get_steward(request).inventory.report(review_days=review_days, pending_days=pending_days)
    if format == "json":
        return {"items": [r.to_dict() for r in rows]}
    return PlainTextResponse(render_inventory(rows, format), media_type="text/csv; charset=utf-8")
