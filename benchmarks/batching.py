"""Adaptive batching benchmark: the same model served with batching off and on, in-process.

    python benchmarks/batching.py [--seconds 5] [--clients 32] [--max-batch-size 32] [--max-wait-ms 5]

Registers a RandomForestClassifier (50 trees) on 20 float features in a
temporary embedded registry, deploys it twice (batching off, batching on),
and drives each app in this process through ASGI directly (no sockets, no
HTTP client: what is measured is the server's own work) with N concurrent
clients, each sending one-row Open Inference Protocol requests back to back.
Prints requests per second, latency p50/p99 as the client sees it, and the
mean rows per ``predict`` call; then the on/off throughput ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from steward import Client
from steward.app import Steward
from steward.core.deployment import Batching
from steward.serving.app import ServingApp
from steward.serving.server import create_app
from steward.settings import Settings

FEATURES = 20
PATH = "/v2/models/{name}/infer"


def register(uri: str, batching: Batching) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, FEATURES))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=50, random_state=0).fit(x, y)
    with Client(uri, actor="bench") as client:
        client.register(forest, "forest", input_example=x[:5], capture_code=False)
        client.create_deployment("forest-off", {"forest/1": 100})
        client.create_deployment("forest-on", {"forest/1": 100}, batching=batching)


def body(i: int) -> bytes:
    row = np.random.default_rng(i).normal(size=FEATURES).round(4).tolist()
    tensor = {"name": "input", "shape": [1, FEATURES], "datatype": "FP64", "data": row}
    return json.dumps({"inputs": [tensor], "outputs": [{"name": "predict"}]}).encode()


async def call(app: ServingApp, path: str, payload: bytes) -> int:
    """One request through the ASGI interface; the response status."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(app: ServingApp, name: str, clients: int, seconds: float) -> tuple[int, list[float]]:
    path = PATH.format(name=name)
    bodies = [body(i) for i in range(256)]
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def client(k: int) -> None:
        i = k
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await asyncio.sleep(0)  # arrive, then wait for the event loop like a socket read would
            status = await call(app, path, bodies[i % len(bodies)])
            if status != 200:
                raise RuntimeError(f"{name} answered {status}")
            latencies.append((time.perf_counter() - started) * 1000)
            i += clients

    await asyncio.gather(*(client(k) for k in range(clients)))
    return len(latencies), latencies


def rows_per_call(app: ServingApp) -> float | None:
    labels = {"deployment": app.name, "version": "forest/1"}
    rows = app.metrics.registry.get_sample_value("steward_batch_size_sum", labels)
    calls = app.metrics.registry.get_sample_value("steward_batch_size_count", labels)
    return rows / calls if rows is not None and calls else None


async def measure(steward: Steward, name: str, args: argparse.Namespace) -> float:
    app = create_app(steward, name, payload_log=None)
    await app.startup()
    try:
        while not app.runtime.ready:
            await asyncio.sleep(0.05)
        await drive(app, name, args.clients, 0.5)  # warm up
        requests, latencies = await drive(app, name, args.clients, args.seconds)
        rate = requests / args.seconds
        ordered = sorted(latencies)
        p99 = ordered[int(0.99 * (len(ordered) - 1))]
        rows = rows_per_call(app)
        shown = f"{rows:.1f}" if rows is not None else "1"
        p50 = statistics.median(ordered)
        print(f"  {name:<11} {args.clients:>7} {rate:>8.0f} {p50:>7.2f} {p99:>7.2f} {shown:>9}")
        return rate
    finally:
        await app.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--max-batch-size", type=int, default=32)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    batching = Batching(enabled=True, max_batch_size=args.max_batch_size, max_wait_ms=args.max_wait_ms)
    with tempfile.TemporaryDirectory() as folder:
        uri = f"sqlite:///{Path(folder) / 'bench.db'}"
        register(uri, batching)
        settings = Settings.resolve(uri, env={"STEWARD_HOME": folder})
        print(
            f"RandomForest (50 trees), {FEATURES} features, one row per request; batching on: "
            f"max_batch_size={args.max_batch_size}, max_wait_ms={args.max_wait_ms:g}"
        )
        print(
            f"  {'deployment':<11} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'rows/call':>9}"
        )
        with Steward.open(settings) as steward:
            off = asyncio.run(measure(steward, "forest-off", args))
            on = asyncio.run(measure(steward, "forest-on", args))
    print(f"  batching on / off: {on / off:.1f}x the throughput")


if __name__ == "__main__":
    sys.exit(main())
