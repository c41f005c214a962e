"""The approvals inbox: open requests with approve/reject for reviewers, decided ones below, and a
form to request an approval."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from steward.core.permissions import Permission
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import read_form, required, viewer_of

router = APIRouter()
RequestId = Annotated[int, Path(ge=1, le=2**53)]


@router.get("/approvals")
def approvals(request: Request) -> Response:
    viewer = viewer_of(request)
    paging = paging_of(request)
    inbox = viewer.steward.approval_inbox.inbox(viewer.actor, offset=paging.offset, limit=paging.size)
    return page(
        request,
        "approvals.html",
        viewer,
        inbox=inbox,
        links=page_links(request, paging, inbox.more_decided),
        can_request=viewer.can(Permission.REQUEST_APPROVAL),
        can_admin=viewer.can(Permission.IDENTITY),
    )


@router.post("/approvals")
async def request_approval(request: Request) -> Response:
    viewer = viewer_of(request)
    fields = await read_form(request)
    ref = required(fields, "ref", "The version (model/number)", limit=300)
    target = required(fields, "target", "The target alias", limit=300)
    reason = required(fields, "reason", "Reason")
    created = viewer.steward.approvals.request(ref, target, actor=viewer.actor, reason=reason)
    return RedirectResponse(f"/approvals#request-{created.id}", status_code=303)


@router.post("/approvals/{request_id}/{decision}")
async def decide(request: Request, request_id: RequestId, decision: str) -> Response:
    viewer = viewer_of(request)
    fields = await read_form(request)
    comment = required(fields, "comment", "A comment", limit=2000)
    viewer.steward.approvals.decide(request_id, decision, actor=viewer.actor, comment=comment)
    return RedirectResponse(f"/approvals#request-{request_id}", status_code=303)
