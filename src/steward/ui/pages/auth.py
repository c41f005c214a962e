"""Sign in with an API token, sign out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from steward.core.errors import AuthenticationError
from steward.ui.render import page
from steward.ui.session import SESSION_COOKIE, read_form, steward_of

router = APIRouter()


def local_target(target: str | None) -> str:
    """Where to go after signing in: a path on this server only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target[:2000]


@router.get("/signin")
def sign_in_form(request: Request, next: str = "/") -> Response:
    steward = steward_of(request)
    return page(
        request,
        "signin.html",
        None,
        target=local_target(next),
        auth_enabled=steward.settings.auth_enabled,
        error=None,
    )


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    fields = await read_form(request)
    steward = steward_of(request)
    target = local_target(fields.get("next"))
    token = fields.get("token", "").strip()
    try:
        steward.identities.authenticate(token)
    except AuthenticationError as exc:
        return page(
            request,
            "signin.html",
            None,
            status=401,
            target=target,
            auth_enabled=steward.settings.auth_enabled,
            error=exc.message,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    await read_form(request)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
