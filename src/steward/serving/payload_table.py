"""The payload log's buffer: records kept column by column, turned into one Arrow table at a time.

The request path appends a record's fields to a :class:`Lane` (one per
deployment and version): a few list appends of values the collector does not
track (text, numbers, numpy arrays), so a second of queued requests is a few
lists, not thousands of Python objects for every full collection to walk. The
writer thread swaps the lanes out and builds each table with whole-column
calls (``numpy.concatenate``, ``pyarrow.array``, list offsets computed with
numpy): no per-value Python lists, so it holds the GIL only in short C calls.

The table's columns: ``request_id``, ``time`` (UTC, microseconds),
``version``, ``protocol``, ``status``, ``latency_ms``, ``rows``, ``error``,
``role``, and the structs ``inputs`` and ``outputs``: one field per input (or
output) name, each a list of the request's values, nested as deep as the array
(``predict_proba`` is a list of lists). A record without inputs (an error, a
shadow's row) has a null struct. Floating NaN and NaT are stored as nulls. A
field whose values Arrow cannot type (mixed objects) is stored as JSON text,
one document per request.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pyarrow as pa

log = logging.getLogger("steward.serving.payload_log")

TIME_TYPE = pa.timestamp("us", tz="UTC")
SECONDS_PER_HOUR = 3600


class Lane:
    """The queued records of one deployment and version, one list per column."""

    __slots__ = (
        "count",
        "deployment",
        "error",
        "inputs",
        "latency_ms",
        "outputs",
        "protocol",
        "request_id",
        "role",
        "rows",
        "status",
        "time",
        "version",
    )

    def __init__(self, deployment: str, version: str | None) -> None:
        self.deployment = deployment
        self.version = version
        self.count = 0
        self.request_id: list[str] = []
        self.time: list[float] = []
        self.protocol: list[str] = []
        self.status: list[int] = []
        self.latency_ms: list[float] = []
        self.rows: list[int] = []
        self.error: list[str | None] = []
        self.role: list[str] = []
        #: name -> one value per record (None where the record has no such input)
        self.inputs: dict[str, list[Any]] = {}
        self.outputs: dict[str, list[Any]] = {}

    def add(
        self,
        request_id: str,
        time: float,
        protocol: str,
        status: int,
        latency_ms: float,
        rows: int,
        error: str | None,
        role: str,
        inputs: dict[str, Any] | None,
        outputs: dict[str, Any] | None,
    ) -> None:
        """Append one record (the caller holds the log's lock)."""
        self.request_id.append(request_id)
        self.time.append(time)
        self.protocol.append(protocol)
        self.status.append(status)
        self.latency_ms.append(latency_ms)
        self.rows.append(rows)
        self.error.append(error)
        self.role.append(role)
        _append(self.inputs, inputs, self.count)
        _append(self.outputs, outputs, self.count)
        self.count += 1

    def table(self) -> pa.Table:
        """Every record as one Arrow table (the writer thread's work)."""
        n = self.count
        columns = {
            "request_id": pa.array(self.request_id, pa.string()),
            "time": pa.array(_microseconds(self.time), TIME_TYPE),
            "version": pa.array([self.version] * n, pa.string()),
            "protocol": pa.array(self.protocol, pa.string()),
            "status": pa.array(self.status, pa.int64()),
            "latency_ms": pa.array(self.latency_ms, pa.float64()),
            "rows": pa.array(self.rows, pa.int64()),
            "error": pa.array(self.error, pa.string()),
            "role": pa.array(self.role, pa.string()),
            "inputs": _struct(self.inputs, n),
            "outputs": _struct(self.outputs, n),
        }
        return pa.table(columns)

    def hours(self) -> np.ndarray:
        """Each record's hour since the epoch (its partition)."""
        return np.floor_divide(np.asarray(self.time, dtype=np.float64), SECONDS_PER_HOUR).astype(np.int64)


def _append(columns: dict[str, list[Any]], values: dict[str, Any] | None, index: int) -> None:
    if values:
        for name, value in values.items():
            column = columns.get(name)
            if column is None:
                column = columns[name] = [None] * index
            column.append(value)
    for column in columns.values():
        if len(column) == index:  # this record has no value for it
            column.append(None)


def _microseconds(times: list[float]) -> np.ndarray:
    return np.round(np.asarray(times, dtype=np.float64) * 1e6).astype(np.int64)


def _struct(columns: dict[str, list[Any]], n: int) -> pa.Array:
    if not columns:
        return pa.nulls(n)
    names = list(columns)
    fields = [_list_column(name, columns[name]) for name in names]
    missing = np.ones(n, dtype=bool)
    for values in columns.values():
        missing &= np.fromiter((v is None for v in values), dtype=bool, count=n)
    return pa.StructArray.from_arrays(fields, names=names, mask=pa.array(missing))


def _list_column(name: str, values: list[Any]) -> pa.Array:
    """One list per record (nested as deep as its array), null where the record has none."""
    arrays = [None if v is None else _as_array(v) for v in values]
    try:
        return _nested_lists(arrays)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError, TypeError) as exc:
        log.warning("payload log: storing %r as JSON text (%s)", name, exc)
        return pa.array(
            [None if a is None else json.dumps(a.tolist(), default=str) for a in arrays], pa.string()
        )


def _as_array(values: Any) -> np.ndarray:
    to_numpy = getattr(values, "to_numpy", None)
    array = np.asarray(to_numpy() if callable(to_numpy) else values)
    if array.ndim == 0:
        array = array.reshape(1)
    return array


def _nested_lists(arrays: list[np.ndarray | None]) -> pa.Array:
    present = [a for a in arrays if a is not None]
    if not present:
        return pa.nulls(len(arrays))
    ndim = present[0].ndim
    if any(a.ndim != ndim for a in present):
        raise ValueError("the values have different numbers of dimensions")
    leaf_values = np.concatenate([a.reshape(-1) for a in present])
    if leaf_values.dtype.kind == "M":
        leaf_values = leaf_values.astype("datetime64[us]")
    leaf: pa.Array = pa.array(leaf_values, from_pandas=True)  # NaN and NaT become nulls
    shapes = np.array([a.shape for a in present], dtype=np.int64).reshape(len(present), ndim)
    # inner levels: record r has prod(shape[:level]) lists of shape[level] values each
    for level in range(ndim - 1, 0, -1):
        lists_per_record = np.prod(shapes[:, :level], axis=1)
        counts = np.repeat(shapes[:, level], lists_per_record)
        leaf = pa.ListArray.from_arrays(_offsets(counts), leaf)
    outer = np.zeros(len(arrays), dtype=np.int64)
    is_null = np.fromiter((a is None for a in arrays), dtype=bool, count=len(arrays))
    outer[~is_null] = shapes[:, 0]
    return pa.ListArray.from_arrays(_offsets(outer), leaf, mask=pa.array(is_null))


def _offsets(counts: np.ndarray) -> pa.Array:
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if offsets[-1] > np.iinfo(np.int32).max:
        raise ValueError("more values than one Arrow list column holds: write smaller batches")
    return pa.array(offsets.astype(np.int32))
