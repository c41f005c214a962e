"""Monitoring: references, runs, labels, figures and reports of deployments.

Tables travel as Parquet bodies (``Content-Type: application/vnd.apache.parquet``),
so column types survive the trip.
"""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from steward.api.deps import Actor, Monitoring
from steward.api.schemas import MonitorSettings
from steward.core.errors import InvalidInputError
from steward.core.search import parse_time
from steward.services.monitoring_report import build_report, render_html

router = APIRouter(tags=["monitoring"])
PARQUET = "application/vnd.apache.parquet"
TextQ = Annotated[str | None, Query(max_length=300)]


async def read_table(request: Request, what: str) -> Any:
    """The request's Parquet body as a pandas DataFrame; InvalidInputError if it is not one."""
    import pandas as pd

    body = await request.body()
    if not body:
        raise InvalidInputError(f"Send {what} as a Parquet body (Content-Type: {PARQUET}).")
    try:
        return pd.read_parquet(io.BytesIO(body))
    except (ValueError, OSError) as exc:
        raise InvalidInputError(f"{what.capitalize()} must be a Parquet file: {exc}.") from None


@router.put("/api/v1/monitoring/references", summary="Set a version's reference (Parquet body)")
async def set_reference(
    request: Request,
    monitoring: Monitoring,
    actor: Actor,
    ref: Annotated[str, Query(max_length=300, description="churn/3 or churn@champion")],
    labels: TextQ = None,
    task: TextQ = None,
    importance: Annotated[
        str | None, Query(max_length=100_000, description='JSON: {"feature": weight, ...}')
    ] = None,
) -> dict[str, Any]:
    weights = None
    if importance is not None:
        try:
            weights = json.loads(importance)
        except ValueError:
            raise InvalidInputError('importance is a JSON object: {"feature": weight, ...}.') from None
        if not isinstance(weights, dict):
            raise InvalidInputError('importance is a JSON object: {"feature": weight, ...}.')
    data = await read_table(request, "the reference data")
    return monitoring.set_reference(
        ref, data, actor=actor, labels=labels, task=task, importance=weights
    ).to_dict()


@router.get("/api/v1/monitoring/references", summary="A version's reference")
def get_reference(monitoring: Monitoring, ref: Annotated[str, Query(max_length=300)]) -> dict[str, Any]:
    return monitoring.get_reference(ref).to_dict()


@router.put("/api/v1/deployments/{name}/monitoring", summary="Set the window and drift settings")
def configure(name: str, body: MonitorSettings, monitoring: Monitoring, actor: Actor) -> dict[str, Any]:
    return monitoring.configure(name, actor=actor, window=body.window, drift=body.drift)


@router.post("/api/v1/deployments/{name}/monitoring/run", summary="Process new payload-log files")
def run(name: str, monitoring: Monitoring, actor: Actor, engine: TextQ = "local") -> dict[str, Any]:
    # engine=ray runs on the Ray the control plane is connected to (or a local one); a client never
    # names a cluster for the server to send work to and take pickled results from
    return monitoring.run(name, actor=actor, engine=engine or "local").to_dict()


@router.post("/api/v1/deployments/{name}/monitoring/labels", summary="Ground truth by request id (Parquet)")
async def labels(
    name: str, request: Request, monitoring: Monitoring, actor: Actor, label_column: TextQ = "label"
) -> dict[str, Any]:
    data = await read_table(request, "the labels")
    return monitoring.labels(name, data, actor=actor, label_column=label_column or "label").to_dict()


@router.get("/api/v1/deployments/{name}/monitoring/figures", summary="Figures, oldest window first")
def figures(
    name: str,
    monitoring: Monitoring,
    figure: Annotated[str | None, Query(alias="name", max_length=300)] = None,
    version: TextQ = None,
    since: TextQ = None,
    until: TextQ = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> dict[str, Any]:
    found = monitoring.figures(
        name,
        name=figure,
        version=version,
        since=parse_time(since, "since") if since else None,
        until=parse_time(until, "until") if until else None,
        limit=limit,
    )
    return {"items": [f.to_dict() for f in found]}


@router.get("/api/v1/deployments/{name}/monitoring/report", summary="The monitoring report (HTML or JSON)")
def report(
    name: str,
    monitoring: Monitoring,
    window: Annotated[str, Query(max_length=64)] = "latest",
    format: Annotated[str, Query(pattern="^(html|json)$")] = "html",
) -> Response:
    data = build_report(monitoring, name, window)
    if format == "json":
        import json

        return Response(json.dumps(data, allow_nan=False), media_type="application/json")
    return HTMLResponse(render_html(data))
