"""Import an MLflow-format model directory without MLflow.

An MLflow model is a folder with an ``MLmodel`` YAML file naming its flavors and
the files each one reads. :func:`read_mlflow_model` loads the model object of
the first flavor it supports, in this order: ``onnx``, ``pytorch``,
``xgboost``, ``lightgbm``, ``sklearn``; converts the MLmodel's signature to a
Steward :class:`Signature`; reads the input example; and keeps ``run_id`` and
``model_uuid`` for lineage. The model is then registered with the Steward
flavor that ``detect`` picks for it (an XGBClassifier saved with MLflow's
sklearn flavor becomes an ``xgboost`` version).

Supported: ``sklearn`` (``pickle``, ``cloudpickle`` and ``skops`` serialisation),
``xgboost``, ``lightgbm`` (Booster text model, or a pickled/skops wrapper),
``onnx``, and ``pytorch`` when it loads without MLflow (TorchScript, a ``.pt2``
exported program, or a pickled module whose pickle does not refer to MLflow).
A model with only ``python_function`` (a custom pyfunc) needs MLflow itself and
is refused.

Safety: a pickled model **executes code** when it is read, so import only
directories you trust, as with ``mlflow.pyfunc.load_model``. skops files are
read trusting only types from ``sklearn``, ``numpy`` and ``scipy`` (plus
``lightgbm`` for a LightGBM wrapper, and the packages given as ``trust``); the
MLmodel's own ``skops_trusted_types`` list is not used, since whoever wrote the
folder wrote that list too.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from steward.core.errors import InvalidInputError, require_extra
from steward.core.signature import TYPES, Signature
from steward.flavors.lightgbm import import_lightgbm
from steward.flavors.pytorch import import_torch
from steward.flavors.sklearn import TRUSTED_MODULES, check_trust, untrusted
from steward.flavors.xgboost import import_xgboost, load_xgboost_model

SUPPORTED = ("onnx", "pytorch", "xgboost", "lightgbm", "sklearn")
_COLUMN_TYPES = {
    "double": "float64",
    "float": "float32",
    "long": "int64",
    "integer": "int32",
    "boolean": "bool",
    "string": "string",
    "binary": "binary",
    "datetime": "datetime",
}
_SAFE_TYPES = ("collections.OrderedDict",)  # needed by skops files of LightGBM wrappers


@dataclass(frozen=True)
class ImportedModel:
    """A model read from an MLflow directory, ready to register.

    ``model`` is the framework's own object; ``flavor`` the Steward flavor to
    register it with; ``notes`` says what could not be carried over.
    """

    model: object
    flavor: str
    mlflow_flavor: str
    signature: Signature | None = None
    input_example: Any = None
    run_id: str | None = None
    model_uuid: str | None = None
    mlflow_version: str | None = None
    notes: tuple[str, ...] = ()


def read_mlflow_model(path: Path | str, *, trust: Sequence[str] = ()) -> ImportedModel:
    """Read the MLflow model in the folder *path*; *trust* names extra packages skops may build."""
    from steward.flavors import detect

    root = Path(path)
    mlmodel = _read_mlmodel(root)
    flavors: dict[str, Any] = mlmodel["flavors"]
    name = next((f for f in SUPPORTED if f in flavors), None)
    if name is None:
        _refuse(flavors)
    conf = flavors[name]
    if not isinstance(conf, dict):
        raise InvalidInputError(f"The MLmodel's {name} flavor is not a mapping of settings.")
    notes: list[str] = []
    model = _LOADERS[name](_Source(root, conf, check_trust(trust), notes))
    return ImportedModel(
        model=model,
        flavor=detect(model).name,
        mlflow_flavor=name,
        signature=_signature(mlmodel.get("signature"), notes),
        input_example=_input_example(root, mlmodel.get("saved_input_example_info"), notes),
        run_id=_text(mlmodel.get("run_id")),
        model_uuid=_text(mlmodel.get("model_uuid")),
        mlflow_version=_text(mlmodel.get("mlflow_version")),
        notes=tuple(notes),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _read_mlmodel(root: Path) -> dict[str, Any]:
    import yaml

    if not root.is_dir():
        raise InvalidInputError(f"{root} is not a folder: point at an MLflow model directory.")
    file = root / "MLmodel"
    if not file.is_file():
        raise InvalidInputError(f"{root} has no MLmodel file, so it is not an MLflow model directory.")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"The MLmodel file in {root} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("flavors"), dict) or not data["flavors"]:
        raise InvalidInputError(f"The MLmodel file in {root} has no 'flavors' section naming how to load it.")
    return data


def _refuse(flavors: dict[str, Any]) -> NoReturn:
    others = [f for f in flavors if f != "python_function"]
    if not others:
        pyfunc = flavors.get("python_function")
        loader = pyfunc.get("loader_module") if isinstance(pyfunc, dict) else None
        raise InvalidInputError(
            f"This MLflow model has only the python_function flavor (loader {loader or 'unknown'}), "
            "a custom pyfunc that needs MLflow itself to load: pip install mlflow, load it with "
            "mlflow.pyfunc.load_model, and register the result with the python flavor."
        )
    raise InvalidInputError(
        f"Steward cannot import the MLflow flavor {', '.join(others)}; it reads {', '.join(SUPPORTED)}."
    )


@dataclass
class _Source:
    root: Path
    conf: dict[str, Any]
    trust: tuple[str, ...]
    notes: list[str]

    def file(self, key: str, default: str) -> Path:
        """The file (or folder) the flavor's *key* names, which must lie inside the model folder."""
        rel = self.conf.get(key) or default
        if not isinstance(rel, str):
            raise InvalidInputError(f"The MLmodel's {key!r} should be a file name, not {rel!r}.")
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root.resolve()) or not target.exists():
            raise InvalidInputError(f"The MLmodel names {rel!r} ({key}), which is not in {self.root}.")
        return target

    def missing_module(self, exc: ModuleNotFoundError) -> InvalidInputError:
        name = exc.name or "?"
        if name.split(".")[0] == "mlflow":
            return InvalidInputError(
                f"Loading this model needs MLflow itself (its pickle refers to {name}): pip install mlflow."
            )
        code = self.conf.get("code")
        hint = f" MLflow saved the model's code in {self.root / code}: add it to PYTHONPATH." if code else ""
        return InvalidInputError(f"The model needs the module {name!r}, which is not importable here.{hint}")


