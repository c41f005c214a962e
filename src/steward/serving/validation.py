"""Check a request's inputs against the version's signature, and build what ``predict`` takes, once.

The codecs (:mod:`~steward.serving.oip`, :mod:`~steward.serving.mlflow_format`)
turn a request into *columns* (name -> one value per row) for a columns
signature, or *tensors* (name -> values and an optional shape) for a tensor
signature. Here each column is converted to its signature type with one numpy
call; only when that fails (a string in a number column, a null) is the column
scanned again to name the first offending row. Every problem is an
:class:`~steward.core.errors.InvalidInputError` whose message says which input
and why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.signature import ColumnSpec, Signature

DEFAULT_MAX_ROWS = 100_000
INTEGER_TYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
FLOAT_TYPES = ("float16", "float32", "float64")


@dataclass(frozen=True)
class TensorInput:
    """One tensor of a request: values (flat or nested) and the shape the client declared."""

    values: Any
    shape: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Batch:
    """Validated inputs: ``data`` goes to ``predict``; ``columns`` to the payload log."""

    data: Any
    columns: dict[str, np.ndarray]
    rows: int


def _names(items: list[str]) -> str:
    return ", ".join(repr(n) for n in items)


def _check_names(given: Mapping[str, Any], signature: Signature, *, allow_missing_optional: bool) -> None:
    if not given:
        raise InvalidInputError(
            f"The request has no inputs; the model takes {_names(signature.input_names)}."
        )
    specs = {c.name: c for c in signature.inputs}
    extra = [name for name in given if name not in specs]
    if extra:
        raise InvalidInputError(
            f"Unknown input(s) {_names(extra)}: the model takes {_names(signature.input_names)}."
        )
    missing = [
        c.name
        for c in signature.inputs
        if c.name not in given and not (allow_missing_optional and c.optional)
    ]
    if missing:
        raise InvalidInputError(
            f"Missing input(s) {_names(missing)}: the model takes {_names(signature.input_names)}."
        )


def _check_rows(rows: int, max_rows: int) -> None:
    if rows == 0:
        raise InvalidInputError("The request has no rows: send at least one.")
    if rows > max_rows:
        raise InvalidInputError(f"The request has {rows} rows; at most {max_rows} per request, so split it.")


def columns_batch(
    columns: Mapping[str, Any], signature: Signature, max_rows: int = DEFAULT_MAX_ROWS
) -> Batch:
    """A DataFrame in the signature's column order, each column of its signature type."""
    _check_names(columns, signature, allow_missing_optional=True)
    lengths = {name: len(values) for name, values in columns.items()}
    rows = next(iter(lengths.values()))
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name!r} has {n}" for name, n in lengths.items())
        raise InvalidInputError(f"Inputs have different numbers of rows: {shown}.")
    _check_rows(rows, max_rows)
    out: dict[str, np.ndarray] = {}
    for spec in signature.inputs:
        values = columns.get(spec.name)
        if values is None:  # an optional column left out: all missing
            out[spec.name] = np.full(rows, np.nan) if spec.type in FLOAT_TYPES else np.full(rows, None)
        else:
            out[spec.name] = coerce_column(spec, values)
    return Batch(pd.DataFrame(out, copy=False), out, rows)


def coerce_column(spec: ColumnSpec, values: Any) -> np.ndarray:
    """*values* as a 1-D array of the spec's type; InvalidInputError naming the first bad row."""
    kind = spec.type
    if kind in INTEGER_TYPES or kind in FLOAT_TYPES:
        return _numbers(spec, values)
    if kind == "bool":
        return _booleans(spec, values)
    if kind == "string":
        return _strings(spec, values)
    if kind == "datetime":
        return _datetimes(spec, values)
    return _binary(spec, values)


