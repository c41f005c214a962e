"""Model flavors: how each ML framework's models are saved, loaded and called.

``detect(model)`` picks the most specific flavor for a model object (an
``XGBClassifier`` is ``xgboost`` although it is also a scikit-learn estimator;
any other callable or object with ``predict`` is ``python``). ``get_flavor(name,
**settings)`` returns a flavor by name, configured with that flavor's save
settings, for example ``get_flavor("sklearn", format="pickle")`` or
``get_flavor("pytorch", init_kwargs={"hidden": 8})``.

Importing this package imports no ML framework, and ``detect`` only looks at
frameworks that are already imported (a model object cannot belong to one that
is not), so detection costs microseconds. Frameworks are imported when a model
is saved or loaded; a missing one raises :class:`MissingDependencyError` naming
the extra to install. MLflow-format directories are read by
:func:`steward.flavors.mlflow.read_mlflow_model`.

A predictor always has ``predict(data)``; classifiers also have
``predict_proba(data)``: test for it with ``getattr(predictor, "predict_proba", None)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from steward.core.errors import InvalidInputError
from steward.flavors.lightgbm import LightGBMFlavor
from steward.flavors.onnx import OnnxFlavor
from steward.flavors.python import PythonFlavor
from steward.flavors.pytorch import PyTorchFlavor
from steward.flavors.sklearn import SklearnFlavor
from steward.flavors.xgboost import XGBoostFlavor
from steward.ports import Flavor

__all__ = [
    "FLAVOR_NAMES",
    "LightGBMFlavor",
    "OnnxFlavor",
    "PyTorchFlavor",
    "PythonFlavor",
    "SklearnFlavor",
    "XGBoostFlavor",
    "detect",
    "get_flavor",
]

# Most specific first: detection takes the first flavor that handles the model.
_CLASSES = (OnnxFlavor, PyTorchFlavor, XGBoostFlavor, LightGBMFlavor, SklearnFlavor, PythonFlavor)
_DEFAULTS: dict[str, Flavor] = {cls.name: cls() for cls in _CLASSES}

#: The names of every flavor, in detection order.
FLAVOR_NAMES: tuple[str, ...] = tuple(_DEFAULTS)


def detect(model: object) -> Flavor:
    """The most specific flavor that can save *model*."""
    for flavor in _DEFAULTS.values():
        if flavor.handles(model):
            return flavor
    raise InvalidInputError(
        f"No flavor can save a {type(model).__module__}.{type(model).__qualname__}: "
        f"pass a model of one of {', '.join(FLAVOR_NAMES)}, a function, or an object with a predict method."
    )


def get_flavor(name: str, **settings: Any) -> Flavor:
    """The flavor called *name*, configured with *settings* (its save options)."""
    default = _DEFAULTS.get(name)
    if default is None:
        raise InvalidInputError(f"Unknown flavor {name!r}; known flavors are {', '.join(FLAVOR_NAMES)}.")
    if not settings:
        return default
    known = [f.name for f in dataclasses.fields(default) if f.init]  # type: ignore[arg-type]
    if unknown := sorted(set(settings) - set(known)):
        accepted = ", ".join(known) if known else "none"
        raise InvalidInputError(
            f"The {name} flavor has no setting {', '.join(map(repr, unknown))}; its settings are: {accepted}."
        )
    return dataclasses.replace(default, **settings)  # type: ignore[type-var]
