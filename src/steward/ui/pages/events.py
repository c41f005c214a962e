"""The event stream, newest first, filtered by type patterns (``alias.*,deployment.changed``), 50 a page.

The same stream webhooks deliver and ``GET /api/v1/events`` lists, read through the event service;
open to anyone signed in, like the audit log it is made from. Pages go back with ``?before=SEQ``.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.core.errors import InvalidInputError
from steward.core.events import EVENT_TYPES, Event
from steward.ui.paging import PAGE_SIZE
from steward.ui.render import page
from steward.ui.session import viewer_of

router = APIRouter()


def before_of(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit() or len(text.strip()) > 18 or int(text) < 1:
        raise InvalidInputError(f"'before' is an event number such as 120, not {text[:20]!r}.")
    return int(text)


def data_of(event: Event) -> str:
    """The body's ``data`` as indented JSON (autoescaped by the template)."""
    return json.dumps(event.body()["data"], indent=2, sort_keys=True, ensure_ascii=False, default=str)


@router.get("/events")
def events(request: Request) -> Response:
    viewer = viewer_of(request)
    types = request.query_params.get("types", "")[:5000].strip()
    before = before_of(request.query_params.get("before", "")[:30])
    found = viewer.steward.events.recent(before=before, types=types or None, limit=PAGE_SIZE)
    query = {"types": types} if types else {}
    return page(
        request,
        "events.html",
        viewer,
        found=found,
        types=types,
        known=EVENT_TYPES,
        newest_url=f"/events?{urlencode(query)}" if before is not None else None,
        older_url=f"/events?{urlencode({**query, 'before': found.older})}" if found.older else None,
        data_of=data_of,
    )
