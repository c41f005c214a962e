"""Metrics under row weights, prepared once per outcome set, for a fast bootstrap.

A bootstrap resample is the same rows with integer weights (how often each was
drawn), so a metric that can take weights needs no re-indexing and, for the
ranking metrics, no re-sorting: :func:`weighted` does the sort or the encoding
once and returns ``f(weights) -> value``. With weights that are draw counts,
``f`` equals the metric on the resampled rows (tests check it to 1e-12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from steward.core.validation.metrics import Outcomes

Weighted = Callable[[np.ndarray[Any, Any]], float]


def _ties(score: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
    """The ascending order of *score* and, in that order, the index of each row's tie group."""
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    group = np.cumsum(np.r_[0, (s[1:] != s[:-1]).astype(np.int64)])
    return order, group, int(group[-1]) + 1 if len(group) else 0


def _auc(positive: np.ndarray[Any, Any], score: np.ndarray[Any, Any]) -> Weighted:
    order, group, k = _ties(score)
    pos = positive[order].astype(float)

    distinct = k == len(score)  # no ties: every row is its own group

    def f(w: np.ndarray[Any, Any]) -> float:
        ws = w[order]
        if distinct:
            p = ws * pos
            n = ws - p
        else:
            p = np.bincount(group, weights=ws * pos, minlength=k)
            n = np.bincount(group, weights=ws, minlength=k) - p
        total_p, total_n = p.sum(), n.sum()
        if total_p == 0 or total_n == 0:
            return float("nan")
        below = np.cumsum(n) - n  # negatives strictly below each tie group
        return float(np.sum(p * (below + 0.5 * n)) / (total_p * total_n))

    return f


def _average_precision(positive: np.ndarray[Any, Any], score: np.ndarray[Any, Any]) -> Weighted:
    order, group, k = _ties(-score)  # descending score
    pos = positive[order].astype(float)

    def f(w: np.ndarray[Any, Any]) -> float:
        ws = w[order]
        tp = np.cumsum(np.bincount(group, weights=ws * pos, minlength=k))
        seen = np.cumsum(np.bincount(group, weights=ws, minlength=k))
        total = tp[-1] if len(tp) else 0.0
        if total == 0:
            return float("nan")
        drawn = np.r_[True, np.diff(seen) > 0] & (seen > 0)  # thresholds whose rows were drawn
        prec = np.divide(tp, seen, out=np.zeros_like(tp), where=seen > 0)
        recall = tp / total
        steps = np.diff(np.r_[0.0, recall[drawn]])
        return float(np.sum(steps * prec[drawn]))

    return f


def _confusion(o: Outcomes, name: str) -> Weighted:
    k = max(len(o.classes), 2)
    cells = o.y_true * k + o.y_pred

    def f(w: np.ndarray[Any, Any]) -> float:
        cm = np.bincount(cells, weights=w, minlength=k * k).reshape(k, k)
        tp = np.diag(cm)
        predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
        if name == "balanced_accuracy":
            seen = actual > 0
            return float(np.mean(tp[seen] / actual[seen]))
        den = {"precision": predicted, "recall": actual, "f1": predicted + actual}[name]
        num = 2 * tp if name == "f1" else tp
        values = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        if o.task == "binary":
            return float(values[-1])
        present = (predicted + actual) > 0
        return float(np.mean(values[present]))

    return f


def _regression(o: Outcomes, name: str) -> Weighted:
    error2 = (o.y_true - o.y_pred) ** 2

    def f(w: np.ndarray[Any, Any]) -> float:
        total = w.sum()
        sse = float(np.dot(w, error2))
        if name == "rmse":
            return float(np.sqrt(sse / total))
        mean = np.dot(w, o.y_true) / total
        sst = float(np.dot(w, (o.y_true - mean) ** 2))
        if sst == 0.0:
            return 1.0 if sse == 0.0 else 0.0
        return 1.0 - sse / sst

    return f


def weighted(name: str, o: Outcomes) -> Weighted | None:
    """``f(weights)`` for metric *name* on *o*, or None if it has no weighted form here."""
    if name in ("balanced_accuracy", "precision", "recall", "f1"):
        return _confusion(o, name)
    if name in ("rmse", "r2"):
        return _regression(o, name)
    if name in ("roc_auc", "pr_auc") and o.scores is not None:
        make = _auc if name == "roc_auc" else _average_precision
        if o.task == "binary":
            return make(o.y_true == len(o.classes) - 1, o.scores[:, -1])
        parts = [make(o.y_true == c, o.scores[:, c]) for c in range(o.scores.shape[1])]
        return lambda w: float(np.mean([part(w) for part in parts]))
    return None
