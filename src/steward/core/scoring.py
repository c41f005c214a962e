"""Batch scoring rules: which columns feed the model, how a chunk is checked, what the output holds.

Pure functions over Arrow tables, shared by every engine (the local loop and
Ray Data), so a file scored either way gives the same rows. A chunk is checked
against the version's signature with Arrow casts (one per column; only when a
cast fails is the column bisected to name the first bad row), then handed to
the model as a pandas frame (columns signature) or a 2-D array (a tensor
signature of rows of features).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.core.errors import InvalidInputError
from steward.core.signature import ColumnSpec, Signature

PREDICTION = "prediction"
VERSION_COLUMN = "model_version"
#: Parquet schema metadata key naming the version that scored the file.
VERSION_METADATA = b"steward.model_version"
DEFAULT_BATCH_SIZE = 10_000

_INTEGERS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
_NUMERIC = (*_INTEGERS, "float16", "float32", "float64")


@dataclass(frozen=True)
class ScoreOptions:
    """How to score: rows per chunk, the model's input columns, what the output keeps."""

    batch_size: int = DEFAULT_BATCH_SIZE
    #: Input columns passed to the model, in order; default: the signature's inputs (or every column).
    columns: tuple[str, ...] | None = None
    #: Copy the input columns into the output beside the predictions.
    keep_columns: bool = True
    #: Add one ``proba_<class>`` column per class from ``predict_proba``.
    proba: bool = False

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise InvalidInputError(f"batch size must be at least 1, not {self.batch_size}.")
        if self.columns is not None and not self.columns:
            raise InvalidInputError("columns, when given, must name at least one column.")


@dataclass(frozen=True)
class ScorePlan:
    """What one scoring job does to every chunk, decided once from the file's columns and the signature."""

    version: str
    #: Input columns the model takes, in the order it takes them.
    features: tuple[str, ...]
    #: Each feature's spec when the signature types it (columns, or the tensor's element type).
    specs: tuple[ColumnSpec, ...] | None
    #: The features are stacked into one 2-D array of this tensor spec (else a pandas frame).
    tensor: ColumnSpec | None
    #: Input columns copied to the output, in file order.
    kept: tuple[str, ...]
    proba_columns: tuple[str, ...] = ()

    @property
    def read_columns(self) -> list[str]:
        """The input columns a reader has to load."""
        return list(self.kept) + [c for c in self.features if c not in self.kept]

    @property
    def output_columns(self) -> list[str]:
        return [*self.kept, PREDICTION, *self.proba_columns, VERSION_COLUMN]


def plan_scoring(
    version: str,
    signature: Signature | None,
    file_columns: Sequence[str],
    options: ScoreOptions,
    classes: Sequence[Any] | None = None,
) -> ScorePlan:
    """Check the file's columns against the signature (and ``options.columns``) before any row is read.

    *classes* are the model's class labels, used to name the probability columns."""
    available = list(file_columns)
    wanted = list(options.columns) if options.columns is not None else None
    if wanted is not None:
        _check_in_file(wanted, available, "--columns names")
        if len(set(wanted)) != len(wanted):
            raise InvalidInputError("--columns names a column twice; name each once.")
    specs: tuple[ColumnSpec, ...] | None = None
    tensor: ColumnSpec | None = None
    if signature is None:
        features = wanted or available
    elif signature.kind == "columns":
        features, specs = _columns_features(signature, available, wanted)
    else:
        tensor = _tensor_input(version, signature)
        features = wanted or available
        width = tensor.shape[1] if tensor.shape and len(tensor.shape) == 2 else -1
        if width not in (-1, len(features)):
            raise InvalidInputError(
                f"Version {version} takes rows of {width} features; {len(features)} columns were given "
                f"({_names(features)}). Pick them with --columns."
            )
        specs = tuple(ColumnSpec(c, tensor.type) for c in features)
    kept = tuple(available) if options.keep_columns else ()
    proba = _proba_columns(classes) if options.proba else ()
    clash = sorted(set(kept) & {PREDICTION, VERSION_COLUMN, *proba})
    if clash:
        raise InvalidInputError(
            f"Input column(s) {_names(clash)} would clash with the output's columns: rename them, "
            "or pass --no-keep-columns."
        )
    return ScorePlan(version, tuple(features), specs, tensor, kept, proba)


def _columns_features(
    signature: Signature, available: list[str], wanted: list[str] | None
) -> tuple[list[str], tuple[ColumnSpec, ...]]:
    by_name = {s.name: s for s in signature.inputs}
    if wanted is not None:
        unknown = [c for c in wanted if c not in by_name]
        if unknown:
            raise InvalidInputError(
                f"--columns {_names(unknown)} are not inputs of the model; it takes "
                f"{_names(signature.input_names)}."
            )
        given = set(wanted)
    else:
        given = {s.name for s in signature.inputs if s.name in available}
    missing = [s.name for s in signature.inputs if s.name not in given and not s.optional]
    if missing:
        raise InvalidInputError(
            f"The input has no column(s) {_names(missing)}; the model takes {_names(signature.input_names)}"
            f" and the file has {_names(available)}."
        )
    specs = tuple(s for s in signature.inputs if s.name in given)
    return [s.name for s in specs], specs


def _tensor_input(version: str, signature: Signature) -> ColumnSpec:
    spec = signature.inputs[0] if len(signature.inputs) == 1 else None
    if spec is None or spec.type not in (*_NUMERIC, "bool") or (spec.shape and len(spec.shape) != 2):
        raise InvalidInputError(
            f"Version {version} takes tensors that are not rows of numbers; batch scoring reads tables. "
            "Use the inference server or the SDK for it."
        )
    return spec


