"""What an explanation explains: one number per row from a model, and how a model is scored.

A classifier is explained through the probability of one class (by default
the last column of ``predict_proba``, the positive class of a binary model); a
regressor through ``predict``. Permutation importance needs a score instead:
the scorers here are scikit-learn's metrics, named as scikit-learn names them,
greater is better (losses are negated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.explain.explanation import SCORINGS

#: A batch of rows in, one number per row out.
OutputFn = Callable[[pd.DataFrame], np.ndarray]


@dataclass(frozen=True)
class ModelOutput:
    """The quantity explained: ``fn(frame)`` gives one float per row, ``label`` says what it is."""

    fn: OutputFn
    label: str


def has_proba(model: Any) -> bool:
    return callable(getattr(model, "predict_proba", None))


def model_output(model: Any, *, class_index: int | None = None, classes: Any = None) -> ModelOutput:
    """The explained output of *model*: P(class) for a classifier, the prediction otherwise."""
    if has_proba(model):
        index = -1 if class_index is None else class_index

        def proba(frame: pd.DataFrame) -> np.ndarray:
            p = np.asarray(model.predict_proba(frame), dtype=float)
            if p.ndim != 2 or not -p.shape[1] <= index < p.shape[1]:
                raise InvalidInputError(
                    f"Class index {index} is out of range: the model gives {p.shape[-1]} class probabilities."
                )
            return p[:, index]

        name = _class_name(classes, index)
        return ModelOutput(proba, f"probability of class {name}")
    if class_index is not None:
        raise InvalidInputError("class_index applies to classifiers only; this model has no predict_proba.")

    def predict(frame: pd.DataFrame) -> np.ndarray:
        out = np.asarray(model.predict(frame))
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.ndim != 1 or out.dtype.kind not in "biuf":
            raise InvalidInputError(
                "The model's predictions are not one number per row, so they cannot be explained; "
                "explain a classifier with predict_proba or a regressor."
            )
        return out.astype(float)

    return ModelOutput(predict, "prediction")


def _class_name(classes: Any, index: int) -> str:
    if classes is None:
        return f"column {index}" if index >= 0 else "in the last column"
    values = list(classes)
    return str(values[index]) if -len(values) <= index < len(values) else f"column {index}"


# -- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorer:
    """A metric in two halves, so many permuted copies can share one model call.

    ``response(frame)`` is the model's raw answer (labels, or the positive
    class's probability); ``score(y, response)`` the metric, greater is better.
    """

    name: str
    response: OutputFn
    metric: Callable[[np.ndarray, np.ndarray], float]

    def score(self, y: np.ndarray, response: np.ndarray) -> float:
        return float(self.metric(y, response))

    def __call__(self, frame: pd.DataFrame, y: np.ndarray) -> float:
        return self.score(y, self.response(frame))


def default_scoring(model: Any, y: np.ndarray) -> str:
    """ROC AUC for a binary classifier, accuracy for other classifiers, R² for regressors."""
    if has_proba(model):
        return "roc_auc" if len(pd.unique(y)) == 2 else "accuracy"
    return "r2"


def scorer(model: Any, name: str) -> Scorer:
    """The scorer *name* (one of :data:`SCORINGS`) of *model*'s predictions."""
    from sklearn import metrics

    metric_of: dict[str, Callable[..., float]] = {
        "roc_auc": metrics.roc_auc_score,
        "accuracy": metrics.accuracy_score,
        "balanced_accuracy": metrics.balanced_accuracy_score,
        "r2": metrics.r2_score,
        "neg_mean_squared_error": lambda y, p: -metrics.mean_squared_error(y, p),
        "neg_mean_absolute_error": lambda y, p: -metrics.mean_absolute_error(y, p),
    }
    if name not in metric_of:
        raise InvalidInputError(f"Unknown scoring {name!r}; use one of {', '.join(SCORINGS)}.")
    if name != "roc_auc":
        return Scorer(name, lambda frame: np.asarray(model.predict(frame)), metric_of[name])
    if not has_proba(model):
        raise InvalidInputError("Scoring 'roc_auc' needs predict_proba; this model has none: use 'r2'.")

    def positive(frame: pd.DataFrame) -> np.ndarray:
        p = np.asarray(model.predict_proba(frame), dtype=float)
        if p.ndim != 2 or p.shape[1] != 2:
            raise InvalidInputError("Scoring 'roc_auc' is for binary classifiers; use 'accuracy'.")
        return p[:, 1]

    return Scorer(name, positive, metric_of[name])
