"""API tokens: create (the secret is in this one response only), list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from steward.api.deps import Actor, Identities
from steward.api.schemas import Body
from steward.core.governance_codec import token_to_dict

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


class TokenCreate(Body):
    principal: str | None = Field(
        default=None, max_length=128, description="Whose token; yourself if absent."
    )
    name: str = Field(default="", max_length=128)
    expires_in_days: int | None = Field(default=90, ge=1, le=3650, description="null: never expires.")


@router.post("", status_code=201, summary="Create a token (its secret is shown once)")
def create_token(body: TokenCreate, identities: Identities, actor: Actor) -> dict[str, Any]:
    issued = identities.create_token(
        body.principal or actor, actor=actor, name=body.name, expires_in_days=body.expires_in_days
    )
    return {**token_to_dict(issued.info), "token": issued.secret}


@router.get("", summary="Tokens: yours, or everyone's for an admin (never the secrets)")
def list_tokens(
    identities: Identities, actor: Actor, principal: Annotated[str | None, Query(max_length=128)] = None
) -> dict[str, Any]:
    return {"items": [token_to_dict(t) for t in identities.list_tokens(actor=actor, principal=principal)]}


@router.delete("/{token_id}", summary="Revoke a token")
def revoke_token(token_id: int, identities: Identities, actor: Actor) -> dict[str, Any]:
    return token_to_dict(identities.revoke_token(token_id, actor=actor))
