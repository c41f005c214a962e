"""Retraining over REST against a real ``steward server`` whose retraining thread executes the runs.

The SDK's remote client is driven against it too: the same methods as embedded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.errors import ConflictError, InvalidInputError
from steward.core.retraining import RetrainConfig
from tests.servers import free_port, stop, wait_ready

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("retrain-api")
    port = free_port()
    env = {
        **os.environ,
        "STEWARD_HOME": str(folder),
        "STEWARD_URI": f"sqlite:///{folder / 'server.db'}",
        "STEWARD_ARTIFACTS": str(folder / "artifacts"),
        "STEWARD_USER": "server",
        "STEWARD_RETRAIN_INTERVAL": "0.5",
        "STEWARD_MONITOR_INTERVAL": "0",
        "STEWARD_WEBHOOK_INTERVAL": "0",
    }
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "steward", "server", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, f"{url}/api/v1/health", folder / "server.log")
        rng = np.random.default_rng(11)
        x = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
        y = (x["a"] + 0.3 * rng.normal(size=600) > 0).astype(int).to_numpy()
        x.assign(y=y).to_parquet(folder / "train.parquet")
        with Client(url, actor="bob") as client:
            client.register(
                LogisticRegression().fit(x, y), "churn", input_example=x.head(5), capture_code=False
            )
            client.set_alias("churn", "champion", 1)
        yield url, folder
    finally:
        stop(process, timeout=30)
        log.close()


def test_bad_input_is_422_and_unknown_is_404(server: tuple[str, Path]) -> None:
    url, folder = server
    with httpx.Client(base_url=url, headers={"X-Steward-User": "bob"}, timeout=30) as http:
        body = {"entry": "tests.retrain_entry:fit", "data": str(folder / "train.parquet"), "target": "y"}
        for bad in ({"schedule": "61 * * * *"}, {"after": "promote"}, {"colour": "red"}, {"entry": ""}):
            answer = http.put("/api/v1/models/churn/retraining", json=body | bad)
            assert answer.status_code == 422, answer.text
            assert "detail" in answer.json() or "error" in answer.json()
        assert http.get("/api/v1/models/churn/retraining").status_code == 404
        assert http.put("/api/v1/models/nope/retraining", json=body).status_code == 404
        assert http.get("/api/v1/retraining/runs/99").status_code == 404
        assert http.get("/api/v1/retraining/runs/0").status_code == 422
        assert http.post("/api/v1/models/churn/retraining/runs", json={}).status_code == 404


def test_the_server_runs_what_the_remote_client_starts(server: tuple[str, Path]) -> None:
    url, folder = server
    with Client(url, actor="bob") as client:
        config = RetrainConfig(
            model="churn", entry="tests.retrain_entry:fit", data=str(folder / "train.parquet"), target="y"
        )
        stored = client.configure_retraining(config)
        assert stored.config == config.checked() and stored.updated_by == "bob"
        with pytest.raises(InvalidInputError):
            client.configure_retraining({**config.to_dict(), "schedule": "nope"})
        done = client.run_retraining("churn", reason="over REST", wait=True, timeout=600)
        assert done.state == "succeeded", done.error
        assert done.candidate == "churn/2" and done.parent == "churn/1" and done.approval is not None
        assert "registered churn/2" in client.retraining_logs(done.id)
        assert [r.id for r in client.retraining_runs("churn")] == [done.id]
        assert client.retraining_run(done.id) == done

        # a long run, cancelled over HTTP: the server kills its process
        slow = client.run_retraining("churn", params={"sleep": 600})
        with pytest.raises(ConflictError):
            client.run_retraining("churn")
        deadline = time.monotonic() + 120
        while client.retraining_run(slow.id).state != "running":
            assert time.monotonic() < deadline, "the server never started the run"
            time.sleep(0.2)
        assert client.cancel_retraining(slow.id, reason="too slow").state == "cancelled"
        with httpx.Client(base_url=url, headers={"X-Steward-User": "bob"}, timeout=30) as http:
            answer = http.post(f"/api/v1/retraining/runs/{slow.id}/cancel", json={})
            assert answer.status_code == 409
            listed = http.get("/api/v1/retraining/runs", params={"model": "churn"}).json()["items"]
            assert [r["state"] for r in listed] == ["cancelled", "succeeded"]
            assert http.get("/api/v1/retraining/configs").json()["items"][0]["model"] == "churn"
        client.remove_retraining("churn")
        assert client.retraining_configs() == []
