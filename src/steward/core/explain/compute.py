"""One explanation from a model, a frame and a request, as a JSON document.

Rows beyond the budget (``max_rows``) are sampled without replacement with
the request's seed, and the document says how many rows were used of how
many given, so a reader knows what the numbers rest on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.explain.explanation import ExplainRequest
from steward.core.explain.output import default_scoring, model_output, scorer
from steward.core.explain.permutation import permutation_importance
from steward.core.explain.sensitivity import one_at_a_time, partial_dependence
from steward.core.explain.shapley import (
    Contributions,
    is_linear,
    linear_contributions,
    sampling_shapley,
)
from steward.core.explain.tree import is_tree_model, tree_shap

Progress = Callable[[int, int], None]


def explain_frame(
    model: Any,
    native: Any,
    frame: pd.DataFrame,
    features: list[str],
    request: ExplainRequest,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The explanation *request* asks for, of *model* (``predict``/``predict_proba``) on *frame*."""
    request = request.checked()
    if len(frame) == 0:
        raise InvalidInputError("The data has no rows to explain.")
    if missing := [f for f in features if f not in frame.columns]:
        raise InvalidInputError(
            f"The data lacks the model's input column(s) {', '.join(map(repr, missing))}."
        )
    X = frame[features].reset_index(drop=True)
    sampled = _sample(len(X), request.max_rows, request.seed)
    rows = {"rows": len(sampled), "rows_total": len(X), "max_rows": request.max_rows, "seed": request.seed}
    if request.kind == "global":
        result = _global(model, native, frame.reset_index(drop=True), X, sampled, request, progress)
    elif request.kind == "local":
        result = _local(model, native, X, request, progress)
        rows = {"background": result.pop("background_rows"), "rows_total": len(X), "seed": request.seed}
    elif request.kind == "pdp":
        result = _pdp(model, native, X.iloc[sampled], request, progress)
    else:
        result = _sensitivity(model, native, X, sampled, request, progress)
    document: dict[str, Any] = clean({"kind": request.kind, **result, "budget": rows})
    return document


def _sample(n: int, budget: int, seed: int) -> np.ndarray:
    if n <= budget:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, budget, replace=False))


def _global(
    model: Any,
    native: Any,
    frame: pd.DataFrame,
    X: pd.DataFrame,
    sampled: np.ndarray,
    request: ExplainRequest,
    progress: Progress | None,
) -> dict[str, Any]:
    method = request.method
    if method == "auto":
        if request.target is not None:
            method = "permutation"
        elif is_tree_model(native):
            method = "treeshap"
        else:
            raise InvalidInputError(
                "Global importance of this model is permutation importance, which needs the label "
                "column: pass target (--target COLUMN)."
            )
    if method == "treeshap":
        shap_values = tree_shap(native, X.iloc[sampled], class_index=request.class_index)
        magnitude = np.abs(shap_values.values)
        return {
            "method": "treeshap",
            "features": list(shap_values.features),
            "importance": magnitude.mean(axis=0),
            "std": magnitude.std(axis=0),
            "measure": f"mean |SHAP value| ({shap_values.output_space})",
        }
    if request.target is None:
        raise InvalidInputError(
            "Permutation importance needs the label column: pass target (--target COLUMN)."
        )
    if request.target not in frame.columns:
        raise InvalidInputError(f"The data has no target column {request.target!r}.")
    y = frame[request.target].to_numpy()[sampled]
    name = request.scoring or default_scoring(model, y)
    result = permutation_importance(
        scorer(model, name),
        X.iloc[sampled],
        y,
        n_repeats=request.n_repeats,
        seed=request.seed,
        progress=progress,
    )
    return {
        "method": "permutation",
        "features": list(result.features),
        "importance": result.mean,
        "std": result.std,
        "measure": f"drop in {name} when the column is shuffled",
        "scoring": name,
        "baseline": result.baseline,
        "n_repeats": request.n_repeats,
    }


