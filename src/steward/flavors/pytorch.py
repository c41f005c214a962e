"""PyTorch flavor (CPU): exported programs, TorchScript modules, and modules rebuilt from their class.

Three kinds, recorded as ``options["kind"]``; none of them unpickles code:

``exported``
    A ``torch.export.ExportedProgram``, written with ``torch.export.save``
    (``model.pt2``). PyTorch's current format for inference; TorchScript is
    deprecated from PyTorch 2.10 on.
``torchscript``
    A ``torch.jit.ScriptModule``, written with ``torch.jit.save`` (``model.pt``).
``state_dict``
    Any other ``nn.Module``: its ``state_dict`` (``weights.pt``) plus the entry
    point of its class, ``"package.module:ClassName"``, taken from the class.
    Loading imports that class, builds it with the ``init_kwargs`` given at save
    time (``get_flavor("pytorch", init_kwargs={...})``; JSON values), and reads
    the weights with ``torch.load(weights_only=True)``. The class must be
    importable where the model is loaded, and only ``nn.Module`` subclasses are
    ever built from an entry point.

``predict(data)`` runs under ``torch.inference_mode()`` on float32 tensors made
from the input (a numpy array, a DataFrame as one 2-D tensor, or a dict of
arrays passed as keyword arguments; an exported program takes keywords only if
it was exported with them) and returns numpy: an array, or a list or dict of
arrays when the module returns several tensors.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.core.errors import InvalidInputError, MissingDependencyError, require_extra

FILES = {"exported": "model.pt2", "torchscript": "model.pt", "state_dict": "weights.pt"}


def import_torch() -> Any:
    require_extra("torch", "pytorch", "The pytorch flavor")
    import torch

    return torch


def entry_point(cls: type) -> str:
    """``"module:QualName"`` for a class that can be imported back, else InvalidInputError."""
    module, qualname = cls.__module__, cls.__qualname__
    if module == "__main__" or "<locals>" in qualname:
        raise InvalidInputError(
            f"{qualname} is defined in {'__main__' if module == '__main__' else 'a function'}, so it "
            "cannot be imported when the model is loaded: move it to a module, or register "
            "torch.export.export(model, example_args) instead."
        )
    if resolve(f"{module}:{qualname}") is not cls:
        raise InvalidInputError(f"{module}:{qualname} does not import back as the model's class.")
    return f"{module}:{qualname}"


def resolve(entry: str) -> Any:
    module_name, _, qualname = entry.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(
            f"The PyTorch model's class {entry} needs the module {exc.name!r}: "
            "install the package that defines it."
        ) from None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


class PyTorchPredictor:
    """Calls a module (or an exported program's module) under ``torch.inference_mode()``."""

    def __init__(self, torch: Any, module: Any, model: object) -> None:
        self._torch = torch
        self.module = module
        self.model = model

    def predict(self, data: Any) -> Any:
        torch = self._torch
        with torch.inference_mode():
            if isinstance(data, dict):
                out = self.module(**{key: _tensor(torch, value) for key, value in data.items()})
            else:
                out = self.module(_tensor(torch, data))
        return _to_numpy(torch, out)


def _tensor(torch: Any, data: Any) -> Any:
    import numpy as np

    if isinstance(data, torch.Tensor):
        return data.to(torch.float32)
    if hasattr(data, "columns") and type(data).__module__.startswith("pandas"):
        array = data.to_numpy(dtype=np.float32)
    else:
        array = np.asarray(data, dtype=np.float32)
    if not array.flags.writeable:  # torch wants writable memory (pandas may hand out read-only views)
        array = array.copy()
    return torch.from_numpy(array)


def _to_numpy(torch: Any, out: Any) -> Any:
    if isinstance(out, torch.Tensor):
        return out.numpy()
    if isinstance(out, (list, tuple)):
        return [_to_numpy(torch, o) for o in out]
    if isinstance(out, Mapping):
        return {k: _to_numpy(torch, v) for k, v in out.items()}
    return out


@dataclass(frozen=True)
class PyTorchFlavor:
    """PyTorch models. ``init_kwargs``: constructor arguments of a state-dict module's class."""

    init_kwargs: Mapping[str, Any] = field(default_factory=dict)
    name = "pytorch"

    def __post_init__(self) -> None:
        if not isinstance(self.init_kwargs, Mapping):
            raise InvalidInputError("init_kwargs must be a mapping of constructor argument names to values.")
        try:
            json.dumps(dict(self.init_kwargs))
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"init_kwargs must be JSON values: {exc}") from None
        object.__setattr__(self, "init_kwargs", dict(self.init_kwargs))

    def handles(self, model: object) -> bool:
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(model, (torch.nn.Module, torch.export.ExportedProgram))

    def save(self, model: object, path: Path) -> dict[str, Any]:
        torch = import_torch()
        options: dict[str, Any] = {"torch_version": str(torch.__version__)}
        if isinstance(model, torch.export.ExportedProgram):
            torch.export.save(model, str(path / FILES["exported"]))
            return {**options, "kind": "exported"}
        if isinstance(model, torch.jit.ScriptModule):
            torch.jit.save(model, str(path / FILES["torchscript"]))
            return {**options, "kind": "torchscript"}
        if not isinstance(model, torch.nn.Module):
            raise InvalidInputError(
                f"The pytorch flavor saves an nn.Module or an ExportedProgram, not {type(model).__name__}."
            )
        cls = type(model)
        entry = entry_point(cls)
        try:
            inspect.signature(cls).bind(**self.init_kwargs)
        except TypeError as exc:
            raise InvalidInputError(
                f"{cls.__qualname__} cannot be built from init_kwargs={self.init_kwargs}: {exc}. "
                "Pass its constructor arguments: get_flavor('pytorch', init_kwargs={...})."
            ) from None
        torch.save(model.state_dict(), str(path / FILES["state_dict"]))
        return {**options, "kind": "state_dict", "entry_point": entry, "init_kwargs": dict(self.init_kwargs)}

    def load(self, path: Path, options: dict[str, Any]) -> PyTorchPredictor:
        torch = import_torch()
        kind = options.get("kind")
        if kind not in FILES:
            raise InvalidInputError(
                f"Unknown PyTorch model kind {kind!r}: expected one of {', '.join(FILES)}."
            )
        file = str(path / FILES[kind])
        if kind == "exported":
            program = torch.export.load(file)
            return PyTorchPredictor(torch, program.module(), program)
        if kind == "torchscript":
            module = torch.jit.load(file, map_location="cpu")
        else:
            module = self._build(torch, options.get("entry_point"), options.get("init_kwargs") or {})
            module.load_state_dict(torch.load(file, map_location="cpu", weights_only=True))
        module.eval()
        return PyTorchPredictor(torch, module, module)

    @staticmethod
    def _build(torch: Any, entry: Any, init_kwargs: Any) -> Any:
        if not isinstance(entry, str) or entry.count(":") != 1:
            raise InvalidInputError(f"Invalid entry point {entry!r}: expected 'package.module:ClassName'.")
        cls = resolve(entry)
        if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
            raise InvalidInputError(f"The entry point {entry!r} is not an nn.Module class.")
        if not isinstance(init_kwargs, dict):
            raise InvalidInputError("init_kwargs must be a mapping.")
        return cls(**init_kwargs)

    def native(self, predictor: object) -> object:
        if isinstance(predictor, PyTorchPredictor):
            return predictor.model
        raise InvalidInputError(f"{type(predictor).__name__} is not a predictor of the pytorch flavor.")
