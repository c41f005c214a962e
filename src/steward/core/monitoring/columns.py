"""One column of a table as the arrays the profiles count: finite floats, or category codes.

Everything goes through Arrow, whatever came in (pandas, an Arrow table or record batch): a numeric
column becomes a float64 NumPy array (nulls, NaN and infinities are *missing*), any other column becomes
a string array whose values are looked up in the reference's categories with a hash join
(``pyarrow.compute.index_in``). No Python loop ever runs per row.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from steward.core.errors import InvalidInputError

FeatureKind = Literal["numeric", "categorical", "boolean", "text"]
#: A pyarrow Array or ChunkedArray (pyarrow ships no type hints).
Column: TypeAlias = Any
#: A pandas DataFrame, or a pyarrow Table or RecordBatch.
Data: TypeAlias = pd.DataFrame | Any


def tabular(data: Any) -> Data:
    """*data* as something profiles read: pandas and Arrow as they are, anything with ``to_arrow()``
    (a polars DataFrame) as an Arrow table."""
    if isinstance(data, pd.DataFrame | pa.Table | pa.RecordBatch):
        return data
    to_arrow = getattr(data, "to_arrow", None)
    if callable(to_arrow):
        return to_arrow()
    raise InvalidInputError(
        f"Cannot profile a {type(data).__name__}: pass a pandas or polars DataFrame, or a pyarrow Table "
        "or RecordBatch."
    )


def column_names(data: Data) -> tuple[str, ...]:
    if isinstance(data, pd.DataFrame):
        return tuple(str(c) for c in data.columns)
    return tuple(data.schema.names)


def row_count(data: Data) -> int:
    return len(data) if isinstance(data, pd.DataFrame) else int(data.num_rows)


def numeric_column(data: Data, name: str) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """A pandas column of numbers or booleans straight as float64 (NaN for missing), else ``None``."""
    if not isinstance(data, pd.DataFrame):
        return None
    series = data[name]
    if isinstance(series, pd.Series) and (
        pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
    ):
        return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    return None


def pandas_dtype(data: Data, name: str) -> str:
    """The Arrow name of a pandas column's type (``double``, ``int64``, ``bool``)."""
    dtype = data[name].dtype if isinstance(data, pd.DataFrame) else data.schema.field(name).type
    try:
        return str(pa.from_numpy_dtype(getattr(dtype, "numpy_dtype", dtype)))
    except (TypeError, pa.ArrowNotImplementedError):
        return str(dtype)


def column(data: Data, name: str) -> Column:
    """The column *name* as Arrow (a pandas column is converted; mixed object columns as text)."""
    if isinstance(data, pd.DataFrame):
        series = data[name]
        if isinstance(series, pd.DataFrame):  # duplicated column names: the first one
            series = series.iloc[:, 0]
        try:
            return pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return pa.array(series.astype("string"), from_pandas=True)
    return data.column(name)


def type_name(col: Column) -> str:
    """The column's Arrow type by name, with large and dictionary-encoded strings just ``string``."""
    kind = _plain_type(col)
    return "string" if pa.types.is_large_string(kind) else str(kind)


def _plain_type(col: Column) -> pa.DataType:
    kind = col.type
    return kind.value_type if pa.types.is_dictionary(kind) else kind


def is_numeric_type(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind))


def infer_kind(col: Column, max_categories: int) -> FeatureKind:
    """numeric for numbers, boolean for booleans, else categorical, or text when high-cardinality.

    A string column is *text* when it has more than ``max_categories`` distinct values and more than
    half of its non-missing values are distinct (free text, identifiers); else *categorical*."""
    kind = _plain_type(col)
    if pa.types.is_boolean(kind):
        return "boolean"
    if is_numeric_type(kind) or pa.types.is_null(kind):
        return "numeric"
    strings = as_strings(col)
    distinct = len(pc.unique(strings).drop_null())
    present = len(strings) - strings.null_count
    if distinct > max_categories and distinct > 0.5 * present:
        return "text"
    return "categorical"


def as_floats(col: Column) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The column as float64 with NaN for missing; values that are not numbers become NaN too."""
    kind = _plain_type(col)
    if pa.types.is_dictionary(col.type):
        col = col.cast(kind)
    if pa.types.is_float64(kind):
        floats = col
    elif is_numeric_type(kind) or pa.types.is_boolean(kind) or pa.types.is_null(kind):
        floats = pc.cast(col, pa.float64())
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        parsed = pd.to_numeric(pd.Series(col.to_numpy(zero_copy_only=False), dtype=object), errors="coerce")
        return np.asarray(parsed, dtype=np.float64)
    else:  # dates, lists, structs ...: nothing a histogram of numbers can hold
        return np.full(len(col), np.nan)
    return np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64)


def as_strings(col: Column) -> Column:
    """The column as Arrow strings (nulls kept): the form categories are matched in."""
    kind = col.type
    if pa.types.is_dictionary(kind):
        col = col.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_string(kind):
        return col
    if pa.types.is_large_string(kind):  # matched as it is: index_in takes a value set of its type
        return col
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = [None if v is None else str(v) for v in col.to_pylist()]
        return pa.array(values, type=pa.string())


def top_categories(strings: Column, max_categories: int) -> tuple[str, ...]:
    """The most frequent values, most frequent first (ties by value, so the choice is repeatable)."""
    counted = pc.value_counts(strings)
    values = counted.field("values").to_pylist()
    counts = counted.field("counts").to_pylist()
    pairs = sorted(((-c, v) for v, c in zip(values, counts, strict=True) if v is not None))
    return tuple(v for _, v in pairs[:max_categories])


def _dictionary_counts(chunk: Any, categories: tuple[str, ...]) -> np.ndarray[Any, Any]:
    """Counts of one dictionary-encoded chunk: only its (few) dictionary values are matched."""
    other = len(categories)
    values = as_strings(chunk.dictionary)
    mapped = pc.index_in(values, value_set=pa.array(categories, type=values.type))
    lookup = np.asarray(pc.fill_null(mapped, other).to_numpy(zero_copy_only=False), dtype=np.int64)
    indices = chunk.indices.drop_null()
    if lookup.size == 0:  # an empty dictionary: every index is null
        return np.zeros(other + 1, dtype=np.int64)
    codes = lookup[np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    return np.bincount(codes, minlength=other + 1).astype(np.int64)


def category_counts(col: Column, categories: tuple[str, ...]) -> tuple[np.ndarray[Any, Any], int]:
    """Counts per category plus a last "other" bucket, and the number of missing values."""
    if categories and pa.types.is_dictionary(col.type):
        chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
        counts = np.zeros(len(categories) + 1, dtype=np.int64)
        for chunk in chunks:
            counts += _dictionary_counts(chunk, categories)
        return counts, int(col.null_count)
    return _string_counts(as_strings(col), categories)


def _string_counts(strings: Column, categories: tuple[str, ...]) -> tuple[np.ndarray[Any, Any], int]:
    """Counts per category plus a last "other" bucket, and the number of missing values."""
    missing = strings.null_count
    if not categories:
        return np.array([len(strings) - missing], dtype=np.int64), missing
    codes = pc.index_in(strings, value_set=pa.array(categories, type=strings.type))
    found = codes.drop_null()
    found_np = found.to_numpy() if isinstance(found, pa.Array) else np.asarray(found)
    counts = np.bincount(found_np, minlength=len(categories) + 1).astype(np.int64)
    counts[-1] = len(strings) - missing - len(found_np)
    return counts, missing
