"""POST /v2/models/{name}[/versions/{v}]/explain: contributions per row against the version's background."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from steward import Client
from steward.core.lineage import describe_dataset
from steward.serving.app import ServingApp
from steward.serving.explain import MAX_ROWS, Backgrounds
from tests.serving.conftest import DEPLOYMENT, Registry, StaticResolver, build_app, churn_frame, churn_model
from tests.serving.requests import oip_columns, oip_tensor

pytestmark = pytest.mark.anyio
URL = f"/v2/models/{DEPLOYMENT}/explain"


def _app(registry: Registry, routes: dict[str, float], backgrounds: Backgrounds | None) -> ServingApp:
    resolver = StaticResolver(registry, routes)
    app = build_app(resolver, registry.loader())
    if backgrounds is not None:
        app.backgrounds = backgrounds
        app.runtime.on_load = backgrounds.prepare
    assert app.runtime.refresh()
    return app


async def _client(app: ServingApp) -> AsyncIterator[httpx.AsyncClient]:
    await app.startup()  # the explanation thread
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await app.shutdown()


@pytest.fixture
async def client(registry: Registry) -> AsyncIterator[httpx.AsyncClient]:
    """churn@champion (v1) and churn/2, with the training frame as every version's background."""
    frame, _ = churn_frame(300, seed=3)
    app = _app(registry, {"churn@champion": 50, "churn/2": 50}, Backgrounds(frame))
    async for found in _client(app):
        yield found


