"""The console application, mounted at ``/`` by the control plane (``steward.api.app``)."""

from __future__ import annotations

from importlib.resources import files
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from steward.app import Steward
from steward.core.errors import StewardError, http_status
from steward.ui.pages import ROUTERS
from steward.ui.render import page
from steward.ui.session import SignInRequired

SECURITY_HEADERS = {
    # Everything comes from this server: no CDN, no inline script.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_console(steward: Steward) -> FastAPI:
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    console.state.steward = steward
    console.mount("/static", StaticFiles(directory=str(files("steward.ui") / "static")), name="static")
    for router in ROUTERS:
        console.include_router(router)
    install_handlers(console)

    @console.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return console


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return page(request, "error.html", None, status=status, title=title, message=message)


def install_handlers(console: FastAPI) -> None:
    @console.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.method == "GET":
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/signin?next={target}", status_code=303)
        return error_page(request, 401, "Sign in first", exc.message)

    @console.exception_handler(StewardError)
    async def domain_error(request: Request, exc: StewardError) -> Response:
        status = http_status(exc)
        titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Check the input"}
        return error_page(request, status, titles.get(status, "Could not do that"), exc.message)

    @console.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        parts = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()[:3]]
        return error_page(request, 422, "Check the input", "; ".join(parts) or "The request is malformed.")

    @console.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(request, 404, "Not found", f"There is no page at {request.url.path}.")
        return error_page(request, exc.status_code, "Could not do that", str(exc.detail))
