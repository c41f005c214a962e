"""Model quality metrics, computed directly with numpy (they agree with scikit-learn's to 1e-9).

Labels are encoded once (:func:`encode_labels`) as integer codes into the
sorted classes of the target and the predictions; for a binary task the
positive class is the last (greatest) one, as scikit-learn's ``pos_label=1``.
Scores are the predicted probability of each class (``predict_proba``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from steward.core.errors import InvalidInputError

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[Task, ...] = ("binary", "multiclass", "regression")
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True)
class Outcomes:
    """What a model did on a holdout: the truth, its predictions and (classifiers) its scores.

    For classification ``y_true``/``y_pred`` are integer codes into ``classes``
    and ``scores`` is (rows, classes) or None; for regression they are floats.
    """

    task: Task
    y_true: np.ndarray[Any, Any]
    y_pred: np.ndarray[Any, Any]
    scores: FloatArray | None = None
    classes: tuple[Any, ...] = ()

    def __len__(self) -> int:
        return len(self.y_true)

    def take(self, index: np.ndarray[Any, Any]) -> Outcomes:
        """The outcomes of the rows *index* selects (a boolean mask or positions)."""
        scores = None if self.scores is None else self.scores[index]
        return Outcomes(self.task, self.y_true[index], self.y_pred[index], scores, self.classes)


def encode_labels(
    y_true: Any, y_pred: Any, score_classes: Any = None
) -> tuple[IntArray, IntArray, tuple[Any, ...]]:
    """Integer codes of the truth and the predictions into their sorted union of classes.

    *score_classes* (the model's ``classes_``) joins the union so score
    columns and codes line up.
    """
    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    parts = [truth, pred] if score_classes is None else [truth, pred, np.asarray(score_classes)]
    try:
        classes, codes = np.unique(np.concatenate(parts), return_inverse=True)
    except TypeError:  # mixed types (e.g. str and int): compare as text
        classes, codes = np.unique(np.concatenate([p.astype(str) for p in parts]), return_inverse=True)
    n = len(truth)
    return codes[:n].astype(np.int64), codes[n : 2 * n].astype(np.int64), tuple(classes.tolist())


# -- classification -------------------------------------------------------------


def confusion(y_true: IntArray, y_pred: IntArray, n_classes: int) -> IntArray:
    """The (true, predicted) count matrix."""
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    )


def _ratio(num: Any, den: Any) -> Any:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _prf(o: Outcomes) -> tuple[Any, Any, Any]:
    """Precision, recall and F1 of the positive class (binary) or per class (multiclass)."""
    k = max(len(o.classes), 2)
    cm = confusion(o.y_true, o.y_pred, k)
    tp = np.diag(cm).astype(float)
    precision = _ratio(tp, cm.sum(axis=0))
    recall = _ratio(tp, cm.sum(axis=1))
    f1 = _ratio(2 * tp, cm.sum(axis=0) + cm.sum(axis=1))
    if o.task == "binary":
        return precision[-1], recall[-1], f1[-1]
    present = (cm.sum(axis=0) + cm.sum(axis=1)) > 0  # scikit-learn's labels: those seen
    return precision[present], recall[present], f1[present]


def accuracy(o: Outcomes) -> float:
    return float(np.mean(o.y_true == o.y_pred))


def balanced_accuracy(o: Outcomes) -> float:
    k = max(len(o.classes), 2)
    cm = confusion(o.y_true, o.y_pred, k)
    support = cm.sum(axis=1)
    seen = support > 0
    return float(np.mean(np.diag(cm)[seen] / support[seen]))


def precision(o: Outcomes) -> float:
    return float(np.mean(_prf(o)[0]))


def recall(o: Outcomes) -> float:
    return float(np.mean(_prf(o)[1]))


def f1(o: Outcomes) -> float:
    return float(np.mean(_prf(o)[2]))


def _need_scores(o: Outcomes, name: str) -> FloatArray:
    if o.scores is None:
        raise InvalidInputError(f"{name} needs predicted probabilities; the model has no predict_proba.")
    return o.scores


def _binary_auc(positive: np.ndarray[Any, Any], score: FloatArray) -> float:
    """ROC AUC as the Mann-Whitney statistic with average ranks for ties."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    sorted_scores = score[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(score)]
    ranks = np.empty(len(score))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_auc(o: Outcomes) -> float:
    """Binary ROC AUC; multiclass: one-vs-rest macro average."""
    scores = _need_scores(o, "ROC AUC")
    if o.task == "binary":
        return _binary_auc(o.y_true == len(o.classes) - 1, scores[:, -1])
    return float(np.mean([_binary_auc(o.y_true == k, scores[:, k]) for k in range(scores.shape[1])]))


def _average_precision(positive: np.ndarray[Any, Any], score: FloatArray) -> float:
    n_pos = int(positive.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-score, kind="mergesort")
    s = score[order]
    hits = positive[order].astype(float)
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]  # last row of each distinct threshold
    tp = np.cumsum(hits)[last]
    fp = (last + 1) - tp
    prec = tp / (tp + fp)
    rec = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def pr_auc(o: Outcomes) -> float:
    """Average precision (scikit-learn's step-wise PR AUC); multiclass: macro over classes."""
    scores = _need_scores(o, "PR AUC")
    if o.task == "binary":
        return _average_precision(o.y_true == len(o.classes) - 1, scores[:, -1])
    return float(np.mean([_average_precision(o.y_true == k, scores[:, k]) for k in range(scores.shape[1])]))


