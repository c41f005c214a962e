"""A version's compliance evidence pack: one self-contained HTML page, or a ZIP of its JSON parts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from steward.api.deps import get_steward
from steward.api.routes.versions import version_ref

router = APIRouter(prefix="/api/v1/models/{name}/versions/{version}/evidence", tags=["evidence"])


@router.get("", summary="The evidence pack: html (default) or zip", response_model=None)
def evidence(
    name: str, version: str, request: Request, format: Annotated[str, Query(max_length=8)] = "html"
) -> Response:
    body = get_steward(request).evidence.render(str(version_ref(name, version)), format)
    if format == "html":
        return HTMLResponse(body.decode())
    filename = f"{name}-{version}-evidence.zip"
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
