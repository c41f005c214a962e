"""Monitoring what the real inference server logged: served requests in, figures and performance out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from steward import Client
from steward.app import Steward
from steward.serving.payload_log import PayloadLog
from steward.settings import Settings
from tests.serving.conftest import Registry, StaticResolver, build_app, churn_frame, churn_model


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def oip(frame: pd.DataFrame, request_id: str) -> dict[str, Any]:
    charges = [None if pd.isna(v) else float(v) for v in frame["charges"]]
    return {
        "id": request_id,
        "inputs": [
            {"name": "tenure", "shape": [len(frame)], "datatype": "INT64", "data": frame["tenure"].tolist()},
            {"name": "charges", "shape": [len(frame)], "datatype": "FP64", "data": charges},
            {"name": "plan", "shape": [len(frame)], "datatype": "BYTES", "data": frame["plan"].tolist()},
        ],
    }


@pytest.mark.anyio
async def test_the_served_log_is_monitored_and_labels_join_by_request_id(tmp_path: Path) -> None:
    frame, y = churn_frame(400, seed=3)
    settings = Settings.resolve(
        f"sqlite:///{tmp_path / 's.db'}", artifacts=str(tmp_path / "a"), actor="t",
        env={"STEWARD_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    model = churn_model(1.0).fit(frame, y)
    with Client(settings=settings) as client:
        client.register(model, "churn", input_example=frame.head(20), capture_code=False)
        client.create_deployment("churn-api", "churn/1")
    live = frame.tail(100).assign(tenure=lambda f: f["tenure"] + 60)  # older customers than in the reference
    with Steward.open(settings) as steward:
        registry = Registry(tmp_path, steward)
        app = build_app(
            StaticResolver(registry, {"churn/1": 100}),
            registry.loader(),
            payload_log=PayloadLog(settings.home / "payloads", flush_seconds=0.05),
        )
        await app.startup()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            for _ in range(300):
                if app.runtime.ready:
                    break
                await asyncio.sleep(0.02)
            answers = [
                await http.post("/v2/models/churn-api/infer", json=oip(live.iloc[i : i + 4], f"q{i}"))
                for i in range(0, 100, 4)
            ]
        await app.shutdown()
        assert {a.status_code for a in answers} == {200}

        steward.monitoring.set_reference("churn/1", frame.head(300), labels=y[:300], actor="t")
        summary = steward.monitoring.run("churn-api", actor="t")
        assert summary.rows == 100 and summary.skipped_versions == {}
        figures = {f.name: f for f in steward.monitoring.figures("churn-api")}
        assert figures["requests"].value == 25 and figures["error_rate"].value == 0
        assert figures["drift.tenure"].details["drifted"] is True
        assert figures["drift.plan"].value is not None and "estimated.accuracy" in figures

        truth = pd.DataFrame(
            {"request_id": [f"q{i - i % 4}" for i in range(100)], "row": [i % 4 for i in range(100)],
             "label": y[-100:]}
        )  # fmt: skip
        labelled = steward.monitoring.labels("churn-api", truth, actor="t")
        assert (labelled.matched, labelled.unknown) == (100, 0)
        [accuracy] = steward.monitoring.figures("churn-api", name="performance.accuracy")
        expected = float(np.mean(model.predict(live) == y[-100:]))
        assert accuracy.value == pytest.approx(expected)
