"""Model performance: realised (labels joined) and estimated before labels arrive.

:class:`ConfidenceBasedEstimator` is confidence-based performance estimation (as NannyML's CBPE):
the reference's scores are calibrated to probabilities with isotonic regression; on a window, each
row's calibrated probability is its expected share of a positive label, so the expected confusion
matrix is a sum of probabilities and every metric follows from it. It holds only while the model's
calibration holds (covariate shift, no concept drift): :attr:`ConfidenceBasedEstimator.assumptions`
says so next to every figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats
from scipy.optimize import isotonic_regression

from steward.core.errors import InvalidInputError

Array = np.ndarray[Any, Any]


def _positive(labels: Array) -> tuple[Array, Any]:
    """0/1 labels (the greater of two classes is positive, as scikit-learn's ``classes_[1]``)."""
    classes = np.unique(labels)
    if classes.size > 2:
        raise InvalidInputError(f"Expected binary labels, found {classes.size} classes.")
    positive = classes[-1] if classes.size == 2 or classes[0] in (1, True, "1") else None
    return (labels == positive).astype(np.float64), positive


def _auc(y: Array, score: Array) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) statistic, ties counted half."""
    positives = y.sum()
    negatives = y.size - positives
    if not positives or not negatives:
        return float("nan")
    ranks = stats.rankdata(score)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _from_cells(tp: float, fp: float, fn: float, tn: float) -> dict[str, float]:
    total = tp + fp + fn + tn
    nan = float("nan")
    return {
        "accuracy": (tp + tn) / total if total else nan,
        "precision": tp / (tp + fp) if tp + fp else nan,
        "recall": tp / (tp + fn) if tp + fn else nan,
        "f1": 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else nan,
    }


def classification_metrics(y_true: Any, y_pred: Any, y_score: Any = None) -> dict[str, float]:
    """accuracy, precision, recall, f1 (binary: of the greater class; more classes: macro average), and
    roc_auc when scores are given and both classes are present."""
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    if truth.shape != predicted.shape or truth.ndim != 1:
        raise InvalidInputError("y_true and y_pred are 1-d and of the same length.")
    if truth.size == 0:
        return {}
    classes = np.unique(np.concatenate([truth, predicted]))
    if classes.size <= 2:
        positive = classes[-1]
        t, p = truth == positive, predicted == positive
        found = _from_cells(
            float(np.sum(t & p)), float(np.sum(~t & p)), float(np.sum(t & ~p)), float(np.sum(~t & ~p))
        )
    else:
        per_class = [
            _from_cells(
                float(np.sum((truth == c) & (predicted == c))),
                float(np.sum((truth != c) & (predicted == c))),
                float(np.sum((truth == c) & (predicted != c))),
                0.0,
            )
            for c in classes
        ]
        found = {
            m: float(np.mean([np.nan_to_num(pc[m]) for pc in per_class]))
            for m in ("precision", "recall", "f1")
        }
        found["accuracy"] = float(np.mean(truth == predicted))
    if y_score is not None and classes.size == 2:
        found["roc_auc"] = _auc(
            (truth == classes[-1]).astype(np.float64), np.asarray(y_score, dtype=np.float64)
        )
    return found


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """rmse, mae, r2 and mape (absolute error over max(|y|, machine epsilon), as scikit-learn)."""
    truth, predicted = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if truth.shape != predicted.shape or truth.ndim != 1:
        raise InvalidInputError("y_true and y_pred are 1-d and of the same length.")
    if truth.size == 0:
        return {}
    error = truth - predicted
    spread = float(np.sum((truth - truth.mean()) ** 2))
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": 1.0 - float(np.sum(error**2)) / spread if spread else float("nan"),
        "mape": float(np.mean(np.abs(error) / np.maximum(np.abs(truth), np.finfo(np.float64).eps))),
    }


class ConfidenceBasedEstimator:
    """Estimated accuracy, precision, recall, F1 and ROC AUC of a binary classifier without labels."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    @property
    def assumptions(self) -> str:
        rows = getattr(self, "reference_rows_", 0)
        return (
            "Estimated without labels (confidence-based): assumes the model's scores, calibrated by isotonic "
            f"regression on {rows} labelled reference rows, remain calibrated on this data - the inputs may "
            "shift but the relation between inputs and label has not (no concept drift) - and that the "
            f"prediction is score >= {self.threshold}. Under concept drift the estimate is wrong."
        )

    def fit(self, reference_scores: Any, reference_labels: Any) -> ConfidenceBasedEstimator:
        """Calibrate: isotonic regression of the reference labels on the scores."""
        scores = np.asarray(reference_scores, dtype=np.float64)
        labels, _ = _positive(np.asarray(reference_labels))
        if scores.shape != labels.shape or scores.ndim != 1 or scores.size < 2:
            raise InvalidInputError("Calibrating needs at least two reference scores with one label each.")
        if not np.isfinite(scores).all():
            raise InvalidInputError("Reference scores must be finite probabilities; drop missing rows first.")
        order = np.argsort(scores, kind="stable")
        xs, ys = scores[order], labels[order]
        unique, start = np.unique(xs, return_index=True)
        means = np.add.reduceat(ys, start) / np.diff(np.append(start, xs.size))
        weights = np.diff(np.append(start, xs.size)).astype(np.float64)
        fitted = isotonic_regression(means, weights=weights, increasing=True).x
        self.calibration_x_ = unique
        self.calibration_y_ = np.asarray(fitted, dtype=np.float64)
        self.reference_rows_ = int(scores.size)
        return self

    def calibrate(self, scores: Any) -> Array:
        if not hasattr(self, "calibration_x_"):
            raise InvalidInputError("Call fit() with labelled reference scores before estimating.")
        return np.interp(np.asarray(scores, dtype=np.float64), self.calibration_x_, self.calibration_y_)

    def estimate(self, scores: Any, weights: Any = None) -> dict[str, float]:
        """Expected metrics on a window's *scores* (``weights``: how many rows each score stands for)."""
        raw = np.asarray(scores, dtype=np.float64)
        w = np.ones_like(raw) if weights is None else np.asarray(weights, dtype=np.float64)
        keep = np.isfinite(raw) & (w > 0)
        raw, w = raw[keep], w[keep]
        if raw.size == 0:
            return {}
        p = self.calibrate(raw)
        decided = raw >= self.threshold
        found = _from_cells(
            float(np.sum(w * p * decided)),
            float(np.sum(w * (1 - p) * decided)),
            float(np.sum(w * p * ~decided)),
            float(np.sum(w * (1 - p) * ~decided)),
        )
        found["roc_auc"] = _expected_auc(raw, p, w)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "calibration_x": self.calibration_x_.tolist(),
            "calibration_y": self.calibration_y_.tolist(),
            "reference_rows": self.reference_rows_,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfidenceBasedEstimator:
        try:
            estimator = cls(float(data["threshold"]))
            estimator.calibration_x_ = np.asarray(data["calibration_x"], dtype=np.float64)
            estimator.calibration_y_ = np.asarray(data["calibration_y"], dtype=np.float64)
            estimator.reference_rows_ = int(data["reference_rows"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"Not a fitted estimator ({exc!r}); pass what to_dict() returned."
            ) from exc
        return estimator


def _expected_auc(raw: Array, p: Array, w: Array) -> float:
    """E[pairs ranked right] / E[positive-negative pairs], labels drawn from the calibrated probabilities."""
    unique, group = np.unique(raw, return_inverse=True)
    pos = np.bincount(group, weights=w * p, minlength=unique.size)
    neg = np.bincount(group, weights=w * (1 - p), minlength=unique.size)
    neg_below = np.concatenate(([0.0], np.cumsum(neg)[:-1]))
    self_pairs = float(np.sum(w * p * (1 - p)))
    numerator = float(np.sum(pos * (neg_below + 0.5 * neg))) - 0.5 * self_pairs
    denominator = float(pos.sum() * neg.sum()) - self_pairs
    return numerator / denominator if denominator > 0 else float("nan")
