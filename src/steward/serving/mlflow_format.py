"""MLflow scoring (``POST /invocations``): the JSON and CSV bodies MLflow's model server accepts.

JSON bodies carry exactly one of ``dataframe_split`` (``{"columns", "data"}``),
``dataframe_records`` (a list of row objects), ``instances`` or ``inputs``
(rows, row objects, a column object, or nested lists for a tensor); ``params``
is accepted and ignored. ``text/csv`` is a table with a header row. The answer
is ``{"predictions": [...]}`` plus ``model_version``.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from steward.core.errors import InvalidInputError
from steward.core.signature import Signature
from steward.serving.http import json_list
from steward.serving.validation import TensorInput

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
EXTRA_KEYS = frozenset({"params"})


def parse_json(body: Any, signature: Signature) -> dict[str, Any]:
    """Columns (name -> values) for a columns signature, or tensors (name -> TensorInput)."""
    if not isinstance(body, dict):
        raise InvalidInputError(f"The body is a JSON object with one of: {', '.join(FORMATS)}.")
    given = [key for key in FORMATS if key in body]
    unknown = [key for key in body if key not in FORMATS and key not in EXTRA_KEYS]
    if len(given) != 1 or unknown:
        found = ", ".join(repr(k) for k in body) or "none"
        raise InvalidInputError(f"The body needs exactly one of {', '.join(FORMATS)} (found keys: {found}).")
    key = given[0]
    payload = body[key]
    tensor = signature.kind == "tensor"
    if key == "dataframe_split":
        columns = _split(payload, signature)
        return _as_tensors(columns, signature) if tensor else columns
    if key == "dataframe_records":
        columns = _records(payload)
        return _as_tensors(columns, signature) if tensor else columns
    if tensor:
        return _tensor_payload(payload, signature, key)
    return _column_payload(payload, signature, key)


def _split(payload: Any, signature: Signature) -> dict[str, Any]:
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise InvalidInputError('dataframe_split is {"columns": [...], "data": [[...], ...]}.')
    data = payload["data"]
    columns = payload.get("columns", signature.input_names)
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InvalidInputError("dataframe_split.columns is a list of column names.")
    if len(set(columns)) != len(columns):
        raise InvalidInputError("dataframe_split.columns names a column twice.")
    return _rows_to_columns(data, columns, "dataframe_split.data")


def _rows_to_columns(data: list[Any], columns: list[str], where: str) -> dict[str, Any]:
    width = len(columns)
    for number, row in enumerate(data):
        if not isinstance(row, list) or len(row) != width:
            raise InvalidInputError(f"{where} row {number} must be a list of {width} values, one per column.")
    if not data:
        return {name: [] for name in columns}
    return dict(zip(columns, (list(c) for c in zip(*data, strict=True)), strict=True))


def _records(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise InvalidInputError("dataframe_records is a list of row objects: [{column: value, ...}, ...].")
    names: dict[str, None] = {}
    for record in payload:
        names.update(dict.fromkeys(record))
    return {name: [record.get(name) for record in payload] for name in names}


def _column_payload(payload: Any, signature: Signature, key: str) -> dict[str, Any]:
    if isinstance(payload, dict):  # {"column": [values], ...}
        out = {}
        for name, values in payload.items():
            out[name] = values if isinstance(values, list) else [values]
        return out
    if isinstance(payload, list) and payload and all(isinstance(r, dict) for r in payload):
        return _records(payload)
    if isinstance(payload, list) and all(isinstance(r, list) for r in payload):
        return _rows_to_columns(payload, signature.input_names, key)
    raise InvalidInputError(
        f"{key} is a list of row objects, a list of rows in signature order, or an object of columns."
    )


def _tensor_payload(payload: Any, signature: Signature, key: str) -> dict[str, Any]:
    if isinstance(payload, dict):
        return {name: TensorInput(values) for name, values in payload.items()}
    if len(signature.inputs) != 1:
        raise InvalidInputError(
            f"The model takes several tensors ({', '.join(signature.input_names)}): "
            f'send {key} as an object {{"name": [...], ...}}.'
        )
    return {signature.inputs[0].name: TensorInput(payload)}


def _as_tensors(columns: dict[str, Any], signature: Signature) -> dict[str, Any]:
    if len(signature.inputs) != 1:
        raise InvalidInputError("A model of several tensors takes instances or inputs, not a data frame.")
    rows = list(zip(*columns.values(), strict=True)) if columns else []
    return {signature.inputs[0].name: TensorInput([list(r) for r in rows])}


def parse_csv(body: bytes, signature: Signature) -> dict[str, Any]:
    """A CSV table with a header row; string columns are read as text, empty cells as missing."""
    import pandas as pd

    text_columns = {c.name: str for c in signature.inputs if c.type in ("string", "binary")}
    try:
        frame = pd.read_csv(io.BytesIO(body), dtype=text_columns or None)  # type: ignore[arg-type]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"Cannot read the CSV body: {' '.join(str(exc).split())}") from None
    if signature.kind == "tensor":
        return {signature.inputs[0].name: TensorInput(frame.to_numpy())} if len(signature.inputs) == 1 else {}
    return {str(name): _csv_column(frame[name]) for name in frame.columns}


def _csv_column(series: Any) -> np.ndarray:
    numeric = series.dtype.kind in "biufM"
    array: np.ndarray = series.to_numpy() if numeric else series.to_numpy(dtype=object)
    if array.dtype.kind == "O":
        array[series.isna().to_numpy()] = None
    return array


def predictions(values: Any) -> list[Any]:
    """The model's output as JSON-ready ``predictions`` (NaN as null)."""
    to_dict = getattr(values, "to_dict", None)
    if callable(to_dict) and hasattr(values, "columns"):  # a DataFrame: one object per row
        records: list[Any] = to_dict(orient="records")
        return records
    return json_list(values)
