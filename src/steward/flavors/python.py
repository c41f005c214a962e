"""Python flavor: a plain callable ``f(data) -> predictions`` or any object with ``predict``.

The model is saved with cloudpickle (pickle protocol 5), so lambdas, local
functions and classes defined in ``__main__`` or a notebook survive. Loading it
**executes code**: Steward loads it only from files whose sha256 matched the
registry (the artifact store verifies every read before the flavor sees the
folder), so the bytes are exactly those that were registered, and trusting them
means trusting whoever could register the version. A function pickled by value
is tied to the Python minor version it was saved with (recorded in the options).

This module also holds the predictors that the estimator-like flavors
(scikit-learn, XGBoost's wrappers) share: the call goes straight to the model's
own method, with no conversion on the way.
"""

from __future__ import annotations

import pickle
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.core.errors import InvalidInputError

FILE = "model.pkl"


class EstimatorPredictor:
    """Calls ``model.predict`` (or ``model.transform`` for a transformer-only model)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._predict: Callable[[Any], Any] = getattr(model, "predict", None) or model.transform

    def predict(self, data: Any) -> Any:
        return self._predict(data)


class ClassifierPredictor(EstimatorPredictor):
    """An :class:`EstimatorPredictor` whose model also has ``predict_proba``.

    ``predict_proba`` is an optional attribute of a predictor: look for it with
    ``getattr(predictor, "predict_proba", None)``.
    """

    def predict_proba(self, data: Any) -> Any:
        return self.model.predict_proba(data)


class FunctionPredictor:
    """Calls a plain function: ``predict(data)`` is ``model(data)``."""

    def __init__(self, model: Callable[[Any], Any]) -> None:
        self.model = model

    def predict(self, data: Any) -> Any:
        return self.model(data)


def estimator_predictor(model: Any) -> EstimatorPredictor:
    """The predictor for an object with ``predict``: with ``predict_proba`` when it has one."""
    if hasattr(model, "predict_proba"):
        return ClassifierPredictor(model)
    return EstimatorPredictor(model)


def has_predict(model: object) -> bool:
    return callable(getattr(model, "predict", None))


def native_of(predictor: object, flavor: str) -> object:
    """The model behind a predictor made by this module."""
    if isinstance(predictor, (EstimatorPredictor, FunctionPredictor)):
        return predictor.model
    raise InvalidInputError(f"{type(predictor).__name__} is not a predictor of the {flavor} flavor.")


@dataclass(frozen=True)
class PythonFlavor:
    """Plain Python callables and objects with a ``predict`` method, saved with cloudpickle."""

    name = "python"

    def handles(self, model: object) -> bool:
        if isinstance(model, type):  # a class, not a fitted model
            return False
        return has_predict(model) or callable(model)

    def save(self, model: object, path: Path) -> dict[str, Any]:
        files, options = self.save_files(model)
        for name, data in files.items():
            (path / name).write_bytes(data)
        return options

    def save_files(self, model: object) -> tuple[dict[str, bytes], dict[str, Any]]:
        """The files :meth:`save` writes, in memory (registration skips the temporary folder)."""
        if not self.handles(model):
            raise InvalidInputError(
                f"The python flavor saves a function or an object with a predict method, "
                f"not {type(model).__name__}."
            )
        import cloudpickle

        try:
            data = cloudpickle.dumps(model, protocol=5)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise InvalidInputError(f"Cannot pickle {type(model).__name__} with cloudpickle: {exc}") from None
        return {FILE: data}, {
            "format": "cloudpickle",
            "kind": "predict" if has_predict(model) else "callable",
            "python_version": platform.python_version(),
        }

    def load(self, path: Path, options: dict[str, Any]) -> EstimatorPredictor | FunctionPredictor:
        kind = options.get("kind")
        if kind not in ("predict", "callable"):
            raise InvalidInputError(f"Unknown python model kind {kind!r}: expected 'predict' or 'callable'.")
        with (path / FILE).open("rb") as f:
            try:
                model = pickle.load(f)  # verified bytes, see the module docstring
            except ModuleNotFoundError as exc:
                raise InvalidInputError(
                    f"The python model needs the module {exc.name!r}, which is not importable here "
                    f"(it was saved with Python {options.get('python_version', '?')})."
                ) from None
        if kind == "predict":
            return estimator_predictor(model)
        return FunctionPredictor(model)

    def native(self, predictor: object) -> object:
        return native_of(predictor, self.name)
