"""Profiles straight from Parquet, streamed record batch by record batch with flat memory.

:func:`profile_parquet` reads only the columns the reference profiles, ``batch_size`` rows at a time,
profiles each batch like the reference and merges: memory holds one batch and one profile whatever the
number of rows. Payload-log files of the inference server (struct columns ``inputs`` and ``outputs``
holding one list per request, see :mod:`steward.serving.payload_log`) are recognised and flattened
with :func:`flatten_payload` to one row per predicted row first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from steward.core.errors import InvalidInputError
from steward.core.monitoring.profile import PREDICTION, PROBA, Profile, empty_like, profile_like

PAYLOAD_COLUMNS = ("inputs", "outputs", "role", "request_id")
#: Bytes read from a Parquet file at a time.
READ_BUFFER = 1 << 20


def _lengths(column: Any) -> Any:
    return pc.fill_null(pc.list_value_length(column), -1)


def _json_payload(table: pa.Table) -> pa.Table:
    """The slow path for logs whose inputs were stored as JSON text (values Arrow could not type)."""
    frames = []
    for inputs, outputs in zip(table["inputs"].to_pylist(), table["outputs"].to_pylist(), strict=True):
        if inputs is None:
            continue
        frame = pd.DataFrame(json.loads(inputs) if isinstance(inputs, str) else inputs)
        out = json.loads(outputs) if isinstance(outputs, str) else (outputs or {})
        if out.get("predict") is not None and len(out["predict"]) == len(frame):
            frame[PREDICTION] = out["predict"]
        frames.append(frame)
    if not frames:
        return pa.table({})
    rows = pd.concat(frames, ignore_index=True)
    for name in rows.columns:  # mixed values (why the log fell back to JSON) are kept as text
        if rows[name].dtype == object:
            rows[name] = rows[name].map(lambda v: None if v is None else str(v)).astype("string")
    return pa.Table.from_pandas(rows, preserve_index=False)


def flatten_payload(data: pa.Table | pa.RecordBatch, *, role: str = "primary") -> pa.Table:
    """Payload-log rows (one per request) as one row per predicted row.

    ``inputs.<feature>`` becomes column ``<feature>``, ``outputs.predict`` becomes ``__prediction__``, and
    the positive-class column of a binary classifier's ``outputs.predict_proba`` becomes ``__proba__``;
    ``request_id`` is repeated on each of a request's rows. Only requests of *role* (``primary``: a
    shadow's copy has no inputs) with inputs are kept, and a request whose lists disagree in length is
    dropped rather than misaligned."""
    table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
    if "inputs" not in table.column_names:
        raise InvalidInputError(
            "Not a payload log: no 'inputs' column. Profile plain tables with profile_like()."
        )
    if "role" in table.column_names:
        table = table.filter(pc.fill_null(pc.equal(table["role"], role), role == "primary"))
    table = table.filter(pc.is_valid(table["inputs"]))
    if pa.types.is_string(table.schema.field("inputs").type):
        return _json_payload(table)
    inputs = table["inputs"].combine_chunks()
    names = [inputs.type.field(i).name for i in range(inputs.type.num_fields)]
    lists = {name: inputs.field(i) for i, name in enumerate(names)}
    outputs = table["outputs"].combine_chunks() if "outputs" in table.column_names else None
    if outputs is not None and pa.types.is_struct(outputs.type):
        fields = {outputs.type.field(i).name: outputs.field(i) for i in range(outputs.type.num_fields)}
        if "predict" in fields:
            lists[PREDICTION] = fields["predict"]
        if "predict_proba" in fields:
            lists[PROBA] = fields["predict_proba"]
    if not names:
        return pa.table({})
    length = _lengths(lists[names[0]])
    keep = pc.greater_equal(length, 0)
    for name, column in list(lists.items()):
        agrees = pc.equal(_lengths(column), length)
        if name in (PREDICTION, PROBA) and not pc.all(pc.or_(agrees, pc.equal(_lengths(column), -1))).as_py():
            del lists[name]  # outputs shaped unlike the inputs: monitor the inputs alone
        elif name not in (PREDICTION, PROBA):
            keep = pc.and_(keep, agrees)
    columns: dict[str, Any] = {}
    for name, column in lists.items():
        flat = pc.list_flatten(column.filter(keep))
        if name == PROBA or (name == PREDICTION and pa.types.is_list(flat.type)):
            if not pa.types.is_list(flat.type):
                continue
            width = pc.list_value_length(flat)
            if name == PROBA and not pc.all(pc.equal(width, 2)).as_py():
                continue  # not a binary classifier: no positive-class probability
            flat = pc.list_element(flat, 1 if name == PROBA else 0)
        columns[name] = flat
    if "request_id" in table.column_names:
        ids = table["request_id"].combine_chunks().filter(keep)
        columns["request_id"] = pc.take(ids, pc.list_parent_indices(lists[names[0]].filter(keep)))
    return pa.table(columns)


def _files(source: str | Path | Iterable[str | Path]) -> list[Path]:
    items = [source] if isinstance(source, str | Path) else list(source)
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.parquet") if not p.name.startswith(".")))
        elif path.exists():
            found.append(path)
        else:
            raise InvalidInputError(f"No Parquet file or folder at {path}.")
    return found


def _batches(
    source: Any, wanted: set[str], batch_size: int
) -> Iterator[tuple[pa.RecordBatch, tuple[str, ...]]]:
    """Record batches of the wanted columns, one row group at a time: reading a whole file with
    ``iter_batches`` reads ahead (1 GB held for a 5M-row file); row group by row group without
    pre-buffering, memory stays at one row group whatever the file's size."""
    if hasattr(source, "to_batches") and hasattr(source, "schema"):  # a pyarrow.dataset.Dataset
        names = tuple(source.schema.names)
        columns = [n for n in names if n in wanted]
        for batch in source.to_batches(
            columns=columns, batch_size=batch_size, batch_readahead=1, fragment_readahead=1
        ):
            yield batch, names
        return
    for path in _files(source):
        parquet = pq.ParquetFile(path, pre_buffer=False, buffer_size=READ_BUFFER)
        names = tuple(parquet.schema_arrow.names)
        columns = [n for n in names if n in wanted]
        for group in range(parquet.num_row_groups):
            for batch in parquet.iter_batches(batch_size=batch_size, row_groups=[group], columns=columns):
                yield batch, names


def profile_parquet(
    reference: Profile, paths_or_dataset: Any, batch_size: int = 65_536, *, role: str = "primary"
) -> Profile:
    """The profile of Parquet data, like *reference*: a file, a folder (read recursively), a list of them,
    or a ``pyarrow.dataset.Dataset``. Payload-log files are flattened (:func:`flatten_payload`)."""
    if batch_size < 1:
        raise InvalidInputError("batch_size is at least 1.")
    wanted = set(reference.features) | set(PAYLOAD_COLUMNS)
    total = empty_like(reference)
    for batch, names in _batches(paths_or_dataset, wanted, batch_size):
        if "inputs" in names:
            flat = flatten_payload(batch, role=role)
            part = profile_like(reference, flat)
            seen = set(flat.column_names) - {"request_id"}
        else:
            part = profile_like(reference, batch)
            seen = set(names)
        total = total.merge(replace(part, columns_seen=tuple(sorted(seen))))
    return total
