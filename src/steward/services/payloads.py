"""Reading the inference server's payload log for monitoring, through fsspec (a folder or a URL).

The log is Parquet partitioned as ``deployment=<name>/date=YYYY-MM-DD/hour=HH/part-*.parquet``
(:mod:`steward.serving.payload_log`). Files are read batch by batch and each
request's ``inputs``/``outputs`` lists are exploded into one row per predicted
row, so memory holds one batch at a time whatever the file or window size.
Only ``primary`` rows are monitored (a shadow's copy of a request has no inputs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from steward.core.monitoring.profile import PREDICTION, PROBA

#: Requests per batch read from a file (memory is one batch: this many requests and their rows).
BATCH_ROWS = 512


@dataclass(frozen=True)
class Chunk:
    """One batch of a payload-log file: per request its version, status and latency; per row the data."""

    #: version, status, latency_ms (primary requests only); with_time: also request_id, time
    requests: pd.DataFrame
    #: request_id, row, version, the input columns, __prediction__, __proba__; with_time: also time
    rows: pd.DataFrame


class PayloadLogReader:
    """The payload-log files of a deployment under *root* (a folder or fsspec URL)."""

    def __init__(self, root: str, storage_options: dict[str, Any] | None = None) -> None:
        self.root = root.rstrip("/")
        self.storage_options = dict(storage_options or {})

    def _fs(self) -> tuple[Any, str]:
        from fsspec.core import url_to_fs

        fs, path = url_to_fs(self.root, **self.storage_options)
        return fs, str(path).rstrip("/")

    def files(self, deployment: str) -> list[str]:
        """Every finished file of *deployment*, as paths relative to the deployment's folder, sorted."""
        fs, root = self._fs()
        base = f"{root}/deployment={deployment}"
        found = fs.glob(f"{base}/date=*/hour=*/part-*.parquet")
        return sorted(str(p)[len(base) + 1 :] for p in found)

    def partition_path(self, deployment: str, relative: str) -> str:
        """A path carrying the partition folders (for :func:`steward.core.windows.window_of`)."""
        return f"deployment={deployment}/{relative}"

    def open(self, deployment: str, relative: str) -> Any:
        """A file of *deployment*'s log, opened for reading (a context manager)."""
        fs, root = self._fs()
        return fs.open(f"{root}/deployment={deployment}/{relative}", "rb")

    def chunks(
        self, deployment: str, relative: str, *, with_inputs: bool = True, with_time: bool = False
    ) -> Iterator[Chunk]:
        with self.open(deployment, relative) as handle:
            parquet = pq.ParquetFile(handle)
            names = set(parquet.schema_arrow.names)
            wanted = ["request_id", "time", "version", "status", "latency_ms", "role", "inputs", "outputs"]
            if not with_inputs:
                wanted.remove("inputs")
            columns = [c for c in wanted if c in names]
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                yield explode(pa.Table.from_batches([batch]), with_time=with_time)

    def ordered(self, deployment: str, relative: str, *, with_inputs: bool = True) -> Chunk:
        """The whole file in log order: requests by (time, request id), rows by (time, request id,
        row), each with its ``time`` (for ``rows:N`` windows; one file is one writer's flush)."""
        parts = list(self.chunks(deployment, relative, with_inputs=with_inputs, with_time=True))
        if not parts:
            return explode(pa.table({"request_id": pa.array([], pa.string())}), with_time=True)
        requests = pd.concat([c.requests for c in parts], ignore_index=True)
        rows = pd.concat([c.rows for c in parts], ignore_index=True)
        requests = requests.sort_values(["time", "request_id"], kind="mergesort", ignore_index=True)
        rows = rows.sort_values(["time", "request_id", "row"], kind="mergesort", ignore_index=True)
        return Chunk(requests=requests, rows=rows)

    def first_time(self, deployment: str, relative: str) -> Any:
        """The earliest request time in a file, from its Parquet statistics (None when unknown)."""
        with self.open(deployment, relative) as handle:
            metadata = pq.ParquetFile(handle).metadata
            names = [metadata.schema.column(i).name for i in range(metadata.num_columns)]
            if "time" not in names:
                return None
            index = names.index("time")
            found = []
            for group in range(metadata.num_row_groups):
                stats = metadata.row_group(group).column(index).statistics
                if stats is None or not stats.has_min_max:
                    return None
                found.append(pd.Timestamp(stats.min))
            return min(found) if found else None


