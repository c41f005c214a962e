"""Exact TreeSHAP for tree ensembles, through the ``shap`` package (the ``explain`` extra).

Supported: scikit-learn's decision trees, random forests, extra trees and
gradient boosting, XGBoost and LightGBM (wrappers or boosters). The values are
in the model's raw output space, which shap reports as ``tree_output``:
probabilities for scikit-learn forests and trees, log-odds (the margin) for
boosted classifiers, predictions for regressors. ``base + sum == output`` in
that space.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError, require_extra

SKLEARN_TREES = (
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
)
SPACES = {"probability": "probability", "log_odds": "log-odds", "raw_value": "prediction"}


def is_tree_model(native: Any) -> bool:
    """A tree ensemble TreeSHAP explains exactly."""
    module = type(native).__module__.split(".")[0]
    name = type(native).__name__
    if module == "sklearn":
        return name in SKLEARN_TREES
    if module == "xgboost":
        return name in ("Booster", "XGBClassifier", "XGBRegressor")
    if module == "lightgbm":
        return name in ("Booster", "LGBMClassifier", "LGBMRegressor")
    return False


def import_shap() -> Any:
    require_extra("shap", "explain", "TreeSHAP")
    with warnings.catch_warnings():  # shap's import touches matplotlib colormaps it deprecated
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import shap
    return shap


@dataclass(frozen=True)
class TreeShap:
    features: tuple[str, ...]
    values: np.ndarray  # (n_rows, n_features)
    base: float
    output_space: str


def tree_shap(native: Any, frame: pd.DataFrame, *, class_index: int | None = None) -> TreeShap:
    """TreeSHAP values of every row of *frame* (path-dependent, no background needed)."""
    if not is_tree_model(native):
        raise InvalidInputError(
            f"TreeSHAP explains tree ensembles, not {type(native).__name__}; "
            "use method 'sampling' (or 'permutation' for global importance)."
        )
    shap = import_shap()
    explainer = shap.TreeExplainer(native)
    with warnings.catch_warnings():  # LightGBM's "output has changed to a list" notice
        warnings.simplefilter("ignore", UserWarning)
        raw = explainer.shap_values(frame, check_additivity=False)
    expected = np.asarray(explainer.expected_value, dtype=float).reshape(-1)
    values = np.asarray(raw, dtype=float)
    if isinstance(raw, list):  # older shap: one array per class
        values = np.stack(raw, axis=-1)
    if values.ndim == 3:
        index = values.shape[2] - 1 if class_index is None else class_index
        if not -values.shape[2] <= index < values.shape[2]:
            raise InvalidInputError(f"Class index {index} is out of range ({values.shape[2]} classes).")
        values, base = values[:, :, index], float(expected[index])
    else:
        if class_index not in (None, -1, expected.size - 1):
            raise InvalidInputError("This model's TreeSHAP has one output; leave class_index unset.")
        base = float(expected[-1])
    space = SPACES.get(str(getattr(explainer.model, "tree_output", "")), "raw model output")
    return TreeShap(tuple(str(c) for c in frame.columns), values, base, space)
