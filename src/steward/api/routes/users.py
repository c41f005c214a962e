"""Users and service accounts, and the roles granted to them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from steward.api.deps import Actor, Identities
from steward.api.schemas import Body
from steward.core.governance_codec import principal_to_dict

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserCreate(Body):
    name: str = Field(max_length=128)
    kind: str = Field(default="user", max_length=16)
    role: str | None = Field(default=None, max_length=16)
    model: str | None = Field(default=None, max_length=128)


class GrantBody(Body):
    role: str = Field(max_length=16)
    model: str | None = Field(default=None, max_length=128, description="Scope: one model; none for all.")


@router.post("", status_code=201, summary="Create a user or service account")
def create_user(body: UserCreate, identities: Identities, actor: Actor) -> dict[str, Any]:
    created = identities.create_user(body.name, actor=actor, kind=body.kind, role=body.role, model=body.model)
    return principal_to_dict(created)


@router.get("", summary="Every user and service account, with their roles")
def list_users(identities: Identities) -> dict[str, Any]:
    return {"items": [principal_to_dict(p) for p in identities.list_users()]}


@router.get("/{name}", summary="A user or service account")
def get_user(name: str, identities: Identities) -> dict[str, Any]:
    return principal_to_dict(identities.get_user(name))


@router.post("/{name}/grants", summary="Grant a role, on every model or on one")
def grant(name: str, body: GrantBody, identities: Identities, actor: Actor) -> dict[str, Any]:
    return principal_to_dict(identities.grant(name, body.role, actor=actor, model=body.model))


@router.post("/{name}/grants/revoke", summary="Take a role back")
def revoke(name: str, body: GrantBody, identities: Identities, actor: Actor) -> dict[str, Any]:
    return principal_to_dict(identities.revoke(name, body.role, actor=actor, model=body.model))
