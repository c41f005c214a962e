"""Validation runs of a version: run a suite on uploaded or referenced data, list runs, read one, its report.

The data comes one of two ways:

- **uploaded**: the request body is the Parquet or CSV file itself
  (``Content-Type: application/vnd.apache.parquet`` or ``text/csv``), and
  ``target``, ``against``, ``sensitive`` (repeatable) and ``suite`` (YAML or
  JSON text) are query parameters;
- **referenced**: a JSON body whose ``data`` is ``{"artifact": DIGEST,
  "format": "parquet"|"csv"}``, a file uploaded to ``/api/v1/artifacts`` first
  (what the SDK does: no size limit but the artifact store's), or a small
  inline table ``{"columns": [...], "data": [[...], ...]}``.
"""

from __future__ import annotations

import io
import json
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import Field, ValidationError
from starlette.concurrency import run_in_threadpool

from steward.api.deps import Actor, get_steward
from steward.api.routes.versions import version_ref
from steward.api.schemas import Body
from steward.core.errors import InvalidInputError
from steward.core.validation.suites import Suite, load_suite, parse_suite
from steward.services.validation import ValidationService

router = APIRouter(prefix="/api/v1/models/{name}/versions/{version}/validations", tags=["validation"])
PARQUET_TYPES = ("application/vnd.apache.parquet", "application/x-parquet", "application/octet-stream")
Cell = str | int | float | bool | None


def get_validation(request: Request) -> ValidationService:
    return get_steward(request).validation


Validation = Annotated[ValidationService, Depends(get_validation)]


class DataRef(Body):
    artifact: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    format: Literal["parquet", "csv"] = "parquet"
    columns: list[str] | None = Field(default=None, max_length=10_000)
    data: list[list[Cell]] | None = None


class ValidateBody(Body):
    data: DataRef
    target: str = Field(max_length=250)
    suite: dict[str, Any] | list[Any] | None = None
    against: str | None = Field(default="champion", max_length=300)
    sensitive: list[str] = Field(default_factory=list, max_length=100)


def _read(raw: bytes, fmt: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(raw)) if fmt == "parquet" else pd.read_csv(io.BytesIO(raw))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            f"The data is not readable {fmt.upper()}: {' '.join(str(exc).split())[:200]}"
        ) from None


def _referenced(ref: DataRef, request: Request) -> pd.DataFrame:
    if ref.artifact is not None:
        return _read(get_steward(request).artifacts.get_bytes(ref.artifact), ref.format)
    if ref.columns is None or ref.data is None:
        raise InvalidInputError(
            "data is {'artifact': DIGEST, 'format': ...} or {'columns': [...], 'data': [[...]]}."
        )
    if any(len(row) != len(ref.columns) for row in ref.data):
        raise InvalidInputError(
            f"Every row of data.data must have {len(ref.columns)} values, one per column."
        )
    return pd.DataFrame(ref.data, columns=ref.columns)


def _suite(text: str | None) -> Suite | None:
    return None if text is None else load_suite(text)


@router.post(
    "",
    status_code=201,
    summary="Validate the version on uploaded (Parquet/CSV body) or referenced (JSON) data",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ValidateBody.model_json_schema()},
                "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def create_validation(
    name: str,
    version: str,
    request: Request,
    validation: Validation,
    actor: Actor,
    target: Annotated[str | None, Query(max_length=250)] = None,
    against: Annotated[str | None, Query(max_length=300)] = "champion",
    sensitive: Annotated[list[str] | None, Query()] = None,
    suite: Annotated[str | None, Query(max_length=20_000)] = None,
) -> dict[str, Any]:
    """201 with the run, a failed gate included (``passed: false``); 422 for bad input, nothing stored."""
    ref = version_ref(name, version)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if kind == "application/json":
        try:
            body = ValidateBody.model_validate(json.loads(raw or b"null"))
        except (ValueError, ValidationError) as exc:
            raise InvalidInputError(
                f"Invalid validation request: {' '.join(str(exc).split())[:300]}"
            ) from None
        frame = await run_in_threadpool(_referenced, body.data, request)
        chosen = None if body.suite is None else parse_suite(body.suite)
        target, against, sensitive = body.target, body.against, body.sensitive
    elif kind in PARQUET_TYPES or kind in ("text/csv", "application/csv"):
        if not target:
            raise InvalidInputError("Name the target column: ?target=COLUMN.")
        frame = await run_in_threadpool(_read, raw, "csv" if "csv" in kind else "parquet")
        chosen = _suite(suite)
    else:
        raise InvalidInputError(
            f"Unsupported content type {kind or 'none'!r}: send Parquet (application/vnd.apache.parquet), "
            "CSV (text/csv) or a JSON request."
        )
    run = await run_in_threadpool(
        lambda: validation.validate(
            ref, frame, target, suite=chosen, against=against or None, sensitive=sensitive or [], actor=actor
        )
    )
    return run.to_dict()


@router.get("", summary="The version's validation runs, newest first")
def list_validations(
    name: str, version: str, validation: Validation, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> dict[str, Any]:
    return {"items": [r.to_dict() for r in validation.list_runs(version_ref(name, version), limit=limit)]}


@router.get("/{run_id}", summary="One validation run with its report")
def get_validation_run(name: str, version: str, run_id: int, validation: Validation) -> dict[str, Any]:
    return validation.get_run(run_id, version_ref(name, version)).to_dict()


@router.get(
    "/{run_id}/report", summary="The run's readable HTML report with plots", response_class=HTMLResponse
)
def validation_report(name: str, version: str, run_id: int, validation: Validation) -> HTMLResponse:
    return HTMLResponse(validation.report_html(run_id, version_ref(name, version)))
