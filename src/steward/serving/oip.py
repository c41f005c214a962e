"""Open Inference Protocol v2 (KServe, Triton, Seldon MLServer) over JSON: requests in, answers out.

A request is ``{"id"?, "inputs": [{"name", "shape", "datatype", "data",
"parameters"?}], "outputs"?, "parameters"?}``. For a *columns* signature each
input is one column (shape ``[N]`` or ``[N, 1]``); for a *tensor* signature
each input is named like the signature's tensor. ``data`` may be flat or
nested (row-major). With the binary tensor extension
(``Inference-Header-Content-Length``) an input's data may instead follow the
JSON as raw bytes, and outputs may be answered so: see
:mod:`~steward.serving.binary`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steward.core.errors import InvalidInputError
from steward.core.signature import ColumnSpec, Signature
from steward.serving import binary
from steward.serving.http import dumps, json_list, loads
from steward.serving.validation import TensorInput

#: Signature type -> OIP datatype.
DATATYPES = {
    "bool": "BOOL",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "uint8": "UINT8",
    "uint16": "UINT16",
    "uint32": "UINT32",
    "uint64": "UINT64",
    "float16": "FP16",
    "float32": "FP32",
    "float64": "FP64",
    "string": "BYTES",
    "binary": "BYTES",
    "datetime": "BYTES",
}
KNOWN_DATATYPES = frozenset(DATATYPES.values())
OUTPUTS = ("predict", "predict_proba")


def datatype_of(array: np.ndarray) -> str:
    """The OIP datatype of a numpy array (strings, objects and date-times are BYTES)."""
    return DATATYPES.get(array.dtype.name, "BYTES") if array.dtype.kind in "biuf" else "BYTES"


def _flat_row_major(data: list[Any]) -> list[Any]:
    """Nested lists flattened in row-major order (a simple recursive walk)."""
    out: list[Any] = []

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for value in item:
                walk(value)
        else:
            out.append(item)

    walk(data)
    return out


def parse_request(body: Any) -> tuple[dict[str, dict[str, Any]], list[str] | None, str | None]:
    """The inputs by name (``shape``, ``datatype``, ``data``), the requested outputs, and the id."""
    if not isinstance(body, dict):
        raise InvalidInputError('An inference request is a JSON object with an "inputs" list.')
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise InvalidInputError('An inference request needs a non-empty "inputs" list.')
    request_id = body.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise InvalidInputError('"id" must be a string.')
    by_name: dict[str, dict[str, Any]] = {}
    for item in inputs:
        if not isinstance(item, dict):
            raise InvalidInputError("Each input is an object with name, shape, datatype and data.")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInputError('Each input needs a "name".')
        if name in by_name:
            raise InvalidInputError(f"Input {name!r} is given twice.")
        shape = item.get("shape")
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise InvalidInputError(f'Input {name!r} needs a "shape": a list of sizes, e.g. [3] or [3, 4].')
        datatype = item.get("datatype")
        if datatype not in KNOWN_DATATYPES:
            raise InvalidInputError(
                f"Input {name!r} has datatype {datatype!r}; use one of {', '.join(sorted(KNOWN_DATATYPES))}."
            )
        in_binary = binary.binary_size(name, item) is not None
        if in_binary and "data" in item:
            raise InvalidInputError(f'Input {name!r} has both "data" and binary_data_size: send one.')
        if not in_binary and "data" not in item:
            raise InvalidInputError(f'Input {name!r} has no "data".')
        by_name[name] = item
    return by_name, _requested_outputs(body.get("outputs")), request_id


@dataclass(frozen=True)
class Request:
    """A decoded inference request: inputs by name, outputs asked for, id, and which to answer in binary."""

    inputs: dict[str, dict[str, Any]]
    outputs: list[str] | None
    id: str | None
    binary_outputs: frozenset[str] = frozenset()
    #: The request's own ``parameters`` object (empty when it has none).
    parameters: Mapping[str, Any] = field(default_factory=dict)


def read_request(body: bytes, header_length: int | None) -> Request:
    """Parse a JSON request, or a JSON header and its binary tensors (*header_length* from the header)."""
    if header_length is None:
        document, raw = loads(body), None
    else:
        header, raw = binary.split(body, header_length)
        document = loads(header)
    inputs, outputs, request_id = parse_request(document)
    binary.attach(inputs, raw)
    parameters = document.get("parameters") if isinstance(document, dict) else None
    if parameters is not None and not isinstance(parameters, dict):
        raise InvalidInputError('"parameters" is an object of named values, e.g. {"class_index": 1}.')
    return Request(inputs, outputs, request_id, _binary_outputs(document), parameters or {})


def _binary_outputs(document: dict[str, Any]) -> frozenset[str]:
    """Outputs to answer in binary: an output's ``binary_data``, else the request's ``binary_data_output``."""
    parameters = document.get("parameters")
    default = isinstance(parameters, dict) and parameters.get("binary_data_output") is True
    requested = document.get("outputs")
    if requested is None:
        return frozenset(OUTPUTS) if default else frozenset()
    chosen = set()
    for item in requested:
        parameters = item.get("parameters")
        flag = parameters.get("binary_data") if isinstance(parameters, dict) else None
        if flag is True or (flag is None and default):
            chosen.add(str(item["name"]))
    return frozenset(chosen)


def _requested_outputs(outputs: Any) -> list[str] | None:
    if outputs is None:
        return None
    if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
        raise InvalidInputError('"outputs" is a list of objects such as {"name": "predict_proba"}.')
    names = [o.get("name") for o in outputs]
    unknown = [n for n in names if n not in OUTPUTS]
    if unknown:
        raise InvalidInputError(
            f"Unknown output(s) {unknown}: this server answers predict and predict_proba."
        )
    return [str(n) for n in names]


def columns_of(inputs: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    """Inputs of a columns signature as one flat list per column."""
    out: dict[str, list[Any]] = {}
    for name, item in inputs.items():
        shape = item["shape"]
        if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] != 1):
            raise InvalidInputError(f"Input {name!r} is a column: its shape is [N] or [N, 1], not {shape}.")
        data = item["data"]
        nested = isinstance(data, list) and data and isinstance(data[0], list)
        values: Any = _flat_row_major(data) if nested else data
        if not isinstance(values, (list, np.ndarray)):
            values = [values]
        if len(values) != shape[0]:
            raise InvalidInputError(
                f"Input {name!r}: shape {shape} needs {shape[0]} values, got {len(values)}."
            )
        out[name] = values
    return out


def tensors_of(inputs: dict[str, dict[str, Any]]) -> dict[str, TensorInput]:
    """Inputs of a tensor signature, with their declared shapes."""
    out = {}
    for name, item in inputs.items():
        data = item["data"]
        if isinstance(data, np.ndarray):  # binary: already flat
            flat: Any = data
        else:
            flat = _flat_row_major(data) if isinstance(data, list) else [data]
        shape = tuple(item["shape"])
        if len(flat) != math.prod(shape):
            raise InvalidInputError(
                f"Input {name!r}: shape {list(shape)} needs {math.prod(shape)} values, got {len(flat)}."
            )
        out[name] = TensorInput(flat, shape)
    return out


def output(name: str, values: Any) -> dict[str, Any]:
    """One output tensor: datatype, shape, and the data flat in row-major order (NaN as null)."""
    array = np.asarray(values)
    data = json_list(array.reshape(-1))
    return {"name": name, "datatype": datatype_of(array), "shape": list(array.shape), "data": data}


def answer(
    fields: dict[str, Any], outputs: dict[str, Any], binary_outputs: frozenset[str]
) -> tuple[bytes, int | None]:
    """The answer's body, and the length of its JSON header when some outputs follow it as binary."""
    tensors: list[dict[str, Any]] = []
    raw: list[bytes] = []
    for name, values in outputs.items():
        if name not in binary_outputs:
            tensors.append(output(name, values))
            continue
        array = np.asarray(values)
        datatype = datatype_of(array)
        data = binary.encode(array, datatype)
        raw.append(data)
        tensors.append(
            {"name": name, "datatype": datatype, "shape": list(array.shape),
             "parameters": {"binary_data_size": len(data)}}
        )  # fmt: skip
    header = dumps({**fields, "outputs": tensors})
    if not raw:
        return header, None
    return binary.message(header, raw), len(header)


def tensor_metadata(spec: ColumnSpec, columns: bool) -> dict[str, Any]:
    shape = [-1] if columns else list(spec.shape or (-1,))
    return {"name": spec.name, "datatype": DATATYPES[spec.type], "shape": shape}


def model_metadata(
    name: str, versions: list[str], flavor: str, signature: Signature | None, has_proba: bool
) -> dict[str, Any]:
    columns = signature is None or signature.kind == "columns"
    inputs = [tensor_metadata(s, columns) for s in signature.inputs] if signature else []
    predict_type = DATATYPES[signature.outputs[0].type] if signature and signature.outputs else "FP64"
    outputs: list[dict[str, Any]] = [{"name": "predict", "datatype": predict_type, "shape": [-1]}]
    if has_proba:
        outputs.append({"name": "predict_proba", "datatype": "FP64", "shape": [-1, -1]})
    return {
        "name": name,
        "versions": versions,
        "platform": f"steward_{flavor}",
        "inputs": inputs,
        "outputs": outputs,
    }
