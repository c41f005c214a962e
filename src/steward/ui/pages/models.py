"""The model page (versions with their metrics side by side, aliases and their timeline) and compare."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.core.errors import InvalidInputError
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import viewer_of
from steward.ui.timeline import alias_timeline_svg

router = APIRouter()

#: Alias moves listed on the model page (newest first); /models/{name}/aliases pages through all.
MOVES_SHOWN = 10


@router.get("/models/{name}")
def model_page(request: Request, name: str) -> Response:
    viewer = viewer_of(request)
    paging = paging_of(request)
    overview = viewer.steward.overview.model(name, offset=paging.offset, limit=paging.size)
    moves = list(reversed(overview.alias_events))
    return page(
        request,
        "model.html",
        viewer,
        overview=overview,
        m=overview.model,
        moves=moves[:MOVES_SHOWN],
        moves_total=len(moves),
        timeline=alias_timeline_svg(overview.alias_events),
        links=page_links(request, paging, overview.has_next),
    )


@router.get("/models/{name}/compare")
def compare_page(request: Request, name: str, a: str = "", b: str = "") -> Response:
    viewer = viewer_of(request)
    if not a.strip() or not b.strip():
        raise InvalidInputError("Pick two versions to compare: /models/NAME/compare?a=1&b=2.")
    comparison = viewer.steward.overview.compare(name, a.strip()[:20], b.strip()[:20])
    return page(request, "compare.html", viewer, c=comparison, name=name)


@router.get("/models/{name}/aliases")
def alias_moves_page(request: Request, name: str) -> Response:
    viewer = viewer_of(request)
    paging = paging_of(request)
    moves = list(reversed(viewer.steward.registry.alias_history(name)))
    shown = moves[paging.offset : paging.offset + paging.size]
    return page(
        request,
        "model_aliases.html",
        viewer,
        name=name,
        moves=shown,
        moves_total=len(moves),
        links=page_links(request, paging, paging.offset + paging.size < len(moves)),
    )