async def test_each_row_gets_contributions_that_add_up_to_the_models_output(
    client: httpx.AsyncClient, registry: Registry
) -> None:
    body = {**oip_columns(3), "id": "why-1"}
    response = await client.post(f"/v2/models/{DEPLOYMENT}/versions/1/explain", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model_name"] == DEPLOYMENT and answer["id"] == "why-1"
    assert answer["model_version"] == "churn/1" == response.headers["steward-model-version"]
    rows = answer["explanations"]
    assert len(rows) == 3
    model = registry.loader()(registry.version("churn/1"))
    inputs = pd.DataFrame(
        {"tenure": [0, 3, 6], "charges": [50.0, 51.0, 52.0], "plan": ["basic", "pro", "plus"]}
    )
    expected = model.predict_proba(inputs)[:, 1]
    for row, want in zip(rows, expected, strict=True):
        assert set(row["values"]) == {"tenure", "charges", "plan"}
        assert row["method"] == "sampling" and row["output_space"] == "probability"
        assert row["output"] == pytest.approx(want, abs=1e-9)  # the model's own P(class 1) for the row
        assert row["base_value"] + sum(row["values"].values()) == pytest.approx(row["output"], abs=1e-9)
    assert len({round(r["values"]["tenure"], 9) for r in rows}) == 3  # each row explained on its own


async def test_a_pinned_version_explains_with_its_own_model(client: httpx.AsyncClient) -> None:
    one = (await client.post(f"/v2/models/{DEPLOYMENT}/versions/1/explain", json=oip_columns(1))).json()
    two = (await client.post(f"/v2/models/{DEPLOYMENT}/versions/2/explain", json=oip_columns(1))).json()
    assert (one["model_version"], two["model_version"]) == ("churn/1", "churn/2")
    assert one["explanations"][0]["output"] != two["explanations"][0]["output"]


async def test_the_same_request_gets_the_same_answer(client: httpx.AsyncClient) -> None:
    url = f"/v2/models/{DEPLOYMENT}/versions/2/explain"
    first, second = [(await client.post(url, json=oip_columns(2))).json()["explanations"] for _ in range(2)]
    assert first == second


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (oip_columns(MAX_ROWS + 1), 400, f"at most {MAX_ROWS}"),
        ({"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [3]}]}, 400, "'age'"),
        ({**oip_columns(1), "parameters": {"method": "magic"}}, 400, "Unknown explanation method"),
        ({**oip_columns(1), "parameters": {"class_index": -1}}, 400, "class_index"),
        ({**oip_columns(1), "parameters": {"class_index": 5}}, 400, "out of range"),
        ({**oip_columns(1), "parameters": {"method": "treeshap"}}, 400, ""),
        ({**oip_columns(1), "parameters": "sampling"}, 400, '"parameters"'),
    ],
)
async def test_bad_requests_are_400_with_a_message(
    client: httpx.AsyncClient, body: dict[str, object], status: int, words: str
) -> None:
    response = await client.post(URL, json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


async def test_explain_takes_post_only_and_names_the_deployment(client: httpx.AsyncClient) -> None:
    response = await client.get(URL)
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    response = await client.post("/v2/models/other/explain", json=oip_columns(1))
    assert response.status_code == 404 and "'other'" in response.json()["error"]


async def test_explanations_are_counted_in_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.post(URL, json=oip_columns(1))).status_code == 200
    assert (await client.post(URL, json=oip_columns(MAX_ROWS + 1))).status_code == 400
    text = (await client.get("/metrics")).text
    assert 'protocol="explain",status="200"' in text and 'protocol="explain",status="400"' in text


async def test_without_a_background_the_answer_is_404_saying_how_to_give_one(registry: Registry) -> None:
    app = _app(registry, {"churn/1": 100}, None)
    async for client in _client(app):
        response = await client.post(URL, json=oip_columns(1))
        assert response.status_code == 404
        assert "--explain-background" in response.json()["error"]
        assert (await client.post(f"/v2/models/{DEPLOYMENT}/infer", json=oip_columns(1))).status_code == 200


async def test_a_background_without_the_models_columns_is_a_400(registry: Registry) -> None:
    app = _app(registry, {"churn/1": 100}, Backgrounds(pd.DataFrame({"tenure": [1, 2, 3]})))
    async for client in _client(app):
        response = await client.post(URL, json=oip_columns(1))
        assert response.status_code == 400
        assert "'charges'" in response.json()["error"] and "'plan'" in response.json()["error"]


async def test_a_tensor_model_cannot_be_explained(registry: Registry) -> None:
    app = _app(registry, {"digits/1": 100}, Backgrounds(pd.DataFrame({"input": [1.0]})))
    async for client in _client(app):
        response = await client.post(URL, json=oip_tensor(1))
        assert response.status_code == 400 and "tensors" in response.json()["error"]


async def test_the_background_is_drawn_when_the_version_loads_not_per_request(registry: Registry) -> None:
    frame, _ = churn_frame(500, seed=4)
    backgrounds = Backgrounds(Backgrounds(frame)._sample(frame))
    app = _app(registry, {"churn/1": 100}, backgrounds)
    kept = backgrounds._kept["churn/1"]  # drawn by the refresh, before any request
    assert isinstance(kept, pd.DataFrame) and len(kept) == 100
    assert str(kept["tenure"].dtype) == "int64" and list(kept.columns) == ["tenure", "charges", "plan"]
    async for client in _client(app):
        assert (await client.post(URL, json=oip_columns(1))).status_code == 200
    assert backgrounds._kept["churn/1"] is kept


async def test_a_versions_lineage_training_data_is_its_background(registry: Registry, tmp_path: Path) -> None:
    frame, y = churn_frame(150, seed=5)
    data = tmp_path / "train.parquet"
    frame.to_parquet(data)
    with Client(registry.uri, actor="tester") as sdk:
        version = sdk.register(
            churn_model(1.0).fit(frame, y),
            "churn",
            input_example=frame.head(10),
            datasets=[describe_dataset(frame, "train", "training", uri=str(data))],
            capture_code=False,
        )
    app = _app(registry, {version.ref: 100}, None)
    async for client in _client(app):
        response = await client.post(URL, json=oip_columns(2))
        assert response.status_code == 200, response.text
        rows = response.json()["explanations"]
        assert all(np.isfinite(list(r["values"].values())).all() for r in rows)
    data.unlink()  # a lineage uri that is gone: a clear 404 for a new server
    app = _app(registry, {version.ref: 100}, None)
    async for client in _client(app):
        response = await client.post(URL, json=oip_columns(1))
        assert response.status_code == 404 and "No such data file" in response.json()["error"]


@pytest.mark.slow
def test_a_real_server_explains_with_its_background_file_and_keeps_answering(
    registry: Registry, tmp_path: Path
) -> None:
    from tests.serving.process import steward_serve

    frame, _ = churn_frame(400, seed=6)
    background = tmp_path / "sample.csv"
    frame.to_csv(background, index=False)
    with Client(registry.uri, actor="tester") as sdk:
        sdk.create_deployment(DEPLOYMENT, {"churn/1": 100})
    serving = steward_serve(
        tmp_path, registry.uri, DEPLOYMENT, "--no-payload-log", "--explain-background", str(background)
    )
    with serving as served:
        response = httpx.post(f"{served.url}{URL}", json=oip_columns(2), timeout=60)
        assert response.status_code == 200, response.text
        rows = response.json()["explanations"]
        assert [r["base_value"] + sum(r["values"].values()) for r in rows] == pytest.approx(
            [r["output"] for r in rows], abs=1e-9
        )
        bad = httpx.post(f"{served.url}{URL}", json=oip_columns(MAX_ROWS + 1), timeout=60)
        assert bad.status_code == 400 and f"at most {MAX_ROWS}" in bad.json()["error"]
        infer = httpx.post(f"{served.url}/v2/models/{DEPLOYMENT}/infer", json=oip_columns(1), timeout=60)
        assert infer.status_code == 200
    assert "Traceback" not in served.output()


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_a_background_file_is_read_only_as_far_as_its_first_rows(tmp_path: Path, suffix: str) -> None:
    from steward.serving.explain import SOURCE_ROWS

    frame, _ = churn_frame(3 * SOURCE_ROWS, seed=7)
    frame["tenure"] = np.arange(len(frame))  # a row's number
    path = tmp_path / f"big.{suffix}"
    frame.to_parquet(path, row_group_size=SOURCE_ROWS // 2) if suffix == "parquet" else frame.to_csv(path)
    backgrounds = Backgrounds.from_file(str(path))
    assert backgrounds.source is not None and len(backgrounds.source) == 100
    assert backgrounds.source["tenure"].max() < SOURCE_ROWS
    assert backgrounds.source["tenure"].nunique() == 100  # drawn, not the first 100
    assert backgrounds.source["tenure"].max() > 100


async def test_a_model_that_raises_while_explained_is_a_500_naming_it_and_the_server_keeps_going(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.serving import explain

    def failing(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("the model divided by zero")

    monkeypatch.setattr(explain, "explain_row", failing)
    response = await client.post(URL, json=oip_columns(1))
    assert response.status_code == 500
    assert response.json() == {"error": "explanation failed: ZeroDivisionError: the model divided by zero"}
    monkeypatch.setattr(explain, "explain_batch", lambda *args: {}["a bug of ours"])
    response = await client.post(URL, json=oip_columns(1))
    assert response.status_code == 500 and response.json() == {"error": "internal error: KeyError"}
    monkeypatch.undo()
    assert (await client.post(URL, json=oip_columns(1))).status_code == 200