def row_log_loss(o: Outcomes) -> FloatArray:
    scores = _need_scores(o, "Log loss")
    eps = np.finfo(scores.dtype).eps
    p = np.clip(scores[np.arange(len(o.y_true)), o.y_true], eps, 1 - eps)
    return np.asarray(-np.log(p), dtype=float)


def log_loss(o: Outcomes) -> float:
    return float(np.mean(row_log_loss(o)))


def row_brier(o: Outcomes) -> FloatArray:
    scores = _need_scores(o, "Brier score")
    if o.task == "binary":
        return np.asarray((scores[:, -1] - (o.y_true == len(o.classes) - 1)) ** 2, dtype=float)
    onehot = np.zeros_like(scores)
    onehot[np.arange(len(o.y_true)), o.y_true] = 1.0
    return np.asarray(np.sum((scores - onehot) ** 2, axis=1), dtype=float)


def brier(o: Outcomes) -> float:
    return float(np.mean(row_brier(o)))


# -- regression -----------------------------------------------------------------


def rmse(o: Outcomes) -> float:
    return float(np.sqrt(np.mean((o.y_true - o.y_pred) ** 2)))


def mae(o: Outcomes) -> float:
    return float(np.mean(np.abs(o.y_true - o.y_pred)))


def r2(o: Outcomes) -> float:
    total = float(np.sum((o.y_true - np.mean(o.y_true)) ** 2))
    residual = float(np.sum((o.y_true - o.y_pred) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0  # scikit-learn's convention for a constant target
    return 1.0 - residual / total


def row_ape(o: Outcomes) -> FloatArray:
    eps = np.finfo(np.float64).eps
    return np.asarray(np.abs(o.y_pred - o.y_true) / np.maximum(np.abs(o.y_true), eps), dtype=float)


def mape(o: Outcomes) -> float:
    """Mean absolute percentage error as a fraction (scikit-learn's definition)."""
    return float(np.mean(row_ape(o)))


@dataclass(frozen=True)
class Metric:
    name: str
    tasks: tuple[Task, ...]
    higher_is_better: bool
    compute: Callable[[Outcomes], float]
    #: A per-row loss whose mean is the metric, when there is one (fast bootstrap).
    per_row: Callable[[Outcomes], FloatArray] | None = None
    needs_scores: bool = False


def _row_correct(o: Outcomes) -> FloatArray:
    return np.asarray(o.y_true == o.y_pred, dtype=float)


def _row_abs(o: Outcomes) -> FloatArray:
    return np.asarray(np.abs(o.y_true - o.y_pred), dtype=float)


CLASSIFICATION: tuple[Task, ...] = ("binary", "multiclass")
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", CLASSIFICATION, True, accuracy, _row_correct),
        Metric("balanced_accuracy", CLASSIFICATION, True, balanced_accuracy),
        Metric("precision", CLASSIFICATION, True, precision),
        Metric("recall", CLASSIFICATION, True, recall),
        Metric("f1", CLASSIFICATION, True, f1),
        Metric("roc_auc", CLASSIFICATION, True, roc_auc, needs_scores=True),
        Metric("pr_auc", CLASSIFICATION, True, pr_auc, needs_scores=True),
        Metric("log_loss", CLASSIFICATION, False, log_loss, row_log_loss, needs_scores=True),
        Metric("brier", CLASSIFICATION, False, brier, row_brier, needs_scores=True),
        Metric("rmse", ("regression",), False, rmse),
        Metric("mae", ("regression",), False, mae, _row_abs),
        Metric("r2", ("regression",), True, r2),
        Metric("mape", ("regression",), False, mape, row_ape),
    )
}


def get_metric(name: str, task: Task | None = None) -> Metric:
    """The metric called *name*; InvalidInputError naming the known ones (for *task*) otherwise."""
    metric = METRICS.get(name)
    known = [m.name for m in METRICS.values() if task is None or task in m.tasks]
    if metric is None:
        raise InvalidInputError(f"Unknown metric {name!r}; use one of {', '.join(known)}.")
    if task is not None and task not in metric.tasks:
        raise InvalidInputError(
            f"Metric {name!r} does not apply to a {task} model; use one of {', '.join(known)}."
        )
    return metric