def _as_array(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if isinstance(values, pd.Series):
        return values.to_numpy()
    try:
        return np.asarray(values)
    except ValueError:  # nested lists of uneven length
        return np.asarray(values, dtype=object) if not isinstance(values, list) else _object_array(values)


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _first_bad(spec: ColumnSpec, array: np.ndarray, bad: np.ndarray, expected: str) -> InvalidInputError:
    row = int(np.flatnonzero(bad)[0])
    value = array[row]
    return InvalidInputError(
        f"Input {spec.name!r} expects {expected}; row {row} has {value!r} ({type(value).__name__})."
    )


def _missing_error(spec: ColumnSpec, missing: np.ndarray) -> InvalidInputError:
    row = int(np.flatnonzero(missing)[0])
    return InvalidInputError(
        f"Input {spec.name!r} has a missing value (null or NaN) at row {row}, and it is not optional."
    )


def _null_mask(array: np.ndarray) -> np.ndarray:
    mask: np.ndarray = pd.isna(array)
    return mask


def _numbers(spec: ColumnSpec, values: Any) -> np.ndarray:
    array = _as_array(values)
    if array.ndim != 1:
        raise InvalidInputError(
            f"Input {spec.name!r} must be one value per row, got shape {list(array.shape)}."
        )
    expected = f"{spec.type} numbers"
    if array.dtype.kind not in "biuf":  # strings, nulls or mixed: find what does not fit
        array = _object_array(list(array)) if array.dtype.kind != "O" else array
        nulls = np.fromiter((v is None or (isinstance(v, float) and math.isnan(v)) for v in array), bool)
        numeric = np.fromiter(
            (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, str) for v in array),
            bool,
            count=len(array),
        )
        bad = ~numeric & ~nulls
        if bad.any():
            raise _first_bad(spec, array, bad, expected)
        if nulls.any() and not spec.optional:
            raise _missing_error(spec, nulls)
        array = np.where(nulls, np.nan, array).astype(np.float64)
    elif array.dtype.kind == "f" and not spec.optional:
        nan = np.isnan(array)
        if nan.any():
            raise _missing_error(spec, nan)
    if spec.type in FLOAT_TYPES:
        return array.astype(spec.type, copy=False)
    if array.dtype.kind == "f":
        finite = array[~np.isnan(array)]
        fractional = finite != np.round(finite)
        if fractional.any():
            bad_rows = np.zeros(len(array), bool)
            bad_rows[np.flatnonzero(~np.isnan(array))[fractional]] = True
            raise _first_bad(spec, array, bad_rows, f"whole numbers ({spec.type})")
        if np.isnan(array).any():  # an optional integer column with gaps stays float, as pandas does
            return array
    info = np.iinfo(spec.type)
    if array.size and (array.min() < info.min or array.max() > info.max):
        out_of_range = (array < info.min) | (array > info.max)
        raise _first_bad(spec, array, out_of_range, f"{spec.type} numbers from {info.min} to {info.max}")
    return array.astype(spec.type, copy=False)


def _booleans(spec: ColumnSpec, values: Any) -> np.ndarray:
    array = _as_array(values)
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind in "iu" and np.isin(array, (0, 1)).all():
        return array.astype(bool)
    if array.dtype.kind == "O":
        nulls = _null_mask(array)
        ok = np.fromiter((isinstance(v, (bool, np.bool_)) for v in array), bool, count=len(array))
        bad = ~ok & ~nulls
        if bad.any():
            raise _first_bad(spec, array, bad, "true or false")
        if nulls.any() and not spec.optional:
            raise _missing_error(spec, nulls)
        return array
    raise _first_bad(spec, array, np.ones(len(array), bool), "true or false")


def _strings(spec: ColumnSpec, values: Any) -> np.ndarray:
    # numpy would turn [ "a", 3 ] into two strings: take lists as objects and check each
    array = _object_array(values) if isinstance(values, list) else _as_array(values)
    if array.dtype.kind == "U":
        return array.astype(object)
    if array.dtype.kind != "O":
        raise _first_bad(spec, array, np.ones(len(array), bool), "strings")
    nulls = _null_mask(array)
    ok = np.fromiter((isinstance(v, str) for v in array), bool, count=len(array))
    bad = ~ok & ~nulls
    if bad.any():
        raise _first_bad(spec, array, bad, "strings")
    if nulls.any() and not spec.optional:
        raise _missing_error(spec, nulls)
    return array


def _datetimes(spec: ColumnSpec, values: Any) -> np.ndarray:
    array = _as_array(values)
    if array.dtype.kind == "M":
        parsed = array
    else:
        nulls = _null_mask(array)
        converted = pd.to_datetime(pd.Series(array, dtype=object), errors="coerce", format="ISO8601")
        bad = converted.isna().to_numpy() & ~nulls
        if bad.any():
            raise _first_bad(spec, array, bad, "ISO 8601 date-times")
        parsed = converted.to_numpy()
    missing = pd.isna(parsed)
    if missing.any() and not spec.optional:
        raise _missing_error(spec, missing)
    return np.asarray(parsed)


