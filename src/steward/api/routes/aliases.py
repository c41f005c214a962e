"""Aliases: move, delete, roll back, and their history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from steward.api.deps import Actor, Registry
from steward.api.schemas import AliasSet, Reason
from steward.core.codec import alias_event_to_dict, version_to_dict
from steward.core.registry import ModelRef
from steward.core.search import parse_time

router = APIRouter(prefix="/api/v1/models/{name}", tags=["aliases"])


@router.get("/aliases/{alias}", summary="The version an alias points to")
def get_alias(name: str, alias: str, registry: Registry) -> dict[str, Any]:
    return version_to_dict(registry.get_version(ModelRef.parse(f"{name}@{alias}")))


@router.put("/aliases/{alias}", summary="Point an alias at a version")
def set_alias(name: str, alias: str, body: AliasSet, registry: Registry, actor: Actor) -> dict[str, Any]:
    event = registry.set_alias(name, alias, body.version, actor=actor, reason=body.reason)
    return alias_event_to_dict(event)


@router.delete("/aliases/{alias}", summary="Delete an alias")
def delete_alias(
    name: str,
    alias: str,
    registry: Registry,
    actor: Actor,
    reason: Annotated[str, Query(max_length=1000)] = "",
) -> dict[str, Any]:
    return alias_event_to_dict(registry.delete_alias(name, alias, actor=actor, reason=reason))


@router.post("/aliases/{alias}/rollback", summary="Move an alias back to where it was before")
def rollback_alias(name: str, alias: str, body: Reason, registry: Registry, actor: Actor) -> dict[str, Any]:
    return alias_event_to_dict(registry.rollback_alias(name, alias, actor=actor, reason=body.reason))


@router.get("/alias-history", summary="Every move of the model's aliases, oldest first")
def alias_history(
    name: str, registry: Registry, alias: Annotated[str | None, Query(max_length=64)] = None
) -> dict[str, Any]:
    return {"items": [alias_event_to_dict(e) for e in registry.alias_history(name, alias)]}


@router.get("/aliases/{alias}/at", summary="The version an alias pointed to at a time")
def alias_at(
    name: str, alias: str, registry: Registry, time: Annotated[str, Query(max_length=64)]
) -> dict[str, Any]:
    at = parse_time(time, "time")
    return {
        "model": name,
        "alias": alias,
        "at": at.isoformat(),
        "version": registry.alias_at(name, alias, at),
    }
