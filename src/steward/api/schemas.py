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


class RouteBody(Body):
    ref: str = Field(max_length=300, description="A version (churn/3) or an alias (churn@champion).")
    weight: float = Field(strict=True, description="Percent of the traffic; the routes add up to 100.")


class BatchingBody(Body):
    enabled: bool = Field(default=False, strict=True)
    max_batch_size: int = Field(default=32, strict=True)
    max_wait_ms: float = Field(default=5.0, strict=True)


class DeploymentSpecBody(Body):
    routes: list[RouteBody] = Field(max_length=100)
    shadows: list[str] = Field(default_factory=list, max_length=100)
    sticky_header: str | None = Field(default=None, max_length=64)
    fallback: str | None = Field(default=None, max_length=300)
    batching: BatchingBody = Field(default_factory=BatchingBody)
    log_sample_rate: float = Field(default=1.0, strict=True)
    description: str = Field(default="", max_length=5000)
    killed: str | None = Field(default=None, max_length=1000, description="The kill switch's reason.")
    environment: str | None = Field(
        default=None,
        max_length=60,
        description="The environment it runs in (e.g. production); kept once set.",
    )


class KillVersion(Body):
    ref: str = Field(max_length=300, description="A version (churn/3) or an alias (churn@champion).")
    reason: str = Field(default="", max_length=1000, description="Why (required).")


class DeploymentCreate(Body):
    name: str = Field(max_length=63)
    spec: DeploymentSpecBody
    reason: str = Field(default="", max_length=1000)


class DeploymentUpdate(Body):
    spec: DeploymentSpecBody
    reason: str = Field(default="", max_length=1000)


class Promote(Body):
    ref: str = Field(max_length=300)
    reason: str = Field(default="", max_length=1000)


class MonitorSettings(Body):
    window: str = Field(default="hour", max_length=16)  # hour, day or rows:N; the service checks it
    drift: dict[str, Any] = Field(default_factory=dict)


class AlertRuleBody(Body):
    pattern: str = Field(max_length=300, description="A figure name or glob: drift.share, drift.*")
    comparison: str = Field(pattern="^(>|>=|<|<=)$")
    threshold: float
    severity: str = Field(default="warning", pattern="^(info|warning|critical)$")
    for_windows: int = Field(default=1, ge=1, le=1000)
    cooldown_seconds: float = Field(default=0, ge=0)
    deployment: str | None = Field(default=None, max_length=63)
    notifiers: list[dict[str, Any]] = Field(default_factory=lambda: [{"type": "log"}], max_length=20)
    enabled: bool = True
    description: str = Field(default="", max_length=1000)


class WebhookCreate(Body):
    url: str = Field(max_length=2000, description="Where to POST events: an http:// or https:// URL.")
    events: list[str] | str = Field(
        description="Event type patterns, a list or comma-separated: ['alias.*', 'deployment.*'] or '*'."
    )
    secret: str | None = Field(
        default=None, max_length=200, description="Signing secret (16-200 characters); random when left out."
    )
    reason: str = Field(default="", max_length=1000, description="Why (kept in the audit trail).")
