"""MLflow scoring at /invocations: every body format, CSV, and the health routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from steward.serving.app import ServingApp
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import COLUMNS, split

pytestmark = pytest.mark.anyio
Served = tuple[ServingApp, StaticResolver, httpx.AsyncClient]

ROWS = [[1, 50.0, "basic"], [40, None, "pro"], [12, 80.5, "plus"]]
RECORDS = [dict(zip(COLUMNS, row, strict=True)) for row in ROWS]
BODIES: dict[str, Any] = {
    "dataframe_split": split(ROWS),
    "dataframe_records": {"dataframe_records": RECORDS},
    "instances_records": {"instances": RECORDS},
    "instances_rows": {"instances": ROWS},
    "inputs_columns": {"inputs": {c: [row[i] for row in ROWS] for i, c in enumerate(COLUMNS)}},
    "inputs_records": {"inputs": RECORDS, "params": {"ignored": 1}},
}


@pytest.mark.parametrize("kind", list(BODIES))
async def test_every_json_format_gives_the_same_predictions(served: Served, kind: str) -> None:
    _, _, client = served
    reference = (await client.post("/invocations", json=BODIES["dataframe_split"])).json()
    response = await client.post("/invocations", json=BODIES[kind])
    assert response.status_code == 200, response.text
    assert response.json() == reference
    assert reference["model_version"] == "churn/1" and len(reference["predictions"]) == 3
    assert response.headers["steward-model-version"] == "churn/1"


async def test_csv(served: Served) -> None:
    _, _, client = served
    reference = (await client.post("/invocations", json=BODIES["dataframe_split"])).json()
    csv = b"tenure,charges,plan\n1,50.0,basic\n40,,pro\n12,80.5,plus\n"
    response = await client.post("/invocations", content=csv, headers={"content-type": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.json() == reference


async def test_health_and_version(served: Served) -> None:
    _, _, client = served
    assert (await client.get("/ping")).status_code == 200
    assert (await client.get("/health")).status_code == 200
    version = (await client.get("/version")).json()
    assert version["deployment"] == "churn-api" and version["model_versions"] == ["churn/1"]


async def test_tensor_model_takes_instances(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        rows = [[1.5, 1.0, 0.2, 0.0], [-2.0, -1.0, 0.0, 1.0]]
        response = await client.post("/invocations", json={"instances": rows})
        assert response.status_code == 200, response.text
        assert response.json() == {"predictions": [1, 0], "model_version": "digits/1"}
        named = await client.post("/invocations", json={"inputs": {"input": rows}})
        assert named.json() == response.json()
