"""Users and service accounts with their roles: read-only, for admins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.core.permissions import Permission
from steward.ui.render import page
from steward.ui.session import viewer_of

router = APIRouter()


@router.get("/users")
def users(request: Request) -> Response:
    viewer = viewer_of(request)
    viewer.steward.access.require(viewer.actor, Permission.IDENTITY)  # 403 page for everyone else
    return page(request, "users.html", viewer, users=viewer.steward.identities.list_users())