def _binary(spec: ColumnSpec, values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "S":
        array = values
    else:  # text (JSON) or bytes (the binary tensor extension), each element as it came
        array = _object_array(list(values)) if not isinstance(values, np.ndarray) else values.astype(object)
        nulls = _null_mask(array)
        ok = np.fromiter((isinstance(v, (str, bytes)) for v in array), bool, count=len(array))
        bad = ~ok & ~nulls
        if bad.any():
            raise _first_bad(spec, array, bad, "strings or bytes")
        if nulls.any() and not spec.optional:
            raise _missing_error(spec, nulls)
    return np.array([v.encode() if isinstance(v, str) else v for v in array], dtype=object)


def tensors_batch(
    tensors: Mapping[str, TensorInput], signature: Signature, max_rows: int = DEFAULT_MAX_ROWS
) -> Batch:
    """One array per input, of its spec's type and shape; a single input is passed bare."""
    _check_names(tensors, signature, allow_missing_optional=False)
    out: dict[str, np.ndarray] = {}
    for spec in signature.inputs:
        out[spec.name] = _tensor(spec, tensors[spec.name])
    rows = {name: array.shape[0] if array.ndim else 1 for name, array in out.items()}
    if len(set(rows.values())) > 1:
        shown = ", ".join(f"{name!r} has {n}" for name, n in rows.items())
        raise InvalidInputError(f"Inputs have different numbers of rows: {shown}.")
    count = next(iter(rows.values()))
    _check_rows(count, max_rows)
    data: Any = out[signature.inputs[0].name] if len(out) == 1 else dict(out)
    return Batch(data, out, count)


def numpy_dtype(type_: str) -> np.dtype[Any]:
    """The numpy dtype of a signature type (text and bytes as Python objects)."""
    special = {"string": object, "binary": object, "datetime": "datetime64[ns]"}
    return np.dtype(special.get(type_, type_))  # type: ignore[call-overload,no-any-return]


def _tensor(spec: ColumnSpec, given: TensorInput) -> np.ndarray:
    dtype = numpy_dtype(spec.type)
    try:
        array = np.asarray(given.values)
    except ValueError:
        raise InvalidInputError(
            f"Input {spec.name!r} is ragged: every row must have the same length."
        ) from None
    if array.dtype.kind == "O" and spec.type not in ("string", "binary"):
        raise InvalidInputError(
            f"Input {spec.name!r} expects {spec.type} numbers; it holds nulls, strings or ragged rows."
        )
    if spec.type in INTEGER_TYPES + FLOAT_TYPES + ("bool",) and array.dtype.kind not in "biuf":
        raise InvalidInputError(f"Input {spec.name!r} expects {spec.type} numbers, got {_kind_name(array)}.")
    if spec.type in INTEGER_TYPES and array.dtype.kind == "f" and (array != np.round(array)).any():
        raise InvalidInputError(
            f"Input {spec.name!r} expects whole numbers ({spec.type}); some have fractions."
        )
    if spec.type in FLOAT_TYPES and array.dtype.kind == "f" and np.isnan(array).any():
        raise InvalidInputError(f"Input {spec.name!r} has a NaN value; send finite numbers.")
    if given.shape is not None:
        size = math.prod(given.shape)
        if array.size != size:
            raise InvalidInputError(
                f"Input {spec.name!r}: shape {list(given.shape)} needs {size} values, got {array.size}."
            )
        array = array.reshape(given.shape)
    if spec.shape is not None:
        expected = spec.shape
        if array.ndim != len(expected) or any(
            want not in (-1, got) for want, got in zip(expected, array.shape, strict=True)
        ):
            raise InvalidInputError(
                f"Input {spec.name!r} has shape {list(array.shape)}; the model takes {list(expected)} "
                "(-1: any size)."
            )
    try:
        return array.astype(dtype, copy=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Input {spec.name!r} does not convert to {spec.type}: {exc}.") from None


def _kind_name(array: np.ndarray) -> str:
    return {"U": "strings", "S": "bytes", "M": "date-times", "O": "mixed values"}.get(
        array.dtype.kind, "values"
    )


def unchecked_batch(columns: Mapping[str, Any], max_rows: int = DEFAULT_MAX_ROWS) -> Batch:
    """A version registered without a signature: a DataFrame of what was sent, rows checked only."""
    if not columns:
        raise InvalidInputError("The request has no inputs.")
    arrays = {name: _as_array(values) for name, values in columns.items()}
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name!r} has {n}" for name, n in lengths.items())
        raise InvalidInputError(f"Inputs have different numbers of rows: {shown}.")
    rows = next(iter(lengths.values()))
    _check_rows(rows, max_rows)
    return Batch(pd.DataFrame(arrays, copy=False), arrays, rows)
