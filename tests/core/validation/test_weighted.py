"""Weighted metrics with bootstrap draw counts equal the metric on the resampled rows."""

from __future__ import annotations

import numpy as np
import pytest

from steward.core.validation.metrics import METRICS, Outcomes, encode_labels
from steward.core.validation.weighted import weighted


def _outcomes(k: int, seed: int) -> Outcomes:
    rng = np.random.default_rng(seed)
    scores = rng.dirichlet(np.ones(k), size=300)
    scores = np.round(scores, 1)  # many ties
    scores = scores / scores.sum(axis=1, keepdims=True)
    y_true = np.array([rng.choice(k, p=p) for p in scores])
    t, p, classes = encode_labels(y_true, scores.argmax(axis=1), np.arange(k))
    return Outcomes("binary" if k == 2 else "multiclass", t, p, scores, classes)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("name", ["balanced_accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc"])
def test_classification_weighted_equals_resampled(k: int, name: str) -> None:
    o = _outcomes(k, seed=k)
    f = weighted(name, o)
    assert f is not None
    rng = np.random.default_rng(9)
    for _ in range(20):
        index = rng.integers(0, len(o), len(o))
        counts = np.bincount(index, minlength=len(o)).astype(float)
        expected = METRICS[name].compute(o.take(index))
        assert f(counts) == pytest.approx(expected, abs=1e-12, nan_ok=True), name


@pytest.mark.parametrize("name", ["rmse", "r2"])
def test_regression_weighted_equals_resampled(name: str) -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(size=200)
    o = Outcomes("regression", y, y + rng.normal(0, 0.3, 200))
    f = weighted(name, o)
    assert f is not None
    for _ in range(20):
        index = rng.integers(0, 200, 200)
        counts = np.bincount(index, minlength=200).astype(float)
        assert f(counts) == pytest.approx(METRICS[name].compute(o.take(index)), abs=1e-12)


def test_metrics_without_a_weighted_form() -> None:
    assert weighted("accuracy", _outcomes(2, 0)) is None  # per-row instead
    assert weighted("roc_auc", Outcomes("binary", np.array([0, 1]), np.array([0, 1]), None, (0, 1))) is None
