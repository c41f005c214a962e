"""Adaptive batching: concurrent requests share predict calls, and each gets exactly its own rows."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from steward.core.deployment import Batching
from steward.core.registry import ModelVersion
from steward.serving.app import ServingApp
from steward.serving.batching import Batcher, concat, rows_of
from steward.serving.runtime import Loader
from steward.serving.validation import Batch
from tests.serving.conftest import Registry, StaticResolver, build_app

pytestmark = pytest.mark.anyio
INFER = "/v2/models/churn-api/infer"
PLANS = ("basic", "plus", "pro")


class Recording:
    """A loaded model that records the rows of each ``predict`` call and can refuse a poisoned row."""

    def __init__(self, inner: Any, poisoned: Callable[[Any], bool] | None = None) -> None:
        self.inner = inner
        self.poisoned = poisoned
        self.sizes: list[int] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Event()

    def _check(self, data: Any) -> None:
        if self.poisoned is not None and self.poisoned(data):
            raise ValueError("poisoned row")

    def predict(self, data: Any) -> Any:
        self.sizes.append(len(data))
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        self._check(data)
        return self.inner.predict(data)

    def predict_proba(self, data: Any) -> Any:
        self._check(data)
        return self.inner.predict_proba(data)


class RecordingLoader:
    def __init__(self, inner: Loader, poisoned: Callable[[Any], bool] | None = None) -> None:
        self.inner = inner
        self.poisoned = poisoned
        self.models: dict[str, Recording] = {}

    def __call__(self, version: ModelVersion) -> Recording:
        model = Recording(self.inner(version), self.poisoned)
        self.models[version.ref] = model
        return model

    def clear(self) -> None:
        for model in self.models.values():
            model.sizes.clear()  # forget the warm-up call


def tensor_body(i: int, rows: int = 1) -> dict[str, Any]:
    data = [[0.05 * (i + r), -0.1 * i, 0.3, float(r)] for r in range(rows)]
    return {"inputs": [{"name": "input", "shape": [rows, 4], "datatype": "FP32", "data": data}]}


def table_body(i: int, rows: int = 1) -> dict[str, Any]:
    indices = [i * 3 + r for r in range(rows)]
    return {
        "inputs": [
            {"name": "tenure", "shape": [rows], "datatype": "INT64", "data": [k % 72 for k in indices]},
            {"name": "charges", "shape": [rows], "datatype": "FP64", "data": [20 + 1.5 * k for k in indices]},
            {"name": "plan", "shape": [rows], "datatype": "BYTES", "data": [PLANS[k % 3] for k in indices]},
        ]
    }


BODIES = {"digits/1": tensor_body, "churn/1": table_body}


def serve(registry: Registry, ref: str, batching: Batching | None, loader: Loader) -> ServingApp:
    spec: dict[str, Any] = {} if batching is None else {"batching": batching}
    app = build_app(StaticResolver(registry, {ref: 100}, **spec), loader)
    assert app.runtime.refresh()
    return app


def client_of(app: ServingApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def outputs(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return {o["name"]: o["data"] for o in response.json()["outputs"]}


def samples(text: str) -> dict[str, float]:
    return {
        s.name: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name.startswith("steward_batch") and not s.name.endswith(("_bucket", "_created"))
    }


async def unbatched_answers(registry: Registry, ref: str, bodies: list[dict[str, Any]]) -> list[Any]:
    app = serve(registry, ref, None, registry.loader())
    async with client_of(app) as client:
        return [outputs(await client.post(INFER, json=body)) for body in bodies]


def assert_same(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert got["predict"] == expected["predict"]
    np.testing.assert_allclose(got["predict_proba"], expected["predict_proba"], rtol=1e-6)


@pytest.mark.parametrize("ref", ["digits/1", "churn/1"])
async def test_64_concurrent_requests_share_batches_of_at_most_16(registry: Registry, ref: str) -> None:
    loader = RecordingLoader(registry.loader())
    app = serve(registry, ref, Batching(enabled=True, max_batch_size=16, max_wait_ms=1000), loader)
    loader.clear()
    bodies = [BODIES[ref](i) for i in range(64)]
    async with client_of(app) as client:
        responses = await asyncio.gather(*(client.post(INFER, json=body) for body in bodies))
        metrics = samples((await client.get("/metrics")).text)
    assert loader.models[ref].sizes == [16, 16, 16, 16]  # full batches flush at once, well before 1 s
    expected = await unbatched_answers(registry, ref, bodies)
    for response, want in zip(responses, expected, strict=True):
        assert response.headers["steward-model-version"] == ref
        assert_same(outputs(response), want)
    assert metrics["steward_batch_size_count"] == 4
    assert metrics["steward_batch_size_sum"] == 64
    assert metrics["steward_batch_queue_wait_seconds_count"] == 64


async def test_requests_of_several_rows_are_never_split_and_get_their_own_rows(registry: Registry) -> None:
    loader = RecordingLoader(registry.loader())
    app = serve(registry, "churn/1", Batching(enabled=True, max_batch_size=8, max_wait_ms=50), loader)
    loader.clear()
    bodies = [table_body(i, rows=1 + i % 3) for i in range(30)]  # 60 rows in requests of 1-3 rows
    async with client_of(app) as client:
        responses = await asyncio.gather(*(client.post(INFER, json=body) for body in bodies))
    sizes = loader.models["churn/1"].sizes
    assert sum(sizes) == 60 and max(sizes) <= 8 and len(sizes) < 30, sizes
    expected = await unbatched_answers(registry, "churn/1", bodies)
    for response, want, body in zip(responses, expected, bodies, strict=True):
        got = outputs(response)
        assert len(got["predict"]) == body["inputs"][0]["shape"][0]
        assert_same(got, want)


async def test_the_timer_flushes_a_lone_request(registry: Registry) -> None:
    loader = RecordingLoader(registry.loader())
    app = serve(registry, "digits/1", Batching(enabled=True, max_batch_size=64, max_wait_ms=20), loader)
    loader.clear()
    async with client_of(app) as client:
        response = await asyncio.wait_for(client.post(INFER, json=tensor_body(1)), timeout=10)
    assert outputs(response)["predict"] in ([0], [1])
    assert loader.models["digits/1"].sizes == [1]


async def test_a_poisoned_request_fails_alone_and_its_batch_mates_are_answered(registry: Registry) -> None:
    def poisoned(data: Any) -> bool:
        return bool((np.asarray(data)[:, 0] == 66.0).any())

    loader = RecordingLoader(registry.loader(), poisoned)
    app = serve(registry, "digits/1", Batching(enabled=True, max_batch_size=8, max_wait_ms=1000), loader)
    loader.clear()
    bodies = [tensor_body(i) for i in range(8)]
    bodies[5]["inputs"][0]["data"][0][0] = 66.0
    async with client_of(app) as client:
        responses = await asyncio.gather(*(client.post(INFER, json=body) for body in bodies))
        errors = (await client.get("/metrics")).text
    assert loader.models["digits/1"].sizes == [8] + [1] * 8  # the batch, then each request alone
    assert [r.status_code for r in responses] == [200] * 5 + [500] + [200] * 2
    assert responses[5].json()["error"] == "model failed: ValueError: poisoned row"
    assert 'steward_model_errors_total{deployment="churn-api",version="digits/1"} 1.0' in errors
    healthy = [b for i, b in enumerate(bodies) if i != 5]
    expected = await unbatched_answers(registry, "digits/1", healthy)
    answered = [r for i, r in enumerate(responses) if i != 5]
    for response, want in zip(answered, expected, strict=True):
        assert_same(outputs(response), want)


def _batch(registry: Registry, i: int) -> Batch:
    data = np.asarray(tensor_body(i)["inputs"][0]["data"], dtype=np.float32)
    return Batch(data, {"input": data}, 1)


async def test_a_cancelled_request_does_not_break_the_others(registry: Registry) -> None:
    loader = RecordingLoader(registry.loader())
    app = serve(registry, "digits/1", Batching(enabled=True, max_batch_size=4, max_wait_ms=1000), loader)
    loader.clear()
    table = app.runtime.table
    assert table is not None
    batcher = app.batchers.get(table, table.routes[0])
    model = loader.models["digits/1"]
    # cancelled while queued: skipped, its rows never reach the model
    first = [asyncio.create_task(batcher.predict(_batch(registry, i), ["predict"])) for i in range(3)]
    await asyncio.sleep(0)
    first[1].cancel()
    last = asyncio.create_task(batcher.predict(_batch(registry, 3), ["predict"]))  # the 4th row: flush
    answers = await asyncio.gather(first[0], first[2], last)
    assert first[1].cancelled() and model.sizes == [3] and len(answers) == 3
    # cancelled while its batch is being predicted: its answer is dropped, its batch-mate gets one
    model.gate = threading.Event()
    second = [asyncio.create_task(batcher.predict(_batch(registry, i), ["predict"])) for i in range(4)]
    assert await asyncio.to_thread(model.entered.wait, 10)
    second[0].cancel()
    model.gate.set()
    done = await asyncio.gather(*second[1:])
    assert second[0].cancelled() and model.sizes == [3, 4]
    expected = await unbatched_answers(registry, "digits/1", [tensor_body(i) for i in range(4)])
    assert [list(d["predict"]) for d in done] == [e["predict"] for e in expected[1:]]
    # and the batcher goes on serving
    again = await batcher.predict(_batch(registry, 0), ["predict"])
    assert list(again["predict"]) == expected[0]["predict"]
    assert batcher.queued == 0


async def test_a_client_that_goes_away_mid_request_leaves_its_batch_mates_answered(
    registry: Registry,
) -> None:
    loader = RecordingLoader(registry.loader())
    app = serve(registry, "digits/1", Batching(enabled=True, max_batch_size=3, max_wait_ms=1000), loader)
    loader.clear()
    async with client_of(app) as client:
        gone = asyncio.create_task(client.post(INFER, json=tensor_body(0)))
        await asyncio.sleep(0.05)
        gone.cancel()
        staying = [asyncio.create_task(client.post(INFER, json=tensor_body(i))) for i in (1, 2, 3)]
        responses = await asyncio.gather(*staying)
    assert gone.cancelled() and [r.status_code for r in responses] == [200] * 3
    assert loader.models["digits/1"].sizes == [3]


async def test_hot_swap_toggles_batching_and_the_old_batcher_drains(registry: Registry) -> None:
    loader = RecordingLoader(registry.loader())
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, loader)
    assert app.runtime.refresh()
    loader.clear()
    async with client_of(app) as client:
        await asyncio.gather(*(client.post(INFER, json=tensor_body(i)) for i in range(4)))
        assert loader.models["digits/1"].sizes == [1, 1, 1, 1]  # off by default
        resolver.set({"digits/1": 100}, batching=Batching(enabled=True, max_batch_size=4, max_wait_ms=500))
        assert app.runtime.refresh()
        await asyncio.gather(*(client.post(INFER, json=tensor_body(i)) for i in range(4)))
        assert loader.models["digits/1"].sizes == [1, 1, 1, 1, 4]
        # three requests wait for the timer; the deployment moves to digits/2 without batching meanwhile
        waiting = [asyncio.create_task(client.post(INFER, json=tensor_body(i))) for i in range(3)]
        old = app.runtime.table
        assert old is not None and old.batching is not None
        batcher = weakref.ref(app.batchers.get(old, old.routes[0]))
        for _ in range(100):
            if batcher().queued == 3:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.001)
        assert batcher().queued == 3  # type: ignore[union-attr]
        resolver.set({"digits/2": 100})
        assert app.runtime.refresh()
        loader.models["digits/2"].sizes.clear()  # its warm-up
        answered = await asyncio.gather(*waiting)
        assert [r.headers["steward-model-version"] for r in answered] == ["digits/1"] * 3
        assert loader.models["digits/1"].sizes[-1] == 3  # drained as one batch after the swap
        after = await asyncio.gather(*(client.post(INFER, json=tensor_body(i)) for i in range(3)))
        assert [r.headers["steward-model-version"] for r in after] == ["digits/2"] * 3
        assert loader.models["digits/2"].sizes == [1, 1, 1]  # batching off again
    del old, waiting, answered
    gc.collect()
    assert batcher() is None  # freed with its table


def test_concat_and_rows_of_keep_row_order() -> None:
    frames = [pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [3]})]
    joined = concat(frames)
    assert joined["a"].tolist() == [1, 2, 3] and joined.index.tolist() == [0, 1, 2]
    arrays = [np.zeros((2, 3)), np.ones((1, 3))]
    assert concat(arrays).shape == (3, 3)
    tensors = concat([{"x": np.zeros((1, 2)), "y": np.zeros(1)}, {"x": np.ones((2, 2)), "y": np.ones(2)}])
    assert tensors["x"].shape == (3, 2) and tensors["y"].tolist() == [0, 1, 1]
    series = pd.Series([5, 6, 7], index=[10, 11, 12])
    assert rows_of(series, 1, 3).tolist() == [6, 7]
    with pytest.raises(ValueError, match="different columns"):
        concat([pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]})])


def test_a_batcher_uses_the_spec_limits(registry: Registry) -> None:
    app = serve(
        registry, "digits/1", Batching(enabled=True, max_batch_size=5, max_wait_ms=7), registry.loader()
    )
    table = app.runtime.table
    assert table is not None and table.batching is not None
    batcher = app.batchers.get(table, table.routes[0])
    assert isinstance(batcher, Batcher) and (batcher.max_rows, batcher.max_wait) == (5, 0.007)
    assert app.batchers.get(table, table.routes[0]) is batcher
