"""Model signatures: the input and output schema of a version.

A signature is either *columns* (a table: named, typed columns) or *tensor*
(one or more named n-dimensional arrays). It is inferred from an input example
(pandas, polars, pyarrow, numpy, or a dict of columns) and stored as JSON.
Data-frame libraries are imported lazily, only to recognise their objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from steward.core.errors import InvalidInputError

#: The column and tensor types a signature may name.
TYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "string",
    "binary",
    "datetime",
)

Kind = Literal["columns", "tensor"]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    optional: bool = False
    shape: tuple[int, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.optional:
            out["optional"] = True
        if self.shape is not None:
            out["shape"] = list(self.shape)
        return out

    @classmethod
    def from_dict(cls, data: Any) -> ColumnSpec:
        if not isinstance(data, dict) or "name" not in data or "type" not in data:
            raise InvalidInputError("A signature column needs 'name' and 'type'.")
        if data["type"] not in TYPES:
            raise InvalidInputError(
                f"Unknown signature type {data['type']!r} for {data['name']!r}; "
                f"use one of {', '.join(TYPES)}."
            )
        shape = data.get("shape")
        if shape is not None and (
            not isinstance(shape, list) or not all(isinstance(d, int) and d >= -1 for d in shape)
        ):
            raise InvalidInputError(
                f"Invalid shape {shape!r} for {data['name']!r}: a list of sizes, -1 for any."
            )
        return cls(
            name=str(data["name"]),
            type=data["type"],
            optional=bool(data.get("optional", False)),
            shape=tuple(shape) if shape is not None else None,
        )


@dataclass(frozen=True)
class Signature:
    inputs: tuple[ColumnSpec, ...]
    outputs: tuple[ColumnSpec, ...] = ()
    kind: Kind = "columns"

    @property
    def input_names(self) -> list[str]:
        return [c.name for c in self.inputs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "inputs": [c.to_dict() for c in self.inputs],
            "outputs": [c.to_dict() for c in self.outputs],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Signature:
        if not isinstance(data, dict) or not isinstance(data.get("inputs"), list):
            raise InvalidInputError("A signature is an object with an 'inputs' list.")
        kind = data.get("kind", "columns")
        if kind not in ("columns", "tensor"):
            raise InvalidInputError(f"Unknown signature kind {kind!r}: use 'columns' or 'tensor'.")
        inputs = tuple(ColumnSpec.from_dict(c) for c in data["inputs"])
        outputs = tuple(ColumnSpec.from_dict(c) for c in data.get("outputs") or [])
        names = [c.name for c in inputs]
        if len(set(names)) != len(names):
            raise InvalidInputError("Signature input names must be unique.")
        return cls(inputs=inputs, outputs=outputs, kind=kind)


def _numpy_type(dtype: Any) -> str:
    kind = dtype.kind
    if kind == "b":
        return "bool"
    if kind in "iuf":
        name = str(dtype.name)
        return name if name in TYPES else ("float64" if kind == "f" else "int64")
    if kind == "M":
        return "datetime"
    if kind in "US":
        return "string" if kind == "U" else "binary"
    return "string"  # object: treated as text; refined by values below


def _object_type(values: Any) -> str:
    for value in values:
        if value is None:
            continue
        if isinstance(value, bytes):
            return "binary"
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int64"
        if isinstance(value, float):
            return "float64"
        return "string"
    return "string"


def _pandas_columns(frame: Any) -> tuple[ColumnSpec, ...]:
    import numpy as np
    import pandas as pd

    specs = []
    for name in frame.columns:
        series = frame[name]
        dtype = series.dtype
        if isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype)) or str(dtype) in ("string", "str"):
            type_ = "string"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            type_ = "datetime"
        elif isinstance(dtype, np.dtype) and dtype.kind != "O":
            type_ = _numpy_type(dtype)
        elif hasattr(dtype, "numpy_dtype"):  # nullable Int64, Float64, boolean
            type_ = _numpy_type(dtype.numpy_dtype)
        else:
            type_ = _object_type(series.head(100).tolist())
        specs.append(ColumnSpec(str(name), type_, optional=bool(series.isna().any())))
    return tuple(specs)


def _arrow_type(arrow_type: Any) -> str:
    import pyarrow as pa

    t = pa.types
    if t.is_boolean(arrow_type):
        return "bool"
    if t.is_integer(arrow_type) or t.is_floating(arrow_type):
        return _numpy_type(_arrow_np(arrow_type))
    if t.is_timestamp(arrow_type) or t.is_date(arrow_type):
        return "datetime"
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type):
        return "binary"
    if t.is_dictionary(arrow_type):
        return _arrow_type(arrow_type.value_type)
    return "string"


def _arrow_np(arrow_type: Any) -> Any:
    import numpy as np

    return np.dtype(arrow_type.to_pandas_dtype())


def _arrow_columns(table: Any) -> tuple[ColumnSpec, ...]:
    return tuple(
        ColumnSpec(str(f.name), _arrow_type(f.type), optional=bool(table.column(f.name).null_count))
        for f in table.schema
    )


def _tensor_spec(name: str, array: Any) -> ColumnSpec:
    import numpy as np

    array = np.asarray(array)
    if array.dtype.kind == "O":
        type_ = _object_type(array.ravel()[:100].tolist())
    else:
        type_ = _numpy_type(array.dtype)
    shape = (-1, *array.shape[1:]) if array.ndim else ()
    return ColumnSpec(name, type_, shape=tuple(int(d) for d in shape))


def infer_schema(data: Any, name: str = "input") -> tuple[tuple[ColumnSpec, ...], Kind]:
    """The column specs of *data* and whether it is a table or tensors."""
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        import pandas as pd

        if isinstance(data, pd.Series):
            data = data.to_frame(name=str(data.name) if data.name is not None else name)
        return _pandas_columns(data), "columns"
    if module == "polars":
        return _arrow_columns(data.to_arrow()), "columns"
    if module == "pyarrow":
        import pyarrow as pa

        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if isinstance(data, (pa.Array, pa.ChunkedArray)):
            data = pa.table({name: data})
        return _arrow_columns(data), "columns"
    if module == "numpy":
        return (_tensor_spec(name, data),), "tensor"
    if isinstance(data, dict) and data:
        import numpy as np

        if all(hasattr(v, "shape") and getattr(v, "ndim", 1) > 1 for v in data.values()):
            return tuple(_tensor_spec(str(k), v) for k, v in data.items()), "tensor"
        import pandas as pd

        return _pandas_columns(pd.DataFrame({k: np.asarray(v) for k, v in data.items()})), "columns"
    if isinstance(data, list) and data:
        import pandas as pd

        if all(isinstance(r, dict) for r in data):
            return _pandas_columns(pd.DataFrame(data)), "columns"
        return (_tensor_spec(name, data),), "tensor"
    raise InvalidInputError(
        f"Cannot infer a schema from {type(data).__name__}: pass a pandas, polars or pyarrow table, "
        "a numpy array, or a dict of columns."
    )


def infer_signature(input_example: Any, output_example: Any = None) -> Signature:
    """Infer a signature from an input example and, optionally, the model's output on it."""
    inputs, kind = infer_schema(input_example)
    outputs: tuple[ColumnSpec, ...] = ()
    if output_example is not None:
        outputs, _ = infer_schema(output_example, name="output")
    return Signature(inputs=inputs, outputs=outputs, kind=kind)
