"""The payload log: every answered request, written to Parquet off the request path.

The request path hands over a :class:`PayloadRecord` (references to arrays it
already has); :meth:`PayloadLog.submit` appends its fields to a columnar
buffer (:class:`~steward.serving.payload_table.Lane`, one per deployment and
version) under a lock, or, when ``max_queue`` records already wait, drops it
and counts it, never waiting. A background thread swaps the buffer out every
``flush_seconds`` (or as soon as ``flush_rows`` records wait), builds one
Arrow table per lane with whole-column calls, and writes one file per lane and
UTC hour through a :class:`~steward.serving.payload_sink.PayloadSink`::

    <root>/deployment=<name>/date=YYYY-MM-DD/hour=HH/part-<uuid>.parquet

(``part-<worker>-<uuid>.parquet`` when several worker processes serve one
port.) The root is a folder or an fsspec URL (``s3://bucket/payloads``).
Columns: see :mod:`~steward.serving.payload_table`. The deployment, date and
hour are in the path only (Hive partitioning). The ``inputs`` struct follows
the signature of the version that answered, so files of different versions
may differ in it: read a folder with a schema-merging reader
(``pyarrow.concat_tables(..., promote_options="permissive")``, polars
``how="diagonal_relaxed"``, DuckDB ``union_by_name``).
:meth:`PayloadLog.close` writes everything still queued.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from steward.serving.payload_sink import PayloadSink, open_sink
from steward.serving.payload_table import SECONDS_PER_HOUR, Lane

log = logging.getLogger("steward.serving.payload_log")


@dataclass(frozen=True)
class PayloadRecord:
    request_id: str
    #: POSIX seconds (``time.time()``), stored as a UTC timestamp.
    time: float
    deployment: str
    version: str | None
    protocol: str
    status: int
    latency_ms: float
    rows: int = 0
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    error: str | None = None
    #: ``primary`` (the answer the client got) or ``shadow`` (a copy for a shadow version, never returned).
    role: str = "primary"


class PayloadLog:
    """A bounded columnar buffer of records and the thread that writes it to Parquet."""

    def __init__(
        self,
        destination: PayloadSink | Path | str,
        *,
        max_queue: int = 10_000,
        flush_rows: int = 5_000,
        flush_seconds: float = 1.0,
        on_drop: Callable[[int], None] | None = None,
        worker: str | None = None,
    ) -> None:
        self.sink = open_sink(destination) if isinstance(destination, (str, Path)) else destination
        self._prefix = f"part-{worker}-" if worker else "part-"
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.max_queue = max_queue
        self._lanes: dict[tuple[str, str | None], Lane] = {}
        self._pending = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._on_drop = on_drop or (lambda n: None)
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0

    @property
    def location(self) -> str:
        return self.sink.location

    def depth(self) -> int:
        return self._pending

    def submit(self, r: PayloadRecord) -> bool:
        """Queue *r* without waiting; False (and counted) if ``max_queue`` records already wait.

        The writer is not woken for every record (that cost a thread switch per request); it wakes
        every ``flush_seconds``, or once ``flush_rows`` records wait."""
        with self._lock:
            if self._pending >= self.max_queue:
                full = True
            else:
                full = False
                key = (r.deployment, r.version)
                lane = self._lanes.get(key)
                if lane is None:
                    lane = self._lanes[key] = Lane(r.deployment, r.version)
                lane.add(r.request_id, r.time, r.protocol, r.status, r.latency_ms, r.rows, r.error, r.role,
                         r.inputs, r.outputs)  # fmt: skip
                self._pending += 1
                pending = self._pending
        if full:
            self._drop(1)
            return False
        if pending == self.flush_rows:
            self._wake.set()
        return True

    def _drop(self, count: int) -> None:
        self.dropped += count
        self._on_drop(count)

    def start(self) -> None:
        if self._thread is None:
            self.sink.prepare()
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="steward-payload-log", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Write every queued record, then stop the thread."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout)
        if thread.is_alive():
            log.error("payload log: gave up waiting for the writer after %.0f s", timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            stop = self._stopping
            with self._lock:
                lanes, self._lanes = self._lanes, {}
                taken, self._pending = self._pending, 0
            if taken:
                for lane in lanes.values():
                    self._write(lane)
            if stop:
                return

    def _write(self, lane: Lane) -> None:
        try:
            table = lane.table()
            hours = lane.hours()
        except Exception as exc:  # the writer must outlive any record it cannot encode
            log.error("payload log: cannot encode %d records of %s: %s", lane.count, lane.version, exc)
            self._drop(lane.count)
            return
        distinct = np.unique(hours)
        for hour in distinct:
            part = table if len(distinct) == 1 else table.filter(pa.array(hours == hour))
            at = datetime.fromtimestamp(int(hour) * SECONDS_PER_HOUR, UTC)
            folder = f"deployment={lane.deployment}/date={at:%Y-%m-%d}/hour={at:%H}"
            name = f"{self._prefix}{uuid.uuid4().hex}.parquet"
            try:
                self.sink.write(folder, name, part)
                self.written += part.num_rows
            except Exception as exc:  # a full disk, a refused PUT: count the loss, keep serving
                log.error("payload log: cannot write %d records to %s/%s: %s",
                          part.num_rows, self.sink.location, folder, exc)  # fmt: skip
                self._drop(part.num_rows)
