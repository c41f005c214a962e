"""Request bodies. Pydantic lives here, at the HTTP edge only."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Scalar = str | int | float | bool


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelCreate(Body):
    name: str = Field(max_length=128)
    description: str = Field(default="", max_length=5000)
    owner: str | None = Field(default=None, max_length=200)
    tags: dict[str, Scalar] = Field(default_factory=dict)


class ModelUpdate(Body):
    description: str | None = Field(default=None, max_length=5000)
    tags: dict[str, Scalar] | None = None


class VersionCreate(Body):
    artifact_digest: str = Field(min_length=64, max_length=64)
    flavor: str = Field(max_length=32)
    signature: dict[str, Any] | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    params: dict[str, Scalar] = Field(default_factory=dict)
    tags: dict[str, Scalar] = Field(default_factory=dict)
    description: str = Field(default="", max_length=5000)
    lineage: dict[str, Any] | None = None
    flavor_options: dict[str, Any] = Field(default_factory=dict)


class AliasSet(Body):
    version: int = Field(ge=1)
    reason: str = Field(default="", max_length=1000)


class Reason(Body):
    reason: str = Field(default="", max_length=1000)
