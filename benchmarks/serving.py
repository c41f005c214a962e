"""Serving benchmark: a real ``steward serve`` process under concurrent clients.

    python benchmarks/serving.py [--seconds 5] [--clients 1 8] [--rows 1]

Registers two models in a temporary embedded registry (a LogisticRegression
on a float32 tensor of 4 columns, and a scikit-learn pipeline on a table of an
int, a float and a text column), deploys each, starts ``steward serve`` on a
free loopback port and sends Open Inference Protocol requests from N client
threads over keep-alive connections for a few seconds. Prints requests per
second and latency p50/p99 in milliseconds, as the client sees it (the client
threads share the machine with the server: on 2 cores they cost the server).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from steward import Client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def register(uri: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 4)).astype("float32")
    frame = pd.DataFrame(
        {
            "tenure": rng.integers(0, 72, 500),
            "charges": rng.normal(70, 20, 500),
            "plan": rng.choice(["basic", "plus", "pro"], 500),
        }
    )
    y = (x[:, 0] > 0).astype(int)
    pipeline = make_pipeline(
        ColumnTransformer(
            [("num", StandardScaler(), ["tenure", "charges"]), ("cat", OneHotEncoder(), ["plan"])]
        ),
        LogisticRegression(),
    )
    with Client(uri, actor="bench") as client:
        client.register(LogisticRegression().fit(x, y), "tensor", input_example=x[:5], capture_code=False)
        client.register(pipeline.fit(frame, y), "table", input_example=frame.head(5), capture_code=False)
        client.create_deployment("tensor-api", {"tensor/1": 100})
        client.create_deployment("table-api", {"table/1": 100})


def body(kind: str, rows: int) -> dict[str, Any]:
    if kind == "tensor":
        data = [[0.1, -0.2, 0.3, 0.4]] * rows
        return {"inputs": [{"name": "input", "shape": [rows, 4], "datatype": "FP32", "data": data}]}
    return {
        "inputs": [
            {"name": "tenure", "shape": [rows], "datatype": "INT64", "data": [12] * rows},
            {"name": "charges", "shape": [rows], "datatype": "FP64", "data": [70.5] * rows},
            {"name": "plan", "shape": [rows], "datatype": "BYTES", "data": ["pro"] * rows},
        ],
        "outputs": [{"name": "predict"}],
    }


def load(url: str, path: str, payload: dict[str, Any], clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        mine = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(20):  # warm the connection and the server
                client.post(path, json=payload)
            while time.monotonic() < stop:
                start = time.perf_counter()
                response = client.post(path, json=payload)
                mine.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.text
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rows", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        uri = f"sqlite:///{folder / 's.db'}"
        register(uri)
        print(f"{'model':<8} {'clients':>7} {'rows':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for kind in ("tensor", "table"):
            port = free_port()
            env = {**os.environ, "STEWARD_HOME": str(folder)}
            server = subprocess.Popen(
                [sys.executable, "-m", "steward", "--uri", uri, "serve", f"{kind}-api", "--port", str(port),
                 "--payload-log", str(folder / "payloads")],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            )  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            try:
                while True:
                    try:
                        if httpx.get(f"{url}/v2/health/ready").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                for clients in args.clients:
                    path = f"/v2/models/{kind}-api/infer"
                    samples = load(url, path, body(kind, args.rows), clients, args.seconds)
                    ordered = sorted(samples)
                    p99 = ordered[int(0.99 * (len(ordered) - 1))]
                    rate = len(samples) / args.seconds
                    median = statistics.median(ordered)
                    print(f"{kind:<8} {clients:>7} {args.rows:>5} {rate:>8.0f} {median:>8.2f} {p99:>8.2f}")
            finally:
                server.terminate()
                server.wait(30)


if __name__ == "__main__":
    main()
