"""The kill switch in the serving app (in process): 503 naming the reason, logged and counted."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from steward.serving.payload_log import PayloadLog
from tests.serving.conftest import DEPLOYMENT, Registry, StaticResolver, build_app
from tests.serving.requests import oip_columns, split

INFER = f"/v2/models/{DEPLOYMENT}/infer"


@pytest.mark.anyio
async def test_a_stopped_deployment_answers_503_logs_it_and_comes_back(
    registry: Registry, tmp_path: Path
) -> None:
    folder = tmp_path / "payloads"
    resolver = StaticResolver(registry, {"churn/1": 100})
    app = build_app(resolver, registry.loader(), payload_log=PayloadLog(folder, flush_seconds=0.1))
    assert app.runtime.refresh()
    stopped = resolver.resolved
    spec = replace(stopped.deployment.spec, killed="incident 42")
    resolver.resolved = replace(
        stopped,
        deployment=replace(stopped.deployment, revision=2, spec=spec),
        routes=(),
        stopped="incident 42",
    )
    assert app.runtime.refresh() and app.runtime.table is None and len(app.runtime.cache) == 0
    assert not app.runtime.refresh()  # the same stopped revision: nothing to do
    await app.startup()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        oip = await client.post(INFER, json=oip_columns(2))
        mlflow = await client.post("/invocations", json=split([[1, 20.0, "basic"]]))
        ready = await client.get("/v2/health/ready")
        resolver.set({"churn/1": 100})  # revived: a new revision
        app.runtime.refresh()
        again = await client.post(INFER, json=oip_columns(2))
        metrics = (await client.get("/metrics")).text
    await app.shutdown()
    for answer in (oip, mlflow, ready):
        assert answer.status_code == 503
        message = answer.json()["error"]
        assert f"Deployment '{DEPLOYMENT}' is stopped by its kill switch: incident 42." in message
        assert "steward kill revive" in message
    assert ready.json()["ready"] is False
    assert again.status_code == 200 and again.json()["model_version"] == "churn/1"
    assert 'status="503"' in metrics
    rows = [row for path in folder.rglob("*.parquet") for row in pq.read_table(path).to_pylist()]
    refused = [r for r in rows if r["status"] == 503]
    assert len(refused) == 2 and all(r["version"] is None and "kill switch" in r["error"] for r in refused)
