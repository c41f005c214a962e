"""LightGBM flavor: ``Booster`` and the scikit-learn wrappers, as LightGBM's text model.

Everything is stored as LightGBM's own text model (``model.txt``, no pickle),
which keeps the pandas categorical mappings. LightGBM cannot rebuild a wrapper
from it, so a wrapper is restored as its Booster plus what the wrapper adds:
an ``LGBMClassifier`` keeps its class labels (in the options) and predicts the
way the wrapper does (``predict_proba`` is the Booster's probabilities, two
columns for a binary model; ``predict`` is the label of the largest).
``native()`` returns the Booster.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.core.errors import InvalidInputError, require_extra

FILE = "model.txt"
WRAPPERS = ("LGBMClassifier", "LGBMRegressor", "LGBMRanker")


def import_lightgbm() -> Any:
    require_extra("lightgbm", "lightgbm", "The lightgbm flavor")
    import lightgbm

    return lightgbm


class LightGBMPredictor:
    """``predict`` is ``Booster.predict``: a regressor's values, or a bare Booster's raw output."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def predict(self, data: Any) -> Any:
        return self.model.predict(data)


class LightGBMClassifierPredictor(LightGBMPredictor):
    """Predicts like ``LGBMClassifier``: class labels, and ``predict_proba`` with one column per class."""

    def __init__(self, model: Any, classes: Any) -> None:
        super().__init__(model)
        self.classes = classes

    def predict_proba(self, data: Any) -> Any:
        import numpy as np

        proba = self.model.predict(data)
        if proba.ndim == 1:  # binary: the probability of the second class
            return np.column_stack((1.0 - proba, proba))
        return proba

    def predict(self, data: Any) -> Any:
        return self.classes[self.predict_proba(data).argmax(axis=1)]


def wrapper_name(model: object) -> str:
    for cls in type(model).__mro__:
        if cls.__name__ in WRAPPERS and cls.__module__.startswith("lightgbm"):
            return cls.__name__
    raise InvalidInputError(
        f"{type(model).__name__} is not one of LightGBM's wrappers ({', '.join(WRAPPERS)}); "
        "save its Booster (model.booster_) instead."
    )


@dataclass(frozen=True)
class LightGBMFlavor:
    """LightGBM Boosters and scikit-learn wrappers."""

    name = "lightgbm"

    def handles(self, model: object) -> bool:
        lgb = sys.modules.get("lightgbm")
        return lgb is not None and isinstance(model, (lgb.Booster, lgb.LGBMModel))

    def save(self, model: object, path: Path) -> dict[str, Any]:
        lgb = import_lightgbm()
        options: dict[str, Any] = {"lightgbm_version": lgb.__version__}
        if isinstance(model, lgb.LGBMModel):
            kind = wrapper_name(model)
            if not model.__sklearn_is_fitted__():
                raise InvalidInputError(f"The {kind} is not fitted; call fit before registering it.")
            if callable(model.objective):
                raise InvalidInputError(
                    f"This {kind} uses a custom objective function, which LightGBM's text model "
                    "cannot hold; register it with the python flavor."
                )
            booster = model.booster_
            if kind == "LGBMClassifier":
                options["classes"] = model.classes_.tolist()
        elif isinstance(model, lgb.Booster):
            kind, booster = "Booster", model
        else:
            raise InvalidInputError(
                f"The lightgbm flavor saves a Booster or a wrapper, not {type(model).__name__}."
            )
        booster.save_model(str(path / FILE))
        return {**options, "kind": kind}

    def load(self, path: Path, options: dict[str, Any]) -> LightGBMPredictor:
        lgb = import_lightgbm()
        kind = options.get("kind")
        if kind != "Booster" and kind not in WRAPPERS:
            raise InvalidInputError(
                f"Unknown LightGBM model kind {kind!r}: expected Booster or one of {', '.join(WRAPPERS)}."
            )
        booster = lgb.Booster(model_file=str(path / FILE))
        if kind == "LGBMClassifier":
            import numpy as np

            classes = options.get("classes")
            if not isinstance(classes, list) or not classes:
                raise InvalidInputError("A saved LGBMClassifier needs its 'classes' in the options.")
            return LightGBMClassifierPredictor(booster, np.asarray(classes))
        return LightGBMPredictor(booster)

    def native(self, predictor: object) -> object:
        if isinstance(predictor, LightGBMPredictor):
            return predictor.model
        raise InvalidInputError(f"{type(predictor).__name__} is not a predictor of the lightgbm flavor.")