def local_contributions(
    model: Any,
    native: Any,
    row: pd.DataFrame,
    background: pd.DataFrame,
    *,
    method: str = "auto",
    class_index: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Contributions:
    """The contributions behind *row*'s output: TreeSHAP, exact linear, or sampling Shapley."""
    if method == "auto":
        method = "treeshap" if is_tree_model(native) else "linear" if is_linear(native) else "sampling"
    if method == "treeshap":
        values = tree_shap(native, row, class_index=class_index)
        base, contributions = values.base, values.values[0]
        output = base + float(contributions.sum())
        return Contributions(values.features, contributions, base, output, values.output_space, "treeshap")
    if method == "linear":
        if not is_linear(native):
            raise InvalidInputError(
                f"Method 'linear' is for scikit-learn linear models, not {type(native).__name__}; "
                "use 'sampling'."
            )
        return linear_contributions(native, row, background)
    explained = model_output(model, class_index=class_index, classes=getattr(native, "classes_", None))
    space = "probability" if explained.label.startswith("probability") else "prediction"
    return sampling_shapley(explained.fn, row, background, seed=seed, output_space=space, progress=progress)


def _local(
    model: Any, native: Any, X: pd.DataFrame, request: ExplainRequest, progress: Progress | None
) -> dict[str, Any]:
    assert request.row is not None
    if request.row >= len(X):
        raise InvalidInputError(f"Row {request.row} is out of range: the data has rows 0 to {len(X) - 1}.")
    row = X.iloc[[request.row]]
    background = X.iloc[_sample(len(X), request.background, request.seed)]
    found = local_contributions(
        model,
        native,
        row,
        background,
        method=request.method,
        class_index=request.class_index,
        seed=request.seed,
        progress=progress,
    )
    return {
        "method": found.method,
        "row": request.row,
        "features": list(found.features),
        "values": found.values,
        "feature_values": [_plain(v) for v in row.iloc[0][list(found.features)].tolist()],
        "base": found.base,
        "output": found.output,
        "output_space": found.output_space,
        "background_rows": 0 if found.method == "treeshap" else len(background),
    }


def _pdp(
    model: Any, native: Any, X: pd.DataFrame, request: ExplainRequest, progress: Progress | None
) -> dict[str, Any]:
    explained = model_output(
        model, class_index=request.class_index, classes=getattr(native, "classes_", None)
    )
    features = _chosen(request, X)
    curves = partial_dependence(explained.fn, X, features, grid_size=request.grid_size, progress=progress)
    return {
        "method": "brute",
        "output": explained.label,
        "curves": [
            {
                "feature": c.feature,
                "grid": [_plain(v) for v in c.grid],
                "average": c.average,
                "individual": c.individual[: request.ice_rows],
            }
            for c in curves
        ],
    }


def _sensitivity(
    model: Any,
    native: Any,
    X: pd.DataFrame,
    sampled: np.ndarray,
    request: ExplainRequest,
    progress: Progress | None,
) -> dict[str, Any]:
    explained = model_output(
        model, class_index=request.class_index, classes=getattr(native, "classes_", None)
    )
    features = _chosen(request, X)
    rows = X.iloc[sampled]
    if request.row is not None:
        if request.row >= len(X):
            raise InvalidInputError(
                f"Row {request.row} is out of range: the data has rows 0 to {len(X) - 1}."
            )
        rows = X.iloc[[request.row]]
    found = one_at_a_time(explained.fn, rows, features, reference=X.iloc[sampled], progress=progress)
    return {
        "method": "one-at-a-time",
        "output": explained.label,
        "row": request.row,
        "features": list(found.features),
        "std": found.std,
        "base": found.base,
        "up": found.up,
        "down": found.down,
        "skipped": list(found.skipped),
    }


def _chosen(request: ExplainRequest, X: pd.DataFrame) -> list[str]:
    if request.features is None:
        return list(X.columns)
    if missing := [f for f in request.features if f not in X.columns]:
        raise InvalidInputError(
            f"No model input column(s) {', '.join(map(repr, missing))}; "
            f"the inputs are {', '.join(map(repr, X.columns))}."
        )
    return list(request.features)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def clean(value: Any) -> Any:
    """*value* as strict JSON: arrays as lists, numpy scalars as Python's, NaN and infinities as null."""
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
