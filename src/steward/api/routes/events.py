"""The event stream: the audit log as typed events, oldest first, paged by ``after``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from steward.api.deps import get_steward

router = APIRouter(prefix="/api/v1/events", tags=["events"])


@router.get("", summary="Events after a seq, oldest first (the bodies webhooks receive)")
def list_events(
    request: Request,
    after: Annotated[int, Query(ge=0, lt=2**62, description="The seq of the last event seen.")] = 0,
    types: Annotated[
        str | None, Query(max_length=2000, description="Patterns: 'alias.*,deployment.*'.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    events = get_steward(request).events.list(after=after, types=types, limit=limit)
    return {"items": [e.body() for e in events], "last_seq": events[-1].seq if events else after}
