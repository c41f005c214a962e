"""Policies as code: publish YAML, read them, check a version against them, override."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from steward.api.deps import Actor, Policies
from steward.api.schemas import Body
from steward.core.codec import alias_event_to_dict
from steward.core.errors import InvalidInputError
from steward.core.governance_codec import check_to_dict, policy_to_dict

router = APIRouter(prefix="/api/v1/policies", tags=["policies"])


class PolicyPublish(Body):
    source: str = Field(max_length=100_000, description="The policy's YAML.")


class Override(Body):
    model: str = Field(max_length=128)
    alias: str = Field(max_length=64)
    version: int | None = Field(default=None, ge=1, description="The version; omit it with delete.")
    delete: bool = Field(default=False, description="Delete the protected alias instead of moving it.")
    reason: str = Field(min_length=1, max_length=1000)


@router.post("", status_code=201, summary="Publish a policy (the next immutable version of its name)")
def publish(body: PolicyPublish, policies: Policies, actor: Actor) -> dict[str, Any]:
    return policy_to_dict(policies.publish(body.source, actor=actor))


@router.get("", summary="The policies in force (newest version of each)")
def list_policies(policies: Policies) -> dict[str, Any]:
    return {"items": [policy_to_dict(p) for p in policies.list()]}


@router.get(
    "/check", summary="Every gate guarding an alias (or env:NAME) for a version, with pass/fail and why"
)
def check(
    policies: Policies,
    ref: Annotated[str, Query(max_length=300)],
    alias: Annotated[str, Query(max_length=64, description="An alias, or env:NAME for an environment.")],
) -> dict[str, Any]:
    return check_to_dict(policies.check(ref, alias))


@router.post(
    "/override", summary="Move (or delete) a protected alias despite its policy (admin, with a reason)"
)
def override(body: Override, policies: Policies, actor: Actor) -> dict[str, Any]:
    if (body.version is None) != body.delete:
        raise InvalidInputError("Give either a version to move the alias to, or delete: true.")
    event = policies.override(body.model, body.alias, body.version, actor=actor, reason=body.reason)
    return alias_event_to_dict(event)


@router.get("/{name}", summary="A policy (newest, or ?version=N)")
def get_policy(
    name: str, policies: Policies, version: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    return policy_to_dict(policies.get(name, version))
