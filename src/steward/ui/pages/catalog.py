"""The catalog: every model with its owner, risk tier, aliases, what serves it and its health."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.core.inventory import InventoryRow
from steward.core.search import encode_page_token
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import viewer_of

router = APIRouter()

OPERATORS = ("=", "<", ">", " like ", " ilike ", " in ", "!=")


@dataclass(frozen=True)
class CatalogRow:
    row: InventoryRow
    health: str  # ok, warning, unknown


def catalog_filter(text: str, owner: str, tier: str) -> str | None:
    """The search box and filters as one filter expression (values quoted, so always bound)."""

    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    parts = []
    text = text.strip()
    if text:
        lowered = f" {text.lower()} "
        if any(op in lowered for op in OPERATORS):
            parts.append(f"({text})")  # the search language itself (docs/search.md)
        else:
            pattern = quoted(f"%{text}%")
            parts.append(f"(name ILIKE {pattern} OR description ILIKE {pattern})")
    if owner.strip():
        parts.append(f"owner = {quoted(owner.strip())}")
    if tier.strip():
        parts.append(f"tags.risk_tier = {quoted(tier.strip())}")
    return " AND ".join(parts) or None


def health(row: InventoryRow) -> str:
    if (
        row.last_validation_passed is False
        or row.overdue_reviews
        or row.worst_open_finding in ("high", "critical")
    ):
        return "warning"
    if row.last_validation_passed is None:
        return "unknown"
    return "ok"


@router.get("/")
def catalog(request: Request, q: str = "", owner: str = "", tier: str = "") -> Response:
    viewer = viewer_of(request)
    steward = viewer.steward
    paging = paging_of(request)
    models = steward.registry.search_models(
        catalog_filter(q[:500], owner[:200], tier[:100]),
        max_results=paging.size,
        page_token=encode_page_token(paging.offset) if paging.offset else None,
    )
    rows = [CatalogRow(r, health(r)) for r in steward.inventory.rows_for(models.items)]
    return page(
        request,
        "catalog.html",
        viewer,
        rows=rows,
        q=q,
        owner=owner,
        tier=tier,
        links=page_links(request, paging, models.next_page_token is not None),
    )