def explode(table: pa.Table, *, with_time: bool = False) -> Chunk:
    """Requests and their exploded rows from one batch of the payload log; *with_time* adds each
    request's and row's ``time`` (naive UTC; missing times are NaT) and the requests' ``request_id``."""
    if "role" in table.column_names:
        table = table.filter(pc.fill_null(pc.equal(table["role"], "primary"), True))
    found = table["version"].to_pylist() if "version" in table.column_names else [None] * table.num_rows
    versions = [str(v) if v is not None else "unknown" for v in found]
    requests = pd.DataFrame(
        {
            "version": versions,
            "status": _column(table, "status", 200),
            "latency_ms": _column(table, "latency_ms", np.nan),
        }
    )
    ok = np.asarray(requests["status"] < 400)
    answered = table.filter(pa.array(ok))
    times = _times(table) if with_time else None
    rows = _rows(
        answered,
        [v for v, good in zip(versions, ok, strict=True) if good],
        None if times is None else times[ok],
    )
    if times is not None:
        requests.insert(0, "request_id", np.asarray(_column(table, "request_id", None), dtype=object))
        requests.insert(1, "time", times)
    return Chunk(requests=requests, rows=rows)


def _column(table: pa.Table, name: str, default: Any) -> Any:
    if name in table.column_names:
        return table[name].to_numpy(zero_copy_only=False)
    return np.full(table.num_rows, default)


def _times(table: pa.Table) -> np.ndarray[Any, Any]:
    """The requests' times in UTC, as naive ``datetime64[us]`` (NaT where the log has none)."""
    if "time" not in table.column_names:
        return np.full(table.num_rows, np.datetime64("NaT"), dtype="datetime64[us]")
    column = table["time"]
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        column = column.cast(pa.timestamp(column.type.unit))  # the instant, in UTC, without the zone
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype="datetime64[us]")


def _struct(column: pa.ChunkedArray) -> pa.Array | None:
    """A struct column (or its JSON-text fallback, parsed) as one StructArray."""
    array = column.combine_chunks()
    if pa.types.is_struct(array.type):
        return array
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        parsed = [json.loads(v) if v else None for v in array.to_pylist()]
        return pa.array(parsed) if any(p for p in parsed) else None
    return None


def _rows(table: pa.Table, versions: list[str], times: np.ndarray[Any, Any] | None = None) -> pd.DataFrame:
    empty = pd.DataFrame({"request_id": pd.Series([], dtype=object), "row": [], "version": []})
    if times is not None:
        empty["time"] = np.array([], dtype="datetime64[us]")
    if table.num_rows == 0:
        return empty
    columns: dict[str, Any] = {}
    parents: np.ndarray[Any, Any] | None = None
    inputs = _struct(table["inputs"]) if "inputs" in table.column_names else None
    outputs = _struct(table["outputs"]) if "outputs" in table.column_names else None
    for struct, prefix in ((inputs, ""), (outputs, "out:")):
        if struct is None:
            continue
        for i in range(struct.type.num_fields):
            field = struct.type.field(i)
            lists = struct.field(i)
            if not pa.types.is_list(lists.type) and not pa.types.is_large_list(lists.type):
                continue
            if parents is None:
                parents = np.asarray(pc.list_parent_indices(lists))
            flat = pc.list_flatten(lists)
            if len(flat) != len(parents):  # a ragged request: not monitorable as rows
                continue
            columns[prefix + field.name] = flat
    if parents is None:
        return empty
    frame = pd.DataFrame(
        {name: _values(array) for name, array in columns.items() if not name.startswith("out:")}
    )
    if "out:predict" in columns:
        frame[PREDICTION] = _values(columns["out:predict"])
    proba = columns.get("out:predict_proba")
    if proba is not None and (pa.types.is_list(proba.type) or pa.types.is_large_list(proba.type)):
        sizes = np.asarray(pc.fill_null(pc.list_value_length(proba), 0))
        if sizes.size and (sizes == 2).all():
            frame[PROBA] = np.asarray(pc.list_element(proba, 1).to_numpy(zero_copy_only=False), dtype=float)
    ids = np.asarray(table["request_id"].to_numpy(zero_copy_only=False), dtype=object)
    first = np.searchsorted(parents, parents, side="left")
    frame.insert(0, "request_id", ids[parents])
    frame.insert(1, "row", np.arange(len(parents)) - first)
    frame.insert(2, "version", np.asarray(versions, dtype=object)[parents])
    if times is not None:
        frame["time"] = times[parents]
    return frame


def _values(array: pa.Array) -> Any:
    """Arrow values as pandas-friendly values (numbers as numpy, others as objects)."""
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return array.to_numpy(zero_copy_only=False)
    return array.to_pandas()
