"""What one rollout tick costs as the payload log grows: reading, judging (with prediction drift),
and nothing written (the guardrails hold and the step is not over).

    python benchmarks/rollout_tick.py [--requests 10000,100000] [--files 20] [--repeat 5]

A SQLite store with one deployment and a running rollout (drift and p99 guardrails on), and a
payload log of N requests (90% champion, 10% challenger) written by the inference server's own
writer into F files since the rollout began. Printed per size: the median time of
``RolloutService.tick()`` and of ``status()`` (the same readings), and the requests per second read.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from steward import Client
from steward.app import Steward
from steward.core.rollout import Guardrails, RolloutPlan
from steward.services.live import LiveTrafficReader
from steward.services.rollout import RolloutService
from steward.serving.payload_log import PayloadLog, PayloadRecord
from steward.settings import Settings

NAME = "bench-api"


def scorer(data: object) -> object:
    return np.zeros(len(data))  # type: ignore[arg-type]


def write_log(folder: Path, requests: int, files: int, start: datetime) -> None:
    rng = np.random.default_rng(0)
    per_file = requests // files
    for f in range(files):
        log = PayloadLog(folder, flush_seconds=3600, flush_rows=10**7, max_queue=10**7)
        log.start()
        for i in range(per_file):
            version = "bench/2" if i % 10 == 0 else "bench/1"
            at = start + timedelta(seconds=1 + (f * per_file + i) * 0.001)
            log.submit(
                PayloadRecord(
                    f"r{f}-{i}", at.timestamp(), NAME, version, "v2", 200, float(rng.gamma(2.0, 2.0)), 1,
                    {"x": np.array([1.0])}, {"predict": np.array([rng.normal()])},
                )
            )  # fmt: skip
        log.close()


def measure(size: int, files: int, repeat: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings.resolve(f"sqlite:///{folder / 's.db'}", env={"STEWARD_HOME": str(folder)})
        with Client(settings=settings) as client:
            for _ in range(2):
                client.register(scorer, "bench", capture_code=False)
            client.create_deployment(NAME, "bench/1")
        start = datetime.now(UTC) - timedelta(hours=1)
        with Steward.open(settings) as app:
            live = LiveTrafficReader(str(folder / "payloads"), clock=lambda: start + timedelta(minutes=59))
            service = RolloutService(
                app.store, app.deployments, app.registry, lambda: live, clock=lambda: start
            )
            guardrails = Guardrails(max_p99_ms=1000.0, max_drift=10.0)
            plan = RolloutPlan(NAME, "bench/2", step_seconds=10**6, min_requests=1, guardrails=guardrails)
            service.start(plan, actor="bench")
            write_log(folder / "payloads", size, files, start)
            ticks, reads = [], []
            for _ in range(repeat):
                began = time.perf_counter()
                assert service.tick() == []
                ticks.append(time.perf_counter() - began)
                began = time.perf_counter()
                status = service.status(NAME)
                reads.append(time.perf_counter() - began)
    assert status.challenger is not None and status.champion is not None
    counted = status.challenger.requests + status.champion.requests
    tick = statistics.median(ticks)
    return (
        f"{size:>8} requests in {files} files: tick {tick * 1000:8.1f} ms, "
        f"status {statistics.median(reads) * 1000:8.1f} ms, {counted / tick:,.0f} requests/s read "
        f"(counted {counted})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", default="10000,100000")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for size in [int(s) for s in args.requests.split(",")]:
        print(measure(size, args.files, args.repeat))


if __name__ == "__main__":
    main()
