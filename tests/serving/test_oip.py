"""Open Inference Protocol v2: metadata, health, and predictions for a table and a tensor model."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from steward.serving.app import ServingApp
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import oip_columns, oip_tensor

pytestmark = pytest.mark.anyio
Served = tuple[ServingApp, StaticResolver, httpx.AsyncClient]


async def test_server_metadata_and_health(served: Served) -> None:
    _, _, client = served
    assert (await client.get("/v2")).json()["name"] == "steward"
    live = await client.get("/v2/health/live")
    assert (live.status_code, live.json()) == (200, {"live": True})
    ready = await client.get("/v2/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"ready": True})
    model_ready = await client.get("/v2/models/churn-api/ready")
    assert model_ready.json() == {"name": "churn-api", "ready": True}
    assert (await client.get("/v2/models/churn-api/versions/1/ready")).status_code == 200


async def test_model_metadata_comes_from_the_signature(served: Served) -> None:
    _, _, client = served
    meta = (await client.get("/v2/models/churn-api")).json()
    assert meta["name"] == "churn-api"
    assert meta["versions"] == ["1"]
    assert meta["platform"] == "steward_sklearn"
    assert meta["inputs"] == [
        {"name": "tenure", "datatype": "INT64", "shape": [-1]},
        {"name": "charges", "datatype": "FP64", "shape": [-1]},
        {"name": "plan", "datatype": "BYTES", "shape": [-1]},
    ]
    assert [o["name"] for o in meta["outputs"]] == ["predict", "predict_proba"]
    pinned = await client.get("/v2/models/churn-api/versions/1")
    assert pinned.headers["steward-model-version"] == "churn/1"


async def test_infer_columns_matches_the_model(served: Served, registry: Registry) -> None:
    app, _, client = served
    body = oip_columns(4)
    response = await client.post("/v2/models/churn-api/infer", json={**body, "id": "req-1"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert response.headers["steward-model-version"] == "churn/1"
    assert answer["model_name"] == "churn-api"
    assert answer["model_version"] == "churn/1"
    assert answer["id"] == "req-1"
    predict, proba = answer["outputs"]
    assert predict["name"] == "predict" and predict["shape"] == [4] and predict["datatype"] == "INT64"
    assert proba["name"] == "predict_proba" and proba["shape"] == [4, 2] and proba["datatype"] == "FP64"
    import pandas as pd

    frame = pd.DataFrame({i["name"]: i["data"] for i in body["inputs"]})
    model = app.runtime.table.routes[0].model  # type: ignore[union-attr]
    assert predict["data"] == model.predict(frame).tolist()
    assert np.allclose(np.reshape(proba["data"], (4, 2)), model.predict_proba(frame))


async def test_infer_accepts_nested_column_data_and_generates_an_id(served: Served) -> None:
    _, _, client = served
    body: dict[str, Any] = oip_columns(2)
    for item in body["inputs"]:
        item["shape"] = [2, 1]
        item["data"] = [[v] for v in item["data"]]
    answer = (await client.post("/v2/models/churn-api/infer", json=body)).json()
    assert len(answer["id"]) == 32 and answer["outputs"][0]["shape"] == [2]


async def test_outputs_selects_what_is_computed(served: Served) -> None:
    _, _, client = served
    body = {**oip_columns(2), "outputs": [{"name": "predict_proba"}]}
    answer = (await client.post("/v2/models/churn-api/infer", json=body)).json()
    assert [o["name"] for o in answer["outputs"]] == ["predict_proba"]


async def test_body_without_content_type_is_json(served: Served) -> None:
    _, _, client = served
    import json

    response = await client.post("/v2/models/churn-api/infer", content=json.dumps(oip_columns(2)).encode())
    assert response.status_code == 200, response.text


async def test_pinned_version(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"churn/1": 50, "churn/2": 50})
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for version in ("1", "2"):
            for _ in range(5):
                r = await client.post(f"/v2/models/churn-api/versions/{version}/infer", json=oip_columns(2))
                assert r.json()["model_version"] == f"churn/{version}"
        missing = await client.post("/v2/models/churn-api/versions/9/infer", json=oip_columns(2))
        assert missing.status_code == 404 and "churn/1, churn/2" in missing.json()["error"]


async def test_infer_tensor_flat_or_nested(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        meta = (await client.get("/v2/models/churn-api")).json()
        assert meta["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 4]}]
        nested = oip_tensor(3)
        flat = {"inputs": [{**nested["inputs"][0], "data": np.ravel(nested["inputs"][0]["data"]).tolist()}]}
        answers = []
        for body in (nested, flat):
            response = await client.post("/v2/models/churn-api/infer", json=body)
            assert response.status_code == 200, response.text
            answers.append(response.json())
        assert answers[0]["outputs"] == answers[1]["outputs"]
        model = app.runtime.table.routes[0].model  # type: ignore[union-attr]
        expected = model.predict(np.asarray(nested["inputs"][0]["data"], dtype="float32"))
        assert answers[0]["outputs"][0]["data"] == expected.tolist()
        assert answers[0]["model_version"] == "digits/1"
