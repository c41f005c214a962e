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

    requests: pd.DataFrame  # version, status, latency_ms (primary requests only)
    rows: pd.DataFrame  # request_id, row, version, the input columns, __prediction__, __proba__


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

    def chunks(self, deployment: str, relative: str, *, with_inputs: bool = True) -> Iterator[Chunk]:
        fs, root = self._fs()
        with fs.open(f"{root}/deployment={deployment}/{relative}", "rb") as handle:
            parquet = pq.ParquetFile(handle)
            names = set(parquet.schema_arrow.names)
            wanted = ["request_id", "version", "status", "latency_ms", "role", "inputs", "outputs"]
            if not with_inputs:
                wanted.remove("inputs")
            columns = [c for c in wanted if c in names]
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                yield explode(pa.Table.from_batches([batch]))


def explode(table: pa.Table) -> Chunk:
    """Requests and their exploded rows from one batch of the payload log."""
    if "role" in table.column_names:
        table = table.filter(pc.fill_null(pc.equal(table["role"], "primary"), True))
    found = table["version"].to_pylist() if "version" in table.column_names else [None] * table.num_rows
    versions = [str(v) if v is not None else "unknown" for v in found]
    requests = pd.DataFrame(
        {
            "version": versions,
            "status": table["status"].to_numpy(zero_copy_only=False),
            "latency_ms": table["latency_ms"].to_numpy(zero_copy_only=False),
        }
    )
    ok = np.asarray(requests["status"] < 400)
    answered = table.filter(pa.array(ok))
    rows = _rows(answered, [v for v, good in zip(versions, ok, strict=True) if good])
    return Chunk(requests=requests, rows=rows)


def _struct(column: pa.ChunkedArray) -> pa.Array | None:
    """A struct column (or its JSON-text fallback, parsed) as one StructArray."""
    array = column.combine_chunks()
    if pa.types.is_struct(array.type):
        return array
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        parsed = [json.loads(v) if v else None for v in array.to_pylist()]
        return pa.array(parsed) if any(p for p in parsed) else None
    return None


def _rows(table: pa.Table, versions: list[str]) -> pd.DataFrame:
    empty = pd.DataFrame({"request_id": pd.Series([], dtype=object), "row": [], "version": []})
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
    return frame


def _values(array: pa.Array) -> Any:
    """Arrow values as pandas-friendly values (numbers as numpy, others as objects)."""
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return array.to_numpy(zero_copy_only=False)
    return array.to_pandas()
