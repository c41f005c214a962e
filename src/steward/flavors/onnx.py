"""ONNX flavor: an ``onnx.ModelProto``, or the path or bytes of a ``.onnx`` file, run with onnxruntime.

The graph is stored as ``model.onnx`` and run on onnxruntime's CPU provider.
Inputs are matched to the graph's inputs, whose names and element types are
read once when the session is made:

- a numpy array feeds a graph with a single input;
- a dict of arrays feeds inputs by name;
- a DataFrame feeds a single-input graph as one tensor (the whole table in the
  input's element type, e.g. float32), or a graph with one input per column
  (skl2onnx's convention for mixed tables) column by column, each as ``(n, 1)``
  when the input has rank 2.

Arrays are cast only when their dtype differs from the graph's. ``predict``
returns the first output (the label for classifiers converted by skl2onnx);
``run`` returns every output by name. A graph whose first output is labels and
second is probabilities (skl2onnx classifiers) also has ``predict_proba``;
a ZipMap output (a list of dicts) is turned into a 2-D array, though
converting with ``options={"zipmap": False}`` is faster.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.core.errors import InvalidInputError, require_extra

FILE = "model.onnx"
_DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
    "tensor(string)": "object",
}
_LABEL_TYPES = ("tensor(int64)", "tensor(int32)", "tensor(string)")


class OnnxPredictor:
    """Runs an onnxruntime ``InferenceSession``; see the module docstring for how inputs are fed."""

    def __init__(self, session: Any, path: Path) -> None:
        import numpy as np

        self.session = session
        self.path = path
        self._inputs = tuple(
            (i.name, np.dtype(_DTYPES[i.type]) if i.type in _DTYPES else None, len(i.shape or ()))
            for i in session.get_inputs()
        )
        self.output_names = tuple(o.name for o in session.get_outputs())
        self._first = [self.output_names[0]]

    def predict(self, data: Any) -> Any:
        return self.session.run(self._first, self._feed(data))[0]

    def run(self, data: Any) -> dict[str, Any]:
        """Every output of the graph, by name."""
        return dict(zip(self.output_names, self.session.run(None, self._feed(data)), strict=True))

    def _feed(self, data: Any) -> dict[str, Any]:
        import numpy as np

        inputs = self._inputs
        if isinstance(data, dict):
            missing = [name for name, _, _ in inputs if name not in data]
            if missing:
                raise InvalidInputError(f"The ONNX graph needs inputs {', '.join(missing)}.")
            return {name: np.asarray(data[name], dtype=dtype) for name, dtype, _ in inputs}
        if hasattr(data, "columns") and type(data).__module__.startswith("pandas"):
            if len(inputs) == 1:
                name, dtype, _ = inputs[0]
                return {name: data.to_numpy(dtype=dtype)}
            missing = [name for name, _, _ in inputs if name not in data.columns]
            if missing:
                raise InvalidInputError(f"The ONNX graph needs columns {', '.join(missing)}.")
            return {name: _column(data[name].to_numpy(dtype=dtype), rank) for name, dtype, rank in inputs}
        if len(inputs) != 1:
            names = ", ".join(name for name, _, _ in inputs)
            raise InvalidInputError(
                f"The ONNX graph has inputs {names}: pass a dict of arrays or a DataFrame."
            )
        name, dtype, _ = inputs[0]
        return {name: np.asarray(data, dtype=dtype)}


def _column(values: Any, rank: int) -> Any:
    return values.reshape(-1, 1) if rank == 2 else values


class OnnxClassifierPredictor(OnnxPredictor):
    """A graph whose second output is class probabilities."""

    def __init__(self, session: Any, path: Path) -> None:
        super().__init__(session, path)
        self._proba = [self.output_names[1]]

    def predict_proba(self, data: Any) -> Any:
        out = self.session.run(self._proba, self._feed(data))[0]
        if isinstance(out, list):  # ZipMap: one {class: probability} dict per row
            import numpy as np

            keys = list(out[0]) if out else []
            return np.array([[row[k] for k in keys] for row in out], dtype=np.float32)
        return out


def _is_classifier(session: Any) -> bool:
    outputs = session.get_outputs()
    return (
        len(outputs) == 2
        and outputs[0].type in _LABEL_TYPES
        and (outputs[1].type in ("tensor(float)", "tensor(double)") or outputs[1].type.startswith("seq(map("))
    )


def _proto_and_bytes(onnx: Any, model: object) -> tuple[Any, bytes]:
    """The ModelProto and its serialised bytes, from a ModelProto, bytes or a file path."""
    from google.protobuf.message import DecodeError

    if isinstance(model, onnx.ModelProto):
        return model, model.SerializeToString()
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
    elif isinstance(model, (str, os.PathLike)):
        try:
            data = Path(model).read_bytes()
        except OSError as exc:
            raise InvalidInputError(
                f"Cannot read the ONNX file {os.fspath(model)!r}: {exc.strerror}."
            ) from None
    else:
        raise InvalidInputError(
            f"The onnx flavor saves an onnx.ModelProto or the path or bytes of a .onnx file, "
            f"not {type(model).__name__}."
        )
    try:
        proto = onnx.ModelProto.FromString(data)
    except DecodeError as exc:
        raise InvalidInputError(f"This is not an ONNX model: {exc}") from None
    return proto, data


@dataclass(frozen=True)
class OnnxFlavor:
    """ONNX graphs, run with onnxruntime on CPU."""

    name = "onnx"

    def handles(self, model: object) -> bool:
        if isinstance(model, (str, os.PathLike)):
            return os.fspath(model).lower().endswith(".onnx")
        onnx = sys.modules.get("onnx")
        return onnx is not None and isinstance(model, onnx.ModelProto)

    def save(self, model: object, path: Path) -> dict[str, Any]:
        require_extra("onnx", "onnx", "The onnx flavor")
        import onnx

        proto, data = _proto_and_bytes(onnx, model)
        if not proto.graph.node:
            raise InvalidInputError("The ONNX model has an empty graph.")
        if any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer):
            raise InvalidInputError(
                "The ONNX model keeps its weights in external files, which would be left behind: "
                "pass onnx.load(path) (which reads them in) instead of the path."
            )
        (path / FILE).write_bytes(data)
        return {
            "ir_version": proto.ir_version,
            "opsets": {o.domain or "ai.onnx": o.version for o in proto.opset_import},
            "producer": f"{proto.producer_name} {proto.producer_version}".strip(),
        }

    def load(self, path: Path, options: dict[str, Any]) -> OnnxPredictor:
        require_extra("onnxruntime", "onnx", "The onnx flavor")
        import onnxruntime
        from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

        try:
            session = onnxruntime.InferenceSession(str(path / FILE), providers=["CPUExecutionProvider"])
        except (ort_errors.InvalidProtobuf, ort_errors.InvalidGraph, ort_errors.Fail) as exc:
            raise InvalidInputError(f"onnxruntime cannot load the model: {exc}") from None
        if _is_classifier(session):
            return OnnxClassifierPredictor(session, path)
        return OnnxPredictor(session, path)

    def native(self, predictor: object) -> object:
        """The ``onnx.ModelProto``, read from the version's folder when asked for."""
        if not isinstance(predictor, OnnxPredictor):
            raise InvalidInputError(f"{type(predictor).__name__} is not a predictor of the onnx flavor.")
        require_extra("onnx", "onnx", "Reading the ONNX model")
        import onnx

        return onnx.load(str(predictor.path / FILE))
