"""Shadow traffic: each answered request's validated input, copied to the shadow versions, off the path.

After the routed version answered, the request path only puts one job on a
bounded queue (never waits: when it is full the job is dropped and counted in
``steward_shadow_dropped_total``). A few daemon threads take jobs and call each
shadow's ``predict`` (and ``predict_proba`` when it has one); the output and
latency go to the payload log as a row with ``role = "shadow"`` and the
request's id. A shadow's exception, or an input its signature refuses, is
logged and counted in ``steward_shadow_errors_total{version}``; clients never
see a shadow's answer or its failure.

When the shadow's signature is not the routed version's, the input is
validated again against the shadow's, from the columns the routed version
validated.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from steward.core.errors import InvalidInputError
from steward.serving.metrics import ServingMetrics
from steward.serving.payload_log import PayloadLog, PayloadRecord
from steward.serving.routing import Served
from steward.serving.validation import Batch, TensorInput, columns_batch, tensors_batch

log = logging.getLogger("steward.serving.shadow")

_STOP = object()


@dataclass(frozen=True)
class ShadowJob:
    """One answered request for the shadows: what the routed version saw, and whether to log it."""

    shadows: tuple[Served, ...]
    route: Served
    batch: Batch
    request_id: str
    protocol: str
    logged: bool


class ShadowRunner:
    """A bounded queue of answered requests and the threads that replay them on the shadows."""

    def __init__(
        self,
        deployment: str,
        metrics: ServingMetrics,
        payload_log: PayloadLog | None,
        *,
        max_queue: int = 1_000,
        threads: int = 2,
    ) -> None:
        self.deployment = deployment
        self.metrics = metrics
        self.payload_log = payload_log
        self.threads = threads
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._workers: list[threading.Thread] = []
        self.done = 0

    def submit(self, job: ShadowJob) -> bool:
        """Queue *job* without waiting; False (and counted) when the queue is full."""
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            self.metrics.shadow_dropped.inc()
            return False
        return True

    def start(self) -> None:
        if not self._workers:
            self._workers = [
                threading.Thread(target=self._run, name=f"steward-shadow-{i}", daemon=True)
                for i in range(self.threads)
            ]
            for worker in self._workers:
                worker.start()

    def close(self, timeout: float = 30.0) -> None:
        """Finish the queued jobs, then stop the threads."""
        workers, self._workers = self._workers, []
        for _ in workers:
            self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            for shadow in job.shadows:
                self.run_one(job, shadow)
            self.done += 1

    def run_one(self, job: ShadowJob, shadow: Served) -> None:
        """Predict with one shadow and log the row; never raises."""
        started = time.perf_counter()
        outputs: dict[str, Any] | None = None
        error: str | None = None
        try:
            data = _input_for(shadow, job.route, job.batch)
            model: Any = shadow.model
            outputs = {"predict": model.predict(data)}
            if shadow.has_proba:
                outputs["predict_proba"] = model.predict_proba(data)
        except Exception as exc:  # the shadow's own code, or an input it refuses: count it, go on
            error = f"{type(exc).__name__}: {exc}"
            outputs = None
            self.metrics.shadow_error(shadow.label)
            log.warning("shadow %s failed on request %s: %s", shadow.label, job.request_id, error)
        elapsed = time.perf_counter() - started
        if not job.logged or self.payload_log is None:
            return
        self.payload_log.submit(
            PayloadRecord(
                request_id=job.request_id,
                time=time.time(),
                deployment=self.deployment,
                version=shadow.label,
                protocol=job.protocol,
                status=200 if error is None else 500,
                latency_ms=elapsed * 1000.0,
                rows=job.batch.rows,
                outputs=outputs,
                error=error,
                role="shadow",
            )
        )


def _input_for(shadow: Served, route: Served, batch: Batch) -> Any:
    """The routed version's validated input, validated again when the shadow's signature differs."""
    signature = shadow.signature
    if signature is None or signature == route.signature:
        return batch.data
    try:
        if signature.kind == "tensor":
            tensors = {name: TensorInput(array) for name, array in batch.columns.items()}
            return tensors_batch(tensors, signature, max(batch.rows, 1)).data
        return columns_batch(batch.columns, signature, max(batch.rows, 1)).data
    except InvalidInputError as exc:
        raise InvalidInputError(f"the input does not fit the shadow's signature: {exc.message}") from None
