"""What one request's metric updates cost: one process's registry vs the multiprocess files of ``--workers``.

    python benchmarks/serving_metrics.py [--requests 200000]

Each mode runs in a fresh interpreter (prometheus_client picks where values live when a metric is
made, once per process). Per request the server increments and decrements the in-flight gauge,
counts the request and observes its latency, exactly as ``ServingApp._infer`` does through
``ServingMetrics``; the figure is the median of five rounds, in microseconds, beside the time of one
``/metrics`` render. Compare the two modes within a run: on a busy machine single figures move.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

MODES = ("single", "multiprocess")


def measure(mode: str, requests: int) -> None:
    from steward.serving import metrics

    folder = None
    if mode == "multiprocess":
        folder = tempfile.mkdtemp(prefix="steward-metrics-bench-")
        metrics.enable_multiprocess(folder)
    served = metrics.ServingMetrics("bench", multiprocess_dir=folder)
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(requests):
            served.in_flight.inc()
            served.observe("churn/1", "oip", 200, 0.0004)
            served.in_flight.dec()
        rounds.append((time.perf_counter() - started) / requests * 1e6)
    started = time.perf_counter()
    for _ in range(50):
        served.render()
    render_ms = (time.perf_counter() - started) / 50 * 1e3
    print(f"{mode:>13}: {statistics.median(rounds):6.2f} us a request, /metrics render {render_ms:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        measure(args.mode, args.requests)
        return
    for mode in MODES:
        command = [sys.executable, __file__, "--mode", mode, "--requests", str(args.requests)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
