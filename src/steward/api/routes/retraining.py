"""Retraining: a model's config (``/api/v1/models/{name}/retraining``) and runs (``/api/v1/retraining``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

from steward.api.deps import Actor, get_steward
from steward.api.schemas import Body
from steward.core.retraining import RetrainConfig
from steward.services.retraining import RetrainingService

router = APIRouter(tags=["retraining"])


class RetrainConfigBody(Body):
    entry: str = Field(max_length=2000, description="'package.module:function' or a command line.")
    data: str = Field(max_length=2000, description="The training table: a .parquet or .csv path or URL.")
    target: str = Field(max_length=200, description="The label column.")
    holdout: str | None = Field(default=None, max_length=2000, description="Validate on this table.")
    params: dict[str, Any] = Field(default_factory=dict)
    alerts: list[str] = Field(default_factory=lambda: ["*"], description="Alert rule globs; [] turns off.")
    performance: str | None = Field(default=None, max_length=200, examples=["performance.auc < 0.8"])
    schedule: str | None = Field(default=None, max_length=200, description="A cron expression in UTC.")
    champion: str = Field(default="champion", max_length=128)
    suite: dict[str, Any] | None = None
    after: str = Field(default="approval", description="'approval' or 'alias:NAME'.")
    engine: str = Field(default="local", description="'local' or 'ray'.")
    timeout_s: float = 3600.0


class RunStart(Body):
    reason: str = Field(default="", max_length=1000)
    params: dict[str, Any] = Field(default_factory=dict, description="Merged over the config's params.")


class RunCancel(Body):
    reason: str = Field(default="", max_length=1000)


def get_retraining(request: Request) -> RetrainingService:
    return get_steward(request).retraining


Retraining = Annotated[RetrainingService, Depends(get_retraining)]
NamePath = Annotated[str, Path(max_length=128, description="The model's name.")]
RunPath = Annotated[int, Path(ge=1, lt=2**62, description="The run's id.")]


@router.put("/api/v1/models/{name}/retraining", summary="Declare (or replace) how a model is retrained")
def configure(
    name: NamePath, body: RetrainConfigBody, retraining: Retraining, actor: Actor
) -> dict[str, Any]:
    config = RetrainConfig.from_dict({"model": name, **body.model_dump()})
    return retraining.configure(config, actor=actor).to_dict()


@router.get("/api/v1/models/{name}/retraining", summary="A model's retraining config")
def get_config(name: NamePath, retraining: Retraining) -> dict[str, Any]:
    return retraining.get_config(name).to_dict()


@router.delete("/api/v1/models/{name}/retraining", summary="Stop retraining a model on triggers")
def remove(name: NamePath, retraining: Retraining, actor: Actor) -> dict[str, Any]:
    return retraining.remove_config(name, actor=actor).to_dict()


@router.post("/api/v1/models/{name}/retraining/runs", status_code=201, summary="Start a run now (queued)")
def start(name: NamePath, body: RunStart, retraining: Retraining, actor: Actor) -> dict[str, Any]:
    return retraining.start(name, actor=actor, reason=body.reason, params=body.params or None).to_dict()


@router.get("/api/v1/retraining/configs", summary="Every model's retraining config")
def configs(retraining: Retraining) -> dict[str, Any]:
    return {"items": [c.to_dict() for c in retraining.configs()]}


@router.get("/api/v1/retraining/runs", summary="Runs, newest first (skipped triggers included)")
def runs(
    retraining: Retraining,
    model: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    return {"items": [r.to_dict() for r in retraining.runs(model, limit=limit)]}


@router.get("/api/v1/retraining/runs/{run_id}", summary="One run")
def get_run(run_id: RunPath, retraining: Retraining) -> dict[str, Any]:
    return retraining.get_run(run_id).to_dict()


@router.post("/api/v1/retraining/runs/{run_id}/cancel", summary="Cancel a queued or running run")
def cancel(run_id: RunPath, body: RunCancel, retraining: Retraining, actor: Actor) -> dict[str, Any]:
    return retraining.cancel(run_id, actor=actor, reason=body.reason).to_dict()


@router.get("/api/v1/retraining/runs/{run_id}/logs", summary="The end of a run's log")
def logs(
    run_id: RunPath, retraining: Retraining, tail: Annotated[int, Query(ge=1, le=10_000)] = 200
) -> dict[str, Any]:
    return {"run": run_id, "log": retraining.logs(run_id, tail=tail)}
