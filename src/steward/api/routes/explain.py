"""Explanations of a version: compute (or reuse) one, list and read stored ones, draw one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from steward.api.deps import Actor, get_steward
from steward.api.routes.versions import version_ref
from steward.api.schemas import Body
from steward.core.errors import InvalidInputError
from steward.core.explain import ExplainRequest, explanation_to_dict
from steward.core.explain.charts import FORMATS
from steward.services.explain import ExplainService

router = APIRouter(prefix="/api/v1/models/{name}/versions/{version}/explanations", tags=["explanations"])


def get_explain(request: Request) -> ExplainService:
    return get_steward(request).explain


Explain = Annotated[ExplainService, Depends(get_explain)]
Cell = str | int | float | bool | None


class TableBody(Body):
    """A table as pandas' ``split`` orientation without the index."""

    columns: list[str] = Field(min_length=1, max_length=10_000)
    data: list[list[Cell]] = Field(min_length=1)


class ExplainBody(Body):
    data: TableBody
    kind: Literal["global", "local", "pdp", "sensitivity"] = "global"
    method: str = Field(default="auto", max_length=32)
    row: int | None = Field(default=None, ge=0)
    target: str | None = Field(default=None, max_length=250)
    scoring: str | None = Field(default=None, max_length=64)
    features: list[str] | None = Field(default=None, max_length=10_000)
    class_index: int | None = None
    n_repeats: int = 5
    max_rows: int = 1000
    background: int = 100
    grid_size: int = 20
    ice_rows: int = 50
    seed: int = 0


def _frame(table: TableBody) -> pd.DataFrame:
    width = len(table.columns)
    if any(len(row) != width for row in table.data):
        raise InvalidInputError(f"Every row of data.data must have {width} values, one per column.")
    if len(set(table.columns)) != width:
        raise InvalidInputError("data.columns must be unique.")
    return pd.DataFrame(table.data, columns=table.columns)


@router.post("", summary="Explain a version on the data given (a stored result is reused)")
def create_explanation(
    name: str, version: str, body: ExplainBody, explain: Explain, actor: Actor, response: Response
) -> dict[str, Any]:
    """201 with a new explanation; 200 with the stored one when this data and request were explained."""
    request = ExplainRequest.from_dict(body.model_dump(exclude={"data"}))
    found = explain.explain(version_ref(name, version), _frame(body.data), request, actor=actor)
    response.status_code = 200 if found.reused else 201
    return explanation_to_dict(found)


@router.get("", summary="The version's stored explanations, newest first (without results)")
def list_explanations(
    name: str,
    version: str,
    explain: Explain,
    kind: Annotated[Literal["global", "local", "pdp", "sensitivity"] | None, Query()] = None,
) -> dict[str, Any]:
    items = explain.list(version_ref(name, version), kind)
    return {"items": [explanation_to_dict(e, with_result=False) for e in items]}


@router.get("/{explanation_id}", summary="A stored explanation with its result")
def get_explanation(name: str, version: str, explanation_id: int, explain: Explain) -> dict[str, Any]:
    return explanation_to_dict(explain.get(version_ref(name, version), explanation_id))


@router.get(
    "/{explanation_id}/plot",
    summary="A stored explanation drawn as SVG (or ?format=png)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
def plot_explanation(
    name: str,
    version: str,
    explanation_id: int,
    explain: Explain,
    format: Annotated[Literal["svg", "png"], Query()] = "svg",
) -> Response:
    image = explain.chart(version_ref(name, version), explanation_id, fmt=format)
    return Response(content=image, media_type=FORMATS[format])
