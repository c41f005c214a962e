"""Ray: batch scoring on Ray Data gives the local engine's file; ``steward serve --engine ray`` serves
the same app as Ray Serve replicas. One local Ray instance for the module (started in this process)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import httpx
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.errors import InvalidInputError
from steward.core.scoring import ScoreOptions
from tests.artifacts.conftest import s3_bucket, s3_endpoint  # noqa: F401 - fixtures
from tests.servers import free_port, wait_ready

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("ray") is None,
        reason="ray is not installed (pip install 'steward-mlops[ray]')",
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    import ray

    context = ray.init(num_cpus=4, include_dashboard=False, configure_logging=False, log_to_driver=False)
    try:
        yield str(context.address_info["gcs_address"])
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, Path, LogisticRegression]]:
    folder = tmp_path_factory.mktemp("ray")
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(x, (x["a"] - x["c"] > 0).astype(int))
    with Client(f"sqlite:///{folder / 's.db'}", actor="tester") as client:
        client.register(model, "churn", input_example=x.head(10), aliases=["champion"], capture_code=False)
        data = pd.DataFrame(rng.normal(size=(5_000, 3)), columns=["a", "b", "c"]).assign(id=range(5_000))
        data.to_parquet(folder / "in.parquet", row_group_size=1_000)
        data.to_csv(folder / "in.csv", index=False)
        yield client, folder, model


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_ray_scores_exactly_as_the_local_engine(
    ray_address: str, registry: tuple[Client, Path, LogisticRegression], fmt: str
) -> None:
    client, folder, model = registry
    src = folder / f"in.{fmt}"
    local = client.score("churn@champion", src, folder / f"local.{fmt}", batch_size=700, proba=True)
    counted: list[int] = []
    on_ray = client.score(
        "churn@champion", src, folder / f"ray.{fmt}", batch_size=700, proba=True, engine="ray",
        progress=lambda rows, total: counted.append(rows),
    )  # fmt: skip

    assert (
        (on_ray.engine, on_ray.rows, on_ray.version)
        == ("ray", local.rows, local.version)
        == ("ray", 5_000, "churn/1")
    )
    assert counted[-1] == 5_000
    if fmt == "csv":
        assert (folder / "ray.csv").read_bytes() == (folder / "local.csv").read_bytes()
    else:
        assert pq.read_table(folder / "ray.parquet").equals(pq.read_table(folder / "local.parquet"))
        assert (
            pq.read_schema(folder / "ray.parquet").metadata
            == pq.read_schema(folder / "local.parquet").metadata
        )
    scored = pd.read_parquet(folder / "ray.parquet") if fmt == "parquet" else pd.read_csv(folder / "ray.csv")
    assert (
        scored["prediction"].tolist()
        == model.predict(pd.read_parquet(folder / "in.parquet")[["a", "b", "c"]]).tolist()
    )


def test_bad_rows_on_ray_raise_the_same_error_and_leave_no_file(
    ray_address: str, registry: tuple[Client, Path, LogisticRegression]
) -> None:
    client, folder, _ = registry
    data = pd.read_parquet(folder / "in.parquet")
    data.loc[4_321, "b"] = None
    data.to_parquet(folder / "nulls.parquet")
    with pytest.raises(InvalidInputError, match=r"'b' has a missing value"):
        client.score("churn", folder / "nulls.parquet", folder / "nulls-out.parquet", engine="ray")
    assert not (folder / "nulls-out.parquet").exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_ray_reads_an_s3_input_and_writes_an_s3_output_as_the_local_engine(
    ray_address: str,
    registry: tuple[Client, Path, LogisticRegression],
    s3_bucket: tuple[str, dict[str, Any]],  # noqa: F811
) -> None:
    from steward.sdk.scoring import VersionLoader
    from steward.services.ray_scoring import score_with_ray
    from steward.services.scoring import score_file

    client, folder, _ = registry
    bucket, options = s3_bucket
    fs = fsspec.filesystem("s3", **options)
    fs.put_file(str(folder / "in.parquet"), f"{bucket}/in/rows.parquet")
    model = client.load("churn/1")
    try:
        local = score_file(model, folder / "in.parquet", folder / "local-s3.parquet", ScoreOptions(700))
        on_ray = score_with_ray(
            model, VersionLoader(client.settings, model.version), f"s3://{bucket}/in/rows.parquet",
            f"s3://{bucket}/out/rows.parquet", ScoreOptions(700),
            input_options=options, output_options=options,
        )  # fmt: skip
    finally:
        model.close()
    assert (on_ray.rows, on_ray.output) == (local.rows, f"s3://{bucket}/out/rows.parquet")
    with fs.open(f"{bucket}/out/rows.parquet", "rb") as f:
        assert pq.read_table(f).equals(pq.read_table(folder / "local-s3.parquet"))
    assert not [p for p in fs.find(bucket) if p.endswith(".tmp")]


def test_serve_engine_ray_runs_replicas_behind_the_ray_proxy(
    ray_address: str, registry: tuple[Client, Path, LogisticRegression]
) -> None:
    from steward.serving.ray_engine import replica_count

    client, folder, model = registry
    client.create_deployment("churn-ray", "churn@champion")
    port = free_port()
    log = folder / "serve-ray.log"
    payloads = folder / "payloads"
    env = {**os.environ, "STEWARD_HOME": str(folder / "home")}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "steward", "--uri", client.uri, "serve", "churn-ray", "--engine", "ray",
             "--replicas", "2", "--ray-address", ray_address, "--port", str(port),
             "--payload-log", str(payloads)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, f"{url}/v2/health/ready", log, timeout=240)  # one replica is up
        deadline = time.monotonic() + 240
        while "Press Ctrl+C" not in log.read_text(errors="replace"):  # printed once serve.run returned
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        assert replica_count("churn-ray") == 2

        rows = [{"a": 0.5, "b": -1.0, "c": 2.0}, {"a": 2.0, "b": 0.0, "c": -1.0}]
        want = model.predict(pd.DataFrame(rows)).tolist()
        for _ in range(10):  # both replicas answer (each is ready before it gets traffic)
            mlflow = httpx.post(f"{url}/invocations", json={"dataframe_records": rows}, timeout=30)
            assert mlflow.status_code == 200, mlflow.text
            assert mlflow.headers["steward-model-version"] == "churn/1"
            assert mlflow.json() == {"predictions": want, "model_version": "churn/1"}
        inputs = [
            {"name": n, "shape": [2], "datatype": "FP64", "data": [r[n] for r in rows]}
            for n in ("a", "b", "c")
        ]
        oip = httpx.post(f"{url}/v2/models/churn-ray/infer", json={"id": "r1", "inputs": inputs}, timeout=30)
        assert oip.status_code == 200, oip.text
        body: dict[str, Any] = oip.json()
        assert body["model_version"] == "churn/1" and body["id"] == "r1"
        assert body["outputs"][0]["data"] == want
        bad = httpx.post(f"{url}/invocations", json={"dataframe_records": [{"a": "x"}]}, timeout=30)
        assert bad.status_code == 400 and "error" in bad.json()
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=120)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert "Stopped." in output and "Replicas:" in output
    assert replica_count("churn-ray") == 0  # the application is gone from the cluster
    files = list(payloads.rglob("*.parquet"))
    assert all(f.name.startswith("part-ray-") for f in files)  # one set of files per replica
    assert sum(pq.read_metadata(f).num_rows for f in files) == 12  # every request, flushed at the stop