def _load_serialized(src: _Source, file: Path, fmt: Any, allowed: tuple[str, ...]) -> Any:
    """A model pickled (``pickle``/``cloudpickle``) or written with skops."""
    if fmt in ("pickle", "cloudpickle"):
        with file.open("rb") as f:
            try:
                return pickle.load(f)  # the caller trusts this folder: see the module docstring
            except ModuleNotFoundError as exc:
                raise src.missing_module(exc) from None
    if fmt == "skops":
        require_extra("skops", "skops", "Importing an MLflow model saved with skops")
        import skops.io as sio

        needed = sio.get_untrusted_types(file=file)
        if refused := [t for t in untrusted(needed, allowed) if t not in _SAFE_TYPES]:
            raise InvalidInputError(
                f"The skops file needs types outside {', '.join(allowed)}: {', '.join(refused)}. "
                "Pass trust=[...] naming their package if you trust this model's source."
            )
        return sio.load(file, trusted=needed)
    raise InvalidInputError(
        f"Unknown MLflow serialization_format {fmt!r}: expected pickle, cloudpickle or skops."
    )


def _sklearn(src: _Source) -> Any:
    file = src.file("pickled_model", "model.pkl")
    fmt = src.conf.get("serialization_format", "pickle")
    return _load_serialized(src, file, fmt, (*TRUSTED_MODULES, *src.trust))


def _xgboost(src: _Source) -> Any:
    xgb = import_xgboost()
    file = src.file("data", "model.xgb")
    kind = str(src.conf.get("model_class") or "xgboost.core.Booster").rsplit(".", 1)[-1]
    return load_xgboost_model(xgb, kind, bytearray(file.read_bytes()))


def _lightgbm(src: _Source) -> Any:
    lgb = import_lightgbm()
    file = src.file("data", "model.lgb")
    if (src.conf.get("model_class") or "lightgbm.basic.Booster") == "lightgbm.basic.Booster":
        return lgb.Booster(model_file=str(file))
    fmt = src.conf.get("serialization_format", "cloudpickle")
    return _load_serialized(src, file, fmt, (*TRUSTED_MODULES, "lightgbm", *src.trust))


def _onnx(src: _Source) -> Any:
    require_extra("onnx", "onnx", "Importing an MLflow ONNX model")
    import onnx
    from google.protobuf.message import DecodeError

    file = src.file("data", "model.onnx")
    try:
        return onnx.load(str(file))
    except DecodeError as exc:
        raise InvalidInputError(f"{file.name} is not an ONNX model: {exc}") from None


