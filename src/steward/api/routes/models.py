"""Registered models: create, read, update, search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from steward.api.deps import Actor, Registry
from steward.api.schemas import ModelCreate, ModelUpdate
from steward.core.codec import model_to_dict

router = APIRouter(prefix="/api/v1/models", tags=["models"])

FilterQ = Annotated[str | None, Query(max_length=4000, description="Filter, e.g. tags.team = 'risk'")]
OrderQ = Annotated[list[str] | None, Query(description="e.g. name, created_at DESC")]
MaxQ = Annotated[int, Query(ge=1, le=1000)]
TokenQ = Annotated[str | None, Query(max_length=200)]


@router.post("", status_code=201, summary="Create a registered model")
def create_model(body: ModelCreate, registry: Registry, actor: Actor) -> dict[str, Any]:
    model = registry.create_model(
        body.name, actor=actor, description=body.description, owner=body.owner, tags=body.tags
    )
    return model_to_dict(model)


@router.get("", summary="Search registered models")
def search_models(
    registry: Registry,
    filter: FilterQ = None,
    order_by: OrderQ = None,
    max_results: MaxQ = 100,
    page_token: TokenQ = None,
) -> dict[str, Any]:
    page = registry.search_models(filter, order_by=order_by, max_results=max_results, page_token=page_token)
    return {"items": [model_to_dict(m) for m in page.items], "next_page_token": page.next_page_token}


@router.get("/{name}", summary="Get a registered model")
def get_model(name: str, registry: Registry) -> dict[str, Any]:
    return model_to_dict(registry.get_model(name))


@router.patch("/{name}", summary="Update a model's description or tags")
def update_model(name: str, body: ModelUpdate, registry: Registry, actor: Actor) -> dict[str, Any]:
    model = registry.update_model(name, actor=actor, description=body.description, tags=body.tags)
    return model_to_dict(model)
