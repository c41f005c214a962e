"""Prometheus metrics of one server, in its own ``CollectorRegistry`` (never the global one).

With several worker processes on one port (``steward serve --workers N``), every worker writes its
values to memory-mapped files in a folder the parent made for this server (prometheus_client's
multiprocess mode, see :func:`enable_multiprocess`), and ``/metrics`` from any worker reads them all:
counters and histograms are summed over workers, the in-flight and queue-depth gauges too, over the
workers alive (``livesum``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
BATCH_WAIT_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
#: How often a worker in multiprocess mode writes its payload-log queue depth for the others to read.
GAUGE_SECONDS = 0.5
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def enable_multiprocess(folder: str) -> None:
    """Make this process's metrics write to *folder*'s memory-mapped files (a worker calls it first).

    prometheus_client picks where values live when a metric is made, from a module attribute and
    an environment variable of this process (it reads no other); so it is set here, in the worker,
    from the folder its parent passed as an argument, before any :class:`ServingMetrics` is made."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"metrics folder {folder} does not exist")
    os.environ[MULTIPROC_ENV] = folder
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


class ServingMetrics:
    """Request counts and latencies, in-flight requests, swaps, model and payload-log health."""

    def __init__(self, deployment: str, *, multiprocess_dir: str | None = None) -> None:
        self.deployment = deployment
        #: The folder of every worker's values when several serve one port (see enable_multiprocess).
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._requests = Counter(
            "steward_requests",
            "Inference requests answered, by the version that answered, protocol and HTTP status.",
            ["deployment", "version", "protocol", "status"],
            registry=r,
        )
        self._latency = Histogram(
            "steward_request_latency_seconds",
            "Time from request start to response, by protocol.",
            ["deployment", "protocol"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "steward_in_flight_requests",
            "Inference requests being answered now.",
            ["deployment"],
            registry=r,
            multiprocess_mode="livesum",
        ).labels(deployment)
        self.swaps = Counter(
            "steward_model_swaps",
            "Routing tables swapped in after a deployment change.",
            ["deployment"],
            registry=r,
        ).labels(deployment)
        self.load_failures = Counter(
            "steward_model_load_failures",
            "Versions that failed to load or a swap that was refused; the old table kept serving.",
            ["deployment"],
            registry=r,
        ).labels(deployment)
        self._model_errors = Counter(
            "steward_model_errors",
            "Exceptions raised by a model's own predict (answered with 500).",
            ["deployment", "version"],
            registry=r,
        )
        self._queue_depth = Gauge(
            "steward_payload_log_queue_depth",
            "Payload records waiting to be written.",
            ["deployment"],
            registry=r,
            multiprocess_mode="livesum",
        ).labels(deployment)
        self.payload_dropped = Counter(
            "steward_payload_log_dropped",
            "Payload records dropped because the queue was full or the write failed.",
            ["deployment"],
            registry=r,
        ).labels(deployment)
        self.batch_size = Histogram(
            "steward_batch_size",
            "Rows per predict call of the adaptive batcher.",
            ["deployment", "version"],
            buckets=BATCH_SIZE_BUCKETS,
            registry=r,
        )
        self.batch_wait = Histogram(
            "steward_batch_queue_wait_seconds",
            "Time a request waited in the batcher's queue before its batch went to the model.",
            ["deployment", "version"],
            buckets=BATCH_WAIT_BUCKETS,
            registry=r,
        )
        self.shadow_dropped = Counter(
            "steward_shadow_dropped",
            "Shadow predictions skipped because the shadow queue was full.",
            ["deployment"],
            registry=r,
        ).labels(deployment)
        self._shadow_errors = Counter(
            "steward_shadow_errors",
            "Exceptions of a shadow version (its input or its predict); clients never see them.",
            ["deployment", "version"],
            registry=r,
        )
        self._children: dict[tuple[str, str, int], Counter] = {}
        self._latency_children: dict[str, Histogram] = {}
        self._depth: Callable[[], float] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def observe(self, version: str, protocol: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency (label children are cached)."""
        key = (version, protocol, status)
        child = self._children.get(key)
        if child is None:
            child = self._requests.labels(self.deployment, version, protocol, str(status))
            self._children[key] = child
        child.inc()
        latency = self._latency_children.get(protocol)
        if latency is None:
            latency = self._latency.labels(self.deployment, protocol)
            self._latency_children[protocol] = latency
        latency.observe(seconds)

    def model_error(self, version: str) -> None:
        self._model_errors.labels(self.deployment, version).inc()

    def shadow_error(self, version: str) -> None:
        self._shadow_errors.labels(self.deployment, version).inc()

    def track_queue(self, depth: Callable[[], float]) -> None:
        """Report *depth()* as the payload-log queue depth: read at each scrape in one process; in
        multiprocess mode written every ``GAUGE_SECONDS`` (the other workers cannot call it)."""
        if self.multiprocess_dir is None:
            self._queue_depth.set_function(depth)
        else:
            self._depth = depth

    def start(self) -> None:
        """In multiprocess mode, start writing the queue depth for the other workers to read."""
        if self.multiprocess_dir is not None and self._depth is not None and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._sample, name="steward-metrics", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def _sample(self) -> None:
        while True:
            self._write_depth()
            if self._stop.wait(GAUGE_SECONDS):
                return

    def _write_depth(self) -> None:
        if self._depth is not None:
            self._queue_depth.set(float(self._depth()))

    def render(self) -> bytes:
        """The text of ``/metrics``: this process's registry, or every worker's files in multiprocess mode."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        self._write_depth()  # this worker's own is current; the others' at most GAUGE_SECONDS old
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(merged)
