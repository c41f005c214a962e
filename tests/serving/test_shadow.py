"""Shadow traffic: shadows see every answered request off the path, are logged, and never answer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from steward.core.registry import ModelVersion
from steward.serving.payload_log import PayloadLog
from steward.serving.runtime import Loader
from steward.serving.shadow import ShadowJob, ShadowRunner
from steward.serving.validation import Batch
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import oip_columns, split

INFER = "/v2/models/churn-api/infer"


class Exploding:
    def predict(self, data: Any) -> Any:
        raise RuntimeError("shadow is broken")


def breaking(inner: Loader, broken: str) -> Loader:
    """*inner*, except that version *broken* loads as a model whose predict raises."""

    def load(version: ModelVersion) -> Any:
        return Exploding() if version.ref == broken else inner(version)

    return load


async def _traffic(app: Any, folder: Path, requests: int) -> tuple[list[httpx.Response], list[Any], str]:
    """Send OIP and MLflow requests through a started app, shut it down; its payload log and metrics."""
    await app.startup()
    answers = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for _ in range(500):
            if app.runtime.ready:
                break
            await asyncio.sleep(0.02)
        for i in range(requests):
            if i % 2:
                answers.append(await client.post(INFER, json={**oip_columns(2), "id": f"oip-{i}"}))
            else:
                body = split([[i, 20.0, "basic"], [50, None, "pro"]])
                answers.append(
                    await client.post("/invocations", json=body, headers={"x-request-id": f"ml-{i}"})
                )
    await app.shutdown()  # waits for the shadows, then writes the payload log
    rows = [row for path in folder.rglob("*.parquet") for row in pq.read_table(path).to_pylist()]
    return answers, rows, app.metrics.render().decode()


@pytest.mark.anyio
async def test_shadows_are_logged_beside_the_answer_and_never_answer(
    registry: Registry, tmp_path: Path
) -> None:
    folder = tmp_path / "payloads"
    resolver = StaticResolver(registry, {"churn/1": 100}, shadows=("churn/2",))
    app = build_app(resolver, registry.loader(), payload_log=PayloadLog(folder, flush_seconds=0.1))
    answers, rows, _ = await _traffic(app, folder, 6)
    assert all(a.status_code == 200 for a in answers)
    assert {a.headers["steward-model-version"] for a in answers} == {"churn/1"}
    ids = [a.headers["x-request-id"] for a in answers]
    assert ids == [f"oip-{i}" if i % 2 else f"ml-{i}" for i in range(6)]
    by_role: dict[tuple[str, str], dict[str, Any]] = {(r["request_id"], r["role"]): r for r in rows}
    assert len(rows) == 12 and set(by_role) == {(i, role) for i in ids for role in ("primary", "shadow")}
    v1, v2 = registry.version("churn/1"), registry.version("churn/2")
    shadow_model: Any = registry.loader()(v2)
    for request_id in ids:
        primary, shadow = by_role[(request_id, "primary")], by_role[(request_id, "shadow")]
        assert (primary["version"], shadow["version"]) == (v1.ref, v2.ref)
        assert shadow["status"] == 200 and shadow["error"] is None and shadow["inputs"] is None
        assert shadow["latency_ms"] > 0 and shadow["protocol"] == primary["protocol"]
        frame = pd.DataFrame(primary["inputs"])
        assert shadow["outputs"]["predict"] == shadow_model.predict(frame).tolist()
        assert np.allclose(shadow["outputs"]["predict_proba"], shadow_model.predict_proba(frame))
    shadow_only = [r for r in rows if r["role"] == "shadow"]
    assert all(r["outputs"]["predict"] is not None for r in shadow_only)


@pytest.mark.anyio
async def test_a_shadow_that_raises_changes_nothing_for_clients(registry: Registry, tmp_path: Path) -> None:
    plain_folder, shadowed_folder = tmp_path / "plain", tmp_path / "shadowed"
    plain = build_app(
        StaticResolver(registry, {"churn/1": 100}),
        registry.loader(),
        payload_log=PayloadLog(plain_folder, flush_seconds=0.1),
    )
    shadowed = build_app(
        StaticResolver(registry, {"churn/1": 100}, shadows=("churn/2",)),
        breaking(registry.loader(), "churn/2"),
        payload_log=PayloadLog(shadowed_folder, flush_seconds=0.1),
    )
    expected, _, _ = await _traffic(plain, plain_folder, 4)
    answers, rows, metrics = await _traffic(shadowed, shadowed_folder, 4)
    assert [(a.status_code, a.json()) for a in answers] == [(e.status_code, e.json()) for e in expected]
    failed = [r for r in rows if r["role"] == "shadow"]
    assert len(failed) == 4
    assert all(r["status"] == 500 and r["error"] == "RuntimeError: shadow is broken" for r in failed)
    assert all(r["status"] == 200 for r in rows if r["role"] == "primary")
    assert 'steward_shadow_errors_total{deployment="churn-api",version="churn/2"} 4.0' in metrics
    assert 'steward_model_errors_total{deployment="churn-api",version="churn/2"}' not in metrics


def test_a_full_shadow_queue_drops_and_counts(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"churn/1": 100}, shadows=("churn/2",))
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    table = app.runtime.table
    assert table is not None
    runner = ShadowRunner("churn-api", app.metrics, None, max_queue=2)  # not started: nothing drains
    job = ShadowJob(table.shadows, table.routes[0], Batch(None, {}, 1), "r", "oip", logged=False)
    assert [runner.submit(job) for _ in range(4)] == [True, True, False, False]
    assert 'steward_shadow_dropped_total{deployment="churn-api"} 2.0' in app.metrics.render().decode()


def test_hot_swap_loads_shadows_and_one_that_fails_to_load_is_left_out(registry: Registry) -> None:
    loaded: list[str] = []
    inner = registry.loader()

    def loader(version: ModelVersion) -> Any:
        loaded.append(version.ref)
        if version.ref == "digits/2":
            raise OSError("artifact missing")
        return inner(version)

    resolver = StaticResolver(registry, {"churn/1": 100}, shadows=("churn/2",))
    app = build_app(resolver, loader)
    assert app.runtime.refresh()
    table = app.runtime.table
    assert table is not None and [s.label for s in table.shadows] == ["churn/2"]
    assert loaded == ["churn/1", "churn/2"]
    resolver.set({"churn/1": 100}, shadows=("churn/2", "digits/2"))
    assert app.runtime.refresh()  # the broken shadow does not hold the swap back
    table = app.runtime.table
    assert table is not None and [s.label for s in table.shadows] == ["churn/2"]
    assert loaded == ["churn/1", "churn/2", "digits/2"]  # the cached shadow was kept, not reloaded
    assert "steward_model_load_failures_total" in app.metrics.render().decode()
