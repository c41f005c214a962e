"""Model versions: register, read, search, lineage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from steward.api.deps import Actor, Registry
from steward.api.routes.models import FilterQ, MaxQ, OrderQ, TokenQ
from steward.api.schemas import VersionCreate
from steward.core.codec import draft_from_dict, version_to_dict
from steward.core.registry import ModelRef, check_model_name, check_version_number

router = APIRouter(prefix="/api/v1", tags=["versions"])


def version_ref(name: str, version: str) -> ModelRef:
    check_model_name(name)
    if version == "latest":
        return ModelRef(name)
    return ModelRef(name, version=check_version_number(version))


@router.post("/models/{name}/versions", status_code=201, summary="Register a version")
def register_version(name: str, body: VersionCreate, registry: Registry, actor: Actor) -> dict[str, Any]:
    """The artifact (a manifest digest) must have been uploaded to /api/v1/artifacts first."""
    draft = draft_from_dict({"model": name, **body.model_dump()})
    return version_to_dict(registry.register_version(draft, actor=actor))


@router.get("/models/{name}/versions/{version}", summary="Get a version (a number or 'latest')")
def get_version(name: str, version: str, registry: Registry) -> dict[str, Any]:
    return version_to_dict(registry.get_version(version_ref(name, version)))


@router.get("/models/{name}/versions/{version}/lineage", summary="A version's lineage and ancestors")
def get_lineage(name: str, version: str, registry: Registry) -> dict[str, Any]:
    report = registry.lineage(version_ref(name, version))
    return {
        "version": version_to_dict(report.version),
        "lineage": report.lineage.to_dict(),
        "ancestors": list(report.ancestors),
    }


@router.get("/versions", summary="Search versions across models")
def search_versions(
    registry: Registry,
    filter: FilterQ = None,
    order_by: OrderQ = None,
    max_results: MaxQ = 100,
    page_token: TokenQ = None,
) -> dict[str, Any]:
    page = registry.search_versions(filter, order_by=order_by, max_results=max_results, page_token=page_token)
    return {"items": [version_to_dict(v) for v in page.items], "next_page_token": page.next_page_token}


@router.get("/refs/{ref:path}", summary="Resolve a reference: churn/3, churn@champion, churn")
def resolve_ref(ref: str, registry: Registry) -> dict[str, Any]:
    return version_to_dict(registry.get_version(ref))
