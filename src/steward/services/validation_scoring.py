"""From a holdout to outcomes: the model's columns, its predictions and scores, the task, the label codes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.validation.metrics import Outcomes, Task, encode_labels
from steward.services.packaging import LoadedModel

#: A target with at most this many distinct integer values is read as class labels.
MAX_CLASSES = 20


def model_features(data: pd.DataFrame, target: str, model: LoadedModel) -> pd.DataFrame:
    """The model's columns: its signature's, else the names it was fitted on, else all but the target."""
    signature = model.version.signature
    if signature is not None and signature.kind == "columns":
        return data[[c for c in signature.input_names if c in data.columns]]
    fitted = getattr(model.native, "feature_names_in_", None)
    if fitted is not None and all(str(c) in data.columns for c in fitted):
        return data[[str(c) for c in fitted]]
    return data.drop(columns=[target])


class Predictions:
    def __init__(
        self, labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any] | None, classes: Any
    ) -> None:
        self.labels = labels
        self.scores = scores
        self.classes = classes


def predict_table(model: LoadedModel, features: pd.DataFrame) -> Predictions:
    try:
        labels = np.asarray(model.predict(features))
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInputError(
            f"Version {model.version.ref} cannot predict on this data: {' '.join(str(exc).split())[:300]}"
        ) from None
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    scores = None
    classes = getattr(model.native, "classes_", None)
    if classes is not None:
        try:
            scores = np.asarray(model.predict_proba(features), dtype=float)
        except InvalidInputError:
            scores = None
    return Predictions(labels, scores, classes)


def infer_task(target: pd.Series, predictions: Predictions) -> Task:
    if predictions.classes is not None:
        return "binary" if len(predictions.classes) <= 2 else "multiclass"
    values = target.to_numpy()
    numeric = pd.api.types.is_numeric_dtype(target.dtype) and not pd.api.types.is_bool_dtype(target.dtype)
    if numeric and not (np.all(np.mod(values.astype(float), 1) == 0) and target.nunique() <= MAX_CLASSES):
        return "regression"
    if pd.api.types.is_float_dtype(predictions.labels.dtype) and not np.all(
        np.mod(predictions.labels, 1) == 0
    ):
        return "regression"  # a regressor on an integer target
    classes = pd.unique(np.concatenate([values, predictions.labels]))
    return "binary" if len(classes) <= 2 else "multiclass"


def aligned_scores(scores: np.ndarray[Any, Any] | None, model_classes: Any, classes: tuple[Any, ...]) -> Any:
    if scores is None or model_classes is None:
        return None
    index = {c: i for i, c in enumerate(classes)}
    out = np.zeros((scores.shape[0], len(classes)))
    for j, c in enumerate(np.asarray(model_classes).tolist()):
        out[:, index[c]] = scores[:, j]
    return out


def build_outcomes(
    task: Task, target: pd.Series, cand: Predictions, base: Predictions | None
) -> tuple[Outcomes, Outcomes | None]:
    truth = target.to_numpy()
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(target.dtype):
            raise InvalidInputError(
                f"A regression target must be numeric; {target.name!r} is {target.dtype}."
            )
        y = truth.astype(float)
        c = Outcomes("regression", y, cand.labels.astype(float))
        b = None if base is None else Outcomes("regression", y, base.labels.astype(float))
        return c, b
    extra = [
        np.asarray(x)
        for x in (cand.classes, None if base is None else base.labels, None if base is None else base.classes)
        if x is not None
    ]
    _, _, classes = encode_labels(truth, cand.labels, np.concatenate(extra) if extra else None)
    if task == "binary" and len(classes) > 2:
        raise InvalidInputError(
            f"A binary model's target has {len(classes)} classes; declare task: multiclass."
        )
    if task == "multiclass" and len(classes) < 3:
        task = "binary"
    lookup = {c: i for i, c in enumerate(classes)}

    def codes(values: Any) -> np.ndarray[Any, Any]:
        mapped = pd.Series(np.asarray(values).tolist()).map(lookup)
        if mapped.isna().any():  # classes compared as text (mixed label types)
            mapped = pd.Series(np.asarray(values).astype(str).tolist()).map(lookup)
        return np.asarray(mapped.to_numpy(), dtype=np.int64)

    y = codes(truth)
    c = Outcomes(task, y, codes(cand.labels), aligned_scores(cand.scores, cand.classes, classes), classes)
    b = None
    if base is not None:
        b = Outcomes(task, y, codes(base.labels), aligned_scores(base.scores, base.classes, classes), classes)
    return c, b
