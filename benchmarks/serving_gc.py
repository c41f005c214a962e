"""The garbage collector's pauses inside ``steward serve`` while wrk drives it (the p99 at concurrency 1).

    python benchmarks/serving_gc.py [--seconds 15] [--concurrency 1 8]

Registers the LogisticRegression of benchmarks/serving.py, starts ``steward serve`` (validation,
metrics and the payload log on) under a wrapper that records every collection (``gc.callbacks``:
generation, duration, thread) and, for each wrk run, prints the collections that happened during
it. A full collection runs on whichever thread allocated, usually the event loop's, so its duration
is a stall every request in flight waits out. On a busy machine, durations include time the
process was not scheduled: compare medians and counts, and read the maxima as upper bounds.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import runpy
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROBE_FLAG = "--serve-with-probe"


def serve_with_probe(out: str, argv: list[str]) -> None:
    """Run ``python -m steward *argv*`` in this process, recording every collection to *out*."""
    events: list[tuple[float, int, float, str]] = []
    started = [0.0]

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            took = time.perf_counter() - started[0]
            events.append((time.time(), info["generation"], took, threading.current_thread().name))

    gc.callbacks.append(callback)
    atexit.register(lambda: Path(out).write_text(json.dumps(events)))
    sys.argv = ["steward", *argv]
    runpy.run_module("steward", run_name="__main__")


def main() -> None:
    sys.path.insert(0, str(HERE))
    import numpy as np

    import serving as bench
    from steward import Client

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        uri = f"sqlite:///{folder / 'steward.db'}"
        with Client(uri, actor="bench") as client:
            example = np.random.default_rng(2).normal(size=(5, bench.FEATURES))
            model = bench.models()["LogisticRegression"]
            version = client.register(model, "lr", input_example=example, capture_code=False)
            client.create_deployment("lr-api", {version.ref: 100})
        port = bench.free_port()
        url = f"http://127.0.0.1:{port}"
        probe = folder / "gc.json"
        command = [sys.executable, __file__, PROBE_FLAG, str(probe), "--uri", uri, "serve", "lr-api",
                   "--port", str(port), "--payload-log", str(folder / "payloads")]  # fmt: skip
        env = {**os.environ, "STEWARD_HOME": str(folder / "home")}
        windows = []
        with bench.process(command, f"{url}/v2/health/ready", folder / "serve.log", env) as pid:
            target = bench.Target(f"{url}/v2/models/lr-api/infer", bench.oip_body())
            bench.wrk(target, 8, 1, folder)
            for concurrency in args.concurrency:
                begin, before = time.time(), bench.cpu_seconds(pid)
                requests, rate, p50, p99 = bench.wrk(target, concurrency, args.seconds, folder)
                cpu_ms = (bench.cpu_seconds(pid) - before) * 1000 / max(requests, 1)
                windows.append((concurrency, begin, time.time()))
                print(f"c={concurrency}: {requests} requests, {rate:.0f} req/s, p50 {p50:.2f} ms, "
                      f"p99 {p99:.2f} ms, server CPU {cpu_ms:.3f} ms/request")  # fmt: skip
        events = json.loads(probe.read_text())
    for concurrency, begin, end in windows:
        print(f"collections during c={concurrency}:")
        for generation in (0, 1, 2):
            took = sorted(e[2] * 1000 for e in events if begin <= e[0] <= end and e[1] == generation)
            if not took:
                print(f"  gen{generation}: none")
                continue
            median = took[len(took) // 2]
            print(f"  gen{generation}: {len(took)}, total {sum(took):.1f} ms, median {median:.2f} ms, "
                  f"max {took[-1]:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == PROBE_FLAG:
        serve_with_probe(sys.argv[2], sys.argv[3:])
    else:
        main()
