"""Read what ``steward register`` is given on disk: a model file or folder, and data tables.

Which reader is used depends on the file's suffix (and ``--flavor`` where one
suffix fits several frameworks). Everything is checked before anything is
loaded, and every read failure becomes an :class:`InvalidInputError` naming
the file, so a bad path never leaves a partial registration behind.
"""

from __future__ import annotations

import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.core.errors import InvalidInputError, require_extra

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
DATA_SUFFIXES = (".csv", ".parquet", ".pq")

#: suffix -> (how it is read, the flavor it registers as, the flavors --flavor may name; None: any)
MODEL_SUFFIXES: dict[str, tuple[str, str | None, tuple[str, ...] | None]] = {
    ".onnx": ("onnx", "onnx", ("onnx",)),
    ".skops": ("skops", "sklearn", ("sklearn",)),
    ".ubj": ("xgboost", "xgboost", ("xgboost",)),
    ".json": ("xgboost", None, ("xgboost",)),
    ".txt": ("lightgbm", None, ("lightgbm",)),
    ".pt": ("torchscript", "pytorch", ("pytorch",)),
    ".pth": ("torchscript", "pytorch", ("pytorch",)),
    **dict.fromkeys(PICKLE_SUFFIXES, ("pickle", None, None)),
}


@dataclass(frozen=True)
class ModelSource:
    """A checked model path: an MLflow folder, or a file and the flavor to register it as."""

    path: Path
    kind: str  # "mlflow", "onnx", "skops", "xgboost", "lightgbm", "torchscript", "pickle"
    flavor: str | None

    @property
    def runs_code(self) -> bool:
        """Reading it may unpickle, which runs code from the file (MLflow folders often hold pickles)."""
        return self.kind in ("pickle", "mlflow")


def check_model_path(path: Path, flavor: str | None) -> ModelSource:
    """Decide how *path* will be read, without reading it."""
    if path.is_dir():
        if not (path / "MLmodel").is_file():
            raise InvalidInputError(
                f"{path} is a folder without an MLmodel file: pass an MLflow model folder or a model "
                f"file ({', '.join(MODEL_SUFFIXES)})."
            )
        if flavor:
            raise InvalidInputError(
                f"--flavor does not apply to the MLflow model folder {path}: "
                "its MLmodel file names the flavor."
            )
        return ModelSource(path, "mlflow", None)
    if not path.is_file():
        raise InvalidInputError(f"No such model file or folder: {path}.")
    suffix = path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise InvalidInputError(
            f"Unknown model file type {suffix or path.name!r}: pass an MLflow model folder or a file ending "
            f"in {', '.join(MODEL_SUFFIXES)}."
        )
    kind, default, allowed = MODEL_SUFFIXES[suffix]
    chosen = flavor or default
    if allowed is not None and chosen not in allowed:
        raise InvalidInputError(f"A {suffix} model file is registered with --flavor {' or '.join(allowed)}.")
    return ModelSource(path, kind, chosen)


def load_model(source: ModelSource) -> object:
    """Load the model object of a checked file (an MLflow folder is read by the SDK instead)."""
    loaders = {
        "onnx": _load_onnx,
        "skops": _load_skops,
        "pickle": _load_pickle,
        "xgboost": _load_xgboost,
        "lightgbm": _load_lightgbm,
        "torchscript": _load_torchscript,
    }
    return loaders[source.kind](source.path)


def _load_onnx(path: Path) -> object:
    """The file's bytes: the onnx flavor parses and checks them."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"Cannot read {path}: {exc.strerror}.") from None


def _load_skops(path: Path) -> object:
    """Load with skops, trusting only the packages the sklearn flavor trusts."""
    require_extra("skops", "skops", "Registering a .skops file")
    import skops.io as sio

    from steward.flavors.sklearn import TRUSTED_MODULES, load_skops

    try:
        return load_skops(path, sio.get_untrusted_types(file=path), TRUSTED_MODULES)
    except InvalidInputError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"Cannot read {path} as a skops file: {exc or type(exc).__name__}.") from None


def _load_pickle(path: Path) -> object:
    import joblib

    try:
        return joblib.load(path)  # type: ignore[no-untyped-call]
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, AttributeError,
            ImportError, OSError, TypeError) as exc:  # fmt: skip
        raise InvalidInputError(
            f"Cannot load {path} with joblib/pickle: {type(exc).__name__}: {exc}."
        ) from None


def _load_xgboost(path: Path) -> object:
    from steward.flavors.xgboost import import_xgboost, load_xgboost_model

    return load_xgboost_model(import_xgboost(), "Booster", path)


def _load_lightgbm(path: Path) -> object:
    require_extra("lightgbm", "lightgbm", "Registering a LightGBM model")
    import lightgbm

    try:
        return lightgbm.Booster(model_file=str(path))
    except lightgbm.basic.LightGBMError as exc:
        raise InvalidInputError(f"Cannot read {path} as a LightGBM model: {exc}") from None


def _load_torchscript(path: Path) -> object:
    require_extra("torch", "pytorch", "Registering a TorchScript model")
    import torch

    try:
        return torch.jit.load(str(path), map_location="cpu")  # type: ignore[no-untyped-call]
    except (RuntimeError, ValueError, OSError) as exc:
        first = _first_sentence(exc)
        raise InvalidInputError(
            f"Cannot read {path} as a TorchScript model ({first}); save it with torch.jit.save."
        ) from None


def check_data_path(path: Path, option: str) -> Path:
    if not path.is_file():
        raise InvalidInputError(f"{option}: no such file: {path}.")
    if path.suffix.lower() not in DATA_SUFFIXES:
        raise InvalidInputError(
            f"{option}: unknown data file type {path.suffix or path.name!r}; use a .csv or .parquet file."
        )
    return path


def read_table(path: Path, option: str) -> Any:
    """A CSV or Parquet file as a pandas DataFrame."""
    import pandas as pd

    check_data_path(path, option)
    try:
        frame = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except (ValueError, OSError) as exc:  # parser, decoding and Arrow errors are ValueErrors
        raise InvalidInputError(f"{option}: cannot read {path}: {_first_sentence(exc)}.") from None
    if frame.empty:
        raise InvalidInputError(f"{option}: {path} has no rows.")
    return frame


def _first_sentence(exc: BaseException) -> str:
    """The first sentence of a library's error, which is often a paragraph."""
    text = " ".join(str(exc).split())
    return text.split(". ")[0].rstrip(".") if text else type(exc).__name__
