"""One JSON error shape for every error the control plane returns.

``{"error": {"code": "not_found", "message": "…", "details": {…}}}``

Domain errors map to a status by walking the exception's MRO, so a subclass
inherits its parent's status unless it has its own.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from steward.core.errors import (
    HTTP_STATUS,
    PolicyViolationError,
    StewardError,
    http_status,
)

STATUS = HTTP_STATUS

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
}


status_for = http_status


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


async def _steward_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StewardError)
    details: dict[str, Any] = {}
    if isinstance(exc, PolicyViolationError):
        details["unmet"] = exc.unmet
    return error_response(status_for(exc), exc.code, exc.message, details)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    message = "Invalid request: " + "; ".join(problems[:5])
    return error_response(422, "invalid_input", message, {"problems": problems})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = str(exc.detail) if exc.detail else "Request failed."
    if exc.status_code == 404 and message == "Not Found":
        message = f"No such endpoint: {request.method} {request.url.path}. See /docs for the API."
    return error_response(exc.status_code, HTTP_CODES.get(exc.status_code, "http_error"), message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StewardError, _steward_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
