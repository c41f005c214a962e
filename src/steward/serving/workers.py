"""Several worker processes serving one deployment on one port.

``steward serve DEPLOYMENT --workers N`` starts N processes (``spawn``, so
nothing is inherited but the arguments). Each opens the store, builds its own
app (routing table, model cache, metrics, payload log) and runs uvicorn on
its own listening socket, bound with ``SO_REUSEPORT``: the kernel spreads new
connections across the workers. Payload-log files carry the worker's name
(``part-w1-<uuid>.parquet``). ``/metrics`` is the same from every worker: the
parent makes a temporary folder for this server (removed when it stops), each
worker writes its metrics there (prometheus_client's multiprocess mode) and
the answering one reads them all.

The parent only supervises. The workers are in their own process group, so
Ctrl+C reaches the parent alone, which sends each worker one SIGTERM (uvicorn
treats a second SIGINT as "quit now, skip the shutdown", which would lose the
payload log's queue). A worker whose parent has gone stops itself. When a
worker ends on its own, the others are stopped too and the command fails.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from steward.serving.app import Limits
from steward.settings import Settings

log = logging.getLogger("steward.serving")

STOP_TIMEOUT = 60.0


@dataclass(frozen=True)
class ServeSpec:
    """Everything a worker needs to serve, passed to it as its arguments (no environment variables)."""

    settings: Settings
    deployment: str
    host: str
    port: int
    payload_log: str | None
    limits: Limits
    #: The folder every worker writes its metrics to (made and removed by the parent).
    metrics_dir: str | None = None
    #: The ``--explain-background`` file (each worker reads its own sample of it).
    explain_background: str | None = None


def serve_worker(spec: ServeSpec, index: int) -> None:
    """One worker: open the store, build the app, serve on a SO_REUSEPORT socket until SIGTERM."""
    os.setpgid(0, 0)
    _stop_when_orphaned(os.getppid())
    logging.basicConfig(level=logging.WARNING, format=f"%(asctime)s w{index} %(name)s %(message)s")
    from steward.app import Steward
    from steward.serving.metrics import enable_multiprocess
    from steward.serving.server import create_app, run

    if spec.metrics_dir is not None:
        enable_multiprocess(spec.metrics_dir)  # before any metric of this process is made
    with Steward.open(spec.settings) as steward:
        app = create_app(
            steward,
            spec.deployment,
            payload_log=spec.payload_log,
            limits=spec.limits,
            worker=f"w{index}",
            metrics_dir=spec.metrics_dir,
            explain_background=spec.explain_background,
        )
        run(app, spec.host, spec.port, reuse_port=True)


def run_workers(spec: ServeSpec, count: int) -> list[str]:
    """Run *count* workers until SIGINT or SIGTERM; the problems seen (empty after a clean stop)."""
    metrics_dir = tempfile.mkdtemp(prefix="steward-metrics-")
    try:
        return _run(replace(spec, metrics_dir=metrics_dir), count)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _run(spec: ServeSpec, count: int) -> list[str]:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=serve_worker, args=(spec, i), name=f"steward-serve-w{i}") for i in range(count)
    ]
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for worker in workers:
            worker.start()
        while not stop.is_set() and all(w.exitcode is None for w in workers):
            wait([w.sentinel for w in workers], timeout=0.2)
        unexpected = not stop.is_set()
        _stop_all(workers)
        problems = [f"worker w{i} exited with code {w.exitcode}" for i, w in enumerate(workers) if w.exitcode]
        if unexpected and not problems:
            problems = ["a worker stopped on its own"]
        return problems
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(workers: Sequence[BaseProcess]) -> None:
    """One SIGTERM each (uvicorn finishes requests in flight and flushes the log), then wait."""
    for worker in workers:
        if worker.exitcode is None and worker.pid is not None:
            os.kill(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.exitcode is None:
            log.error("worker %s did not stop in %.0f s: killing it", worker.name, STOP_TIMEOUT)
            worker.kill()
            worker.join()


def _stop_when_orphaned(parent: int) -> None:
    """A daemon thread that sends this process SIGTERM once its parent has gone (killed with -9)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="steward-orphan-watch", daemon=True).start()