def _check_in_file(names: Sequence[str], available: Sequence[str], what: str) -> None:
    absent = [c for c in names if c not in available]
    if absent:
        raise InvalidInputError(
            f"{what} {_names(absent)}, which the input lacks; it has {_names(available)}."
        )


def _proba_columns(classes: Sequence[Any] | None) -> tuple[str, ...]:
    if classes is None:
        raise InvalidInputError("--proba needs a classifier with predict_proba and known classes.")
    return tuple(f"proba_{c}" for c in classes)


def _names(items: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in items)


# -- arrow types ----------------------------------------------------------------


def arrow_type(type_: str) -> pa.DataType:
    """The Arrow type of a signature type."""
    special = {
        "bool": pa.bool_(),
        "string": pa.string(),
        "binary": pa.binary(),
        "datetime": pa.timestamp("ns"),
        "float16": pa.float16(),
    }
    if type_ in special:
        return special[type_]
    return pa.from_numpy_dtype(np.dtype(type_))


def _kind(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        return _kind(t.value_type)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return "number"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "binary"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "datetime"
    if pa.types.is_null(t):
        return "null"
    return str(t)


def _expected_kind(type_: str) -> str:
    return "number" if type_ in _NUMERIC else type_


# -- one chunk ------------------------------------------------------------------


def model_input(chunk: pa.Table, plan: ScorePlan, offset: int | None = None) -> Any:
    """The chunk's features, checked against the signature, as the model takes them.

    *offset* is the chunk's first row in the file, to name bad rows by their file position."""
    if plan.specs is None:
        return chunk.select(list(plan.features)).to_pandas()
    arrays = {spec.name: _checked(chunk.column(spec.name), spec, offset) for spec in plan.specs}
    if plan.tensor is not None:
        columns = [arrays[c].to_numpy(zero_copy_only=False) for c in plan.features]
        return np.column_stack(columns).astype(arrow_type(plan.tensor.type).to_pandas_dtype(), copy=False)
    import pandas as pd

    return pd.DataFrame(
        {name: _to_numpy(array) for name, array in arrays.items()}, copy=False, index=range(len(chunk))
    )


def _to_numpy(array: pa.ChunkedArray) -> np.ndarray:
    values: np.ndarray = array.to_numpy(zero_copy_only=False)
    return values


def _checked(column: pa.ChunkedArray, spec: ColumnSpec, offset: int | None) -> pa.ChunkedArray:
    target = arrow_type(spec.type)
    kind, expected = _kind(column.type), _expected_kind(spec.type)
    if kind not in (expected, "null") and not (expected == "binary" and kind == "string"):
        raise InvalidInputError(
            f"Column {spec.name!r} holds {kind} values ({column.type}); the model takes {spec.type}. "
            "Convert the column, or score with a version whose signature matches."
        )
    try:
        cast = column.cast(target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        row = _first_failing(column, target)
        value = column[row].as_py()
        raise InvalidInputError(
            f"Column {spec.name!r} expects {spec.type}; {_where(row, offset)} has {value!r}."
        ) from None
    if not spec.optional:
        missing = pc.is_null(cast, nan_is_null=True) if pa.types.is_floating(target) else pc.is_null(cast)
        if pc.any(missing).as_py():
            row = pc.index(missing, True).as_py()
            raise InvalidInputError(
                f"Column {spec.name!r} has a missing value (null or NaN) at {_where(row, offset)}, "
                "and the model's signature does not allow it."
            )
    return cast


def _first_failing(column: pa.ChunkedArray, target: pa.DataType) -> int:
    """The first row whose value does not cast: bisect, a few casts instead of one per row."""
    lo, hi = 0, len(column)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            column.slice(lo, mid - lo).cast(target, safe=True)
            lo = mid
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            hi = mid
    return lo


def _where(row: int, offset: int | None) -> str:
    return f"row {row + offset}" if offset is not None else f"row {row} of a batch"


def output_table(chunk: pa.Table, plan: ScorePlan, predictions: Any, probabilities: Any = None) -> pa.Table:
    """The kept input columns, the predictions, the probabilities and the version, one row per input row."""
    rows = len(chunk)
    columns: dict[str, Any] = {name: chunk.column(name) for name in plan.kept}
    columns[PREDICTION] = _prediction_array(predictions, rows)
    if plan.proba_columns:
        matrix = np.asarray(probabilities, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape != (rows, len(plan.proba_columns)):
            raise InvalidInputError(
                f"predict_proba returned shape {list(matrix.shape)}; expected [{rows}, "
                f"{len(plan.proba_columns)}] (one probability per class)."
            )
        for i, name in enumerate(plan.proba_columns):
            columns[name] = pa.array(matrix[:, i])
    columns[VERSION_COLUMN] = pa.array([plan.version] * rows, pa.string())
    return pa.table(columns)


def _prediction_array(predictions: Any, rows: int) -> pa.Array:
    values = predictions
    if hasattr(values, "to_numpy"):  # a pandas Series or one-column frame
        values = values.to_numpy()
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or len(values) != rows:
        raise InvalidInputError(
            f"The model returned predictions of shape {list(values.shape)} for {rows} rows; batch scoring "
            "writes one prediction per row."
        )
    if values.dtype.kind == "O":
        return pa.array(values.tolist())
    return pa.array(values)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """*table* with the first chunk's *schema* (a later chunk's nulls or narrower ints cast to it)."""
    if table.schema.equals(schema):
        return table
    try:
        return table.cast(schema, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InvalidInputError(
            f"A later batch's output does not fit the first batch's columns ({exc}); "
            "score with a larger --batch-size or make the model's output types stable."
        ) from None
