"""Webhooks (admins): subscriptions with their backlog and retry state, each one's delivery log; add
(the secret shown once), send a test ping, remove.

Every page and action calls the webhook service as the REST routes do (``api/routes/webhooks.py``),
which checks ``webhook.manage``: anyone else gets a 403 page, and a forged form writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from steward.core.errors import InvalidInputError
from steward.core.events import EVENT_TYPES
from steward.core.webhooks import Webhook, check_webhook_id
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import Viewer, read_form, required, viewer_of

router = APIRouter()


@dataclass(frozen=True)
class Row:
    """A subscription as the list shows it: how far behind the stream's head it is, and its state."""

    hook: Webhook
    head: int

    @property
    def backlog(self) -> int:
        """Events after the cursor not yet handled (delivered, or passed over as not matching)."""
        return max(self.head - self.hook.cursor, 0)

    @property
    def state(self) -> tuple[str, str]:
        """(label, badge kind)."""
        if self.hook.attempt:
            return f"retrying (attempt {self.hook.attempt + 1} next)", "bad"
        if self.backlog:
            return "catching up", "warn"
        return "up to date", "ok"

    @property
    def next_attempt_at(self) -> datetime | None:
        return self.hook.next_attempt_at


def stream_head(viewer: Viewer) -> int:
    head = viewer.steward.audit.head()
    return head.seq if head is not None else 0


def webhook_id_of(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise InvalidInputError(f"Bad webhook id {text[:20]!r}: the list at /webhooks shows them.")
    return check_webhook_id(int(text))


@router.get("/webhooks")
def webhooks(request: Request) -> Response:
    viewer = viewer_of(request)
    hooks = viewer.steward.webhooks.list(actor=viewer.actor)  # 403 page for anyone but admins
    head = stream_head(viewer)
    rows = [Row(h, head) for h in hooks]
    return page(request, "webhooks.html", viewer, rows=rows, head=head, known_types=EVENT_TYPES)


@router.get("/webhooks/{webhook_id}")
def webhook(request: Request, webhook_id: str) -> Response:
    viewer = viewer_of(request)
    service = viewer.steward.webhooks
    ident = webhook_id_of(webhook_id)
    hook = service.get(ident, actor=viewer.actor)
    paging = paging_of(request)
    found = service.deliveries(ident, actor=viewer.actor, limit=paging.fetch, offset=paging.offset)
    # the newest failed attempt at an event the cursor has not passed is the one whose retry is waiting
    unsettled = [d for d in found if hook.attempt and not d.delivered and d.seq > hook.cursor]
    return page(
        request,
        "webhook.html",
        viewer,
        row=Row(hook, stream_head(viewer)),
        deliveries=found[: paging.size],
        waiting=unsettled[0] if unsettled and paging.offset == 0 else None,
        links=page_links(request, paging, len(found) > paging.size),
    )


@router.post("/webhooks")
async def add(request: Request) -> Response:
    """Subscribe a URL; the answer is the one page that shows the secret."""
    viewer = viewer_of(request)
    fields = await read_form(request)
    reason = required(fields, "reason", "Reason")
    url = required(fields, "url", "The receiver's URL", limit=2000)
    patterns = required(fields, "events", "The event types", limit=5000)
    made = viewer.steward.webhooks.add(url, patterns, actor=viewer.actor, reason=reason)
    return page(request, "webhook_added.html", viewer, status=201, made=made)


@router.post("/webhooks/{webhook_id}/test")
async def test(request: Request, webhook_id: str) -> Response:
    viewer = viewer_of(request)
    await read_form(request)
    ident = webhook_id_of(webhook_id)
    viewer.steward.webhooks.test(ident, actor=viewer.actor)  # its answer is the delivery log's top row
    return RedirectResponse(f"/webhooks/{ident}", status_code=303)


@router.post("/webhooks/{webhook_id}/remove")
async def remove(request: Request, webhook_id: str) -> Response:
    viewer = viewer_of(request)
    fields = await read_form(request)
    reason = required(fields, "reason", "Reason")
    viewer.steward.webhooks.remove(webhook_id_of(webhook_id), actor=viewer.actor, reason=reason)
    return RedirectResponse("/webhooks", status_code=303)