def _pytorch(src: _Source) -> Any:
    torch = import_torch()
    folder = src.file("model_data", "data")
    pth = folder / "model.pth"
    if pth.is_file():
        if _is_torchscript(pth):
            return torch.jit.load(str(pth), map_location="cpu")
        src.notes.append(
            "The PyTorch model was a pickled nn.Module: Steward stores it as its state dict and class, "
            "so its class must be importable and, if its constructor takes arguments, registered "
            "with get_flavor('pytorch', init_kwargs={...})."
        )
        try:
            return torch.load(str(pth), map_location="cpu", weights_only=False)  # trusted folder
        except ModuleNotFoundError as exc:
            raise src.missing_module(exc) from None
    exported = sorted(folder.glob("*.pt2")) if folder.is_dir() else []
    if exported:
        return torch.export.load(str(exported[0]))
    raise InvalidInputError(f"The MLflow PyTorch model has neither model.pth nor a .pt2 file in {folder}.")


def _is_torchscript(file: Path) -> bool:
    """Whether a torch archive is TorchScript (it carries code) rather than a pickled module."""
    try:
        with zipfile.ZipFile(file) as archive:
            return any("/code/" in name for name in archive.namelist())
    except zipfile.BadZipFile:  # the legacy, pre-zip torch.save format
        return False


_LOADERS: dict[str, Callable[[_Source], Any]] = {
    "sklearn": _sklearn,
    "xgboost": _xgboost,
    "lightgbm": _lightgbm,
    "onnx": _onnx,
    "pytorch": _pytorch,
}


def _tensor_type(dtype: str) -> str | None:
    dtype = dtype.lower()
    if dtype in TYPES and dtype not in ("string", "binary", "datetime"):
        return dtype
    if dtype in ("str", "object", "unicode") or dtype.startswith("<u"):
        return "string"
    if dtype == "bytes" or dtype.startswith("|s"):
        return "binary"
    return "datetime" if dtype.startswith("datetime64") else None


def _specs(text: Any, role: str) -> tuple[list[dict[str, Any]], str]:
    """Steward column dicts and their kind from an MLflow schema (a JSON string); ValueError if impossible."""
    items = json.loads(text) if isinstance(text, str) else text
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError(f"its {role}s are not a list of column specs")
    specs, kinds = [], set()
    for n, item in enumerate(items):
        name = str(item.get("name") or (role if len(items) == 1 else f"{role}_{n}"))
        if item.get("type") == "tensor":
            tensor = item.get("tensor-spec") or {}
            mlflow_type, kind, shape = tensor.get("dtype"), "tensor", tensor.get("shape")
            type_ = _tensor_type(str(mlflow_type))
        else:
            mlflow_type, kind, shape = item.get("type"), "columns", None
            type_ = _COLUMN_TYPES.get(str(mlflow_type))
        if type_ is None:
            raise ValueError(
                f"{role} {name!r} has the MLflow type {mlflow_type!r}, which Steward cannot hold"
            )
        spec: dict[str, Any] = {"name": name, "type": type_, "optional": not item.get("required", True)}
        if shape is not None:
            spec["shape"] = list(shape)
        specs.append(spec)
        kinds.add(kind)
    if len(kinds) > 1:
        raise ValueError(f"its {role}s mix columns and tensors")
    return specs, kinds.pop() if kinds else "columns"


def _signature(raw: Any, notes: list[str]) -> Signature | None:
    if raw is None:
        return None
    try:
        if not isinstance(raw, dict) or raw.get("inputs") is None:
            raise ValueError("it has no inputs")
        inputs, kind = _specs(raw["inputs"], "input")
        outputs = _specs(raw["outputs"], "output")[0] if raw.get("outputs") else []
        signature = Signature.from_dict({"kind": kind, "inputs": inputs, "outputs": outputs})
    except (ValueError, InvalidInputError) as exc:  # json.JSONDecodeError is a ValueError
        notes.append(f"The MLflow signature was not imported: {exc}.")
        return None
    if raw.get("params"):
        notes.append("The MLflow signature's inference params were not imported.")
    return signature


def _input_example(root: Path, info: Any, notes: list[str]) -> Any:
    if info is None:
        return None
    rel = info.get("artifact_path") if isinstance(info, dict) else None
    file = (root / rel).resolve() if isinstance(rel, str) else None
    if file is None or not file.is_relative_to(root.resolve()) or not file.is_file():
        notes.append("The input example named in the MLmodel was not found.")
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        notes.append(f"The input example is not valid JSON: {exc}.")
        return None
    kind = info.get("type")
    if kind == "dataframe" and isinstance(data, (dict, list)):
        import pandas as pd

        if isinstance(data, dict) and "data" in data:  # pandas "split" orient
            return pd.DataFrame(data["data"], columns=data.get("columns"))
        return pd.DataFrame(data)
    if kind == "ndarray":
        import numpy as np

        inputs = data.get("inputs", data) if isinstance(data, dict) else data
        if isinstance(inputs, dict):
            return {str(k): np.asarray(v) for k, v in inputs.items()}
        return np.asarray(inputs)
    notes.append(f"The input example of type {kind!r} was not imported.")
    return None
