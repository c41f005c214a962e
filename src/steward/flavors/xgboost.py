"""XGBoost flavor: ``Booster`` and the scikit-learn wrappers, in XGBoost's own format.

The model is written with ``save_model`` as UBJSON (``model.ubj``, the default:
smaller and faster to read) or JSON (``model.json``, readable); no pickle is
involved. A wrapper (``XGBClassifier``, ``XGBRegressor``, ...) is rebuilt as the
same wrapper class, so ``predict_proba`` and ``classes_`` are kept. A
``Booster`` predicts with ``inplace_predict``, which takes a DataFrame or a
numpy array directly (no ``DMatrix`` per call).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from steward.core.errors import InvalidInputError, require_extra
from steward.flavors.python import EstimatorPredictor, estimator_predictor

WRAPPERS = ("XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor")
FORMATS = ("ubj", "json")


def import_xgboost() -> Any:
    require_extra("xgboost", "xgboost", "The xgboost flavor")
    import xgboost

    return xgboost


def wrapper_name(model: object) -> str:
    """The name of the XGBoost wrapper class *model* is (or derives from)."""
    for cls in type(model).__mro__:
        if cls.__name__ in WRAPPERS and cls.__module__.startswith("xgboost"):
            return cls.__name__
    raise InvalidInputError(
        f"{type(model).__name__} is not one of XGBoost's wrappers ({', '.join(WRAPPERS)}); "
        "save its Booster (model.get_booster()) instead."
    )


class BoosterPredictor:
    """Predicts with ``Booster.inplace_predict`` (what ``Booster.predict`` returns, without a DMatrix)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def predict(self, data: Any) -> Any:
        return self.model.inplace_predict(data)


def load_xgboost_model(xgb: Any, kind: str, source: Path | bytearray) -> Any:
    """A Booster or wrapper of class *kind* read from a file or the bytes of one."""
    if kind == "Booster":
        model = xgb.Booster()
    elif kind in WRAPPERS:
        model = getattr(xgb, kind)()
    else:
        raise InvalidInputError(
            f"Unknown XGBoost model kind {kind!r}: expected Booster or one of {WRAPPERS}."
        )
    try:
        model.load_model(source if isinstance(source, bytearray) else str(source))
    except xgb.core.XGBoostError as exc:
        raise InvalidInputError(f"XGBoost cannot read the model: {str(exc).splitlines()[0]}") from None
    return model


@dataclass(frozen=True)
class XGBoostFlavor:
    """XGBoost models. ``format``: ``"ubj"`` (default) or ``"json"``."""

    format: Literal["ubj", "json"] = "ubj"
    name = "xgboost"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InvalidInputError(f"Unknown xgboost format {self.format!r}: use 'ubj' or 'json'.")

    def handles(self, model: object) -> bool:
        xgb = sys.modules.get("xgboost")
        return xgb is not None and isinstance(model, (xgb.Booster, xgb.XGBModel))

    def save(self, model: object, path: Path) -> dict[str, Any]:
        xgb = import_xgboost()
        if isinstance(model, xgb.XGBModel):
            kind = wrapper_name(model)
            if not model.__sklearn_is_fitted__():
                raise InvalidInputError(f"The {kind} is not fitted; call fit before registering it.")
        elif isinstance(model, xgb.Booster):
            kind = "Booster"
        else:
            raise InvalidInputError(
                f"The xgboost flavor saves a Booster or a wrapper, not {type(model).__name__}."
            )
        model.save_model(str(path / f"model.{self.format}"))
        return {"kind": kind, "format": self.format, "xgboost_version": xgb.__version__}

    def load(self, path: Path, options: dict[str, Any]) -> EstimatorPredictor | BoosterPredictor:
        xgb = import_xgboost()
        fmt = options.get("format")
        if fmt not in FORMATS:
            raise InvalidInputError(f"Unknown xgboost format {fmt!r}: expected 'ubj' or 'json'.")
        kind = str(options.get("kind"))
        model = load_xgboost_model(xgb, kind, path / f"model.{fmt}")
        if kind == "Booster":
            return BoosterPredictor(model)
        return estimator_predictor(model)

    def native(self, predictor: object) -> object:
        if isinstance(predictor, (BoosterPredictor, EstimatorPredictor)):
            return predictor.model
        raise InvalidInputError(f"{type(predictor).__name__} is not a predictor of the xgboost flavor.")
