"""Every metric agrees with scikit-learn's to 1e-9 on random data, binary, multiclass and regression."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

from steward.core.errors import InvalidInputError
from steward.core.validation.metrics import METRICS, Outcomes, encode_labels, get_metric


def _classification(seed: int, k: int, n: int = 500) -> tuple[Outcomes, Any, Any, Any]:
    rng = np.random.default_rng(seed)
    scores = rng.dirichlet(np.ones(k), size=n)
    scores = np.round(scores, 2)  # ties, as real models have
    scores = scores / scores.sum(axis=1, keepdims=True)
    y_true = np.array([rng.choice(k, p=p) for p in scores])
    y_pred = scores.argmax(axis=1)
    labels = np.array(["a", "b", "c", "d"][:k])
    t, p, classes = encode_labels(labels[y_true], labels[y_pred], labels)
    task = "binary" if k == 2 else "multiclass"
    return Outcomes(task, t, p, scores, classes), y_true, y_pred, scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_metrics_match_sklearn(seed: int) -> None:
    o, y, yhat, s = _classification(seed, 2)
    expected = {
        "accuracy": skm.accuracy_score(y, yhat),
        "balanced_accuracy": skm.balanced_accuracy_score(y, yhat),
        "precision": skm.precision_score(y, yhat),
        "recall": skm.recall_score(y, yhat),
        "f1": skm.f1_score(y, yhat),
        "roc_auc": skm.roc_auc_score(y, s[:, 1]),
        "pr_auc": skm.average_precision_score(y, s[:, 1]),
        "log_loss": skm.log_loss(y, y_proba=s),
        "brier": skm.brier_score_loss(y, s[:, 1]),
    }
    for name, value in expected.items():
        assert METRICS[name].compute(o) == pytest.approx(value, abs=1e-9), name


@pytest.mark.parametrize("seed", [0, 1])
def test_multiclass_metrics_match_sklearn(seed: int) -> None:
    o, y, yhat, s = _classification(seed, 4)
    expected = {
        "accuracy": skm.accuracy_score(y, yhat),
        "balanced_accuracy": skm.balanced_accuracy_score(y, yhat),
        "precision": skm.precision_score(y, yhat, average="macro"),
        "recall": skm.recall_score(y, yhat, average="macro"),
        "f1": skm.f1_score(y, yhat, average="macro"),
        "roc_auc": skm.roc_auc_score(y, s, multi_class="ovr", average="macro"),
        "log_loss": skm.log_loss(y, y_proba=s),
    }
    for name, value in expected.items():
        assert METRICS[name].compute(o) == pytest.approx(value, abs=1e-9), name


def test_regression_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(10, 3, 400)
    yhat = y + rng.normal(0, 1, 400)
    o = Outcomes("regression", y, yhat)
    expected = {
        "rmse": skm.root_mean_squared_error(y, yhat),
        "mae": skm.mean_absolute_error(y, yhat),
        "r2": skm.r2_score(y, yhat),
        "mape": skm.mean_absolute_percentage_error(y, yhat),
    }
    for name, value in expected.items():
        assert METRICS[name].compute(o) == pytest.approx(value, abs=1e-9), name


def test_unknown_or_misapplied_metric_names_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match="Unknown metric 'auc'; use one of accuracy"):
        get_metric("auc")
    with pytest.raises(InvalidInputError, match="does not apply to a regression model; use one of rmse"):
        get_metric("roc_auc", "regression")


def test_scores_needed_for_probability_metrics() -> None:
    o = Outcomes("binary", np.array([0, 1]), np.array([0, 1]), None, (0, 1))
    with pytest.raises(InvalidInputError, match="predict_proba"):
        METRICS["roc_auc"].compute(o)
