from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics

from steward.core.errors import InvalidInputError
from steward.core.monitoring.performance import (
    ConfidenceBasedEstimator,
    classification_metrics,
    regression_metrics,
)


def test_classification_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1_000)
    score = np.clip(y * 0.3 + rng.random(1_000) * 0.7, 0, 1)
    pred = (score > 0.5).astype(int)
    found = classification_metrics(y, pred, score)
    assert found["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred))
    assert found["precision"] == pytest.approx(metrics.precision_score(y, pred))
    assert found["recall"] == pytest.approx(metrics.recall_score(y, pred))
    assert found["f1"] == pytest.approx(metrics.f1_score(y, pred))
    assert found["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, score))
    labels = rng.choice(["cat", "dog", "emu"], 500)
    guesses = np.where(rng.random(500) < 0.7, labels, "dog")
    many = classification_metrics(labels, guesses)
    assert many["f1"] == pytest.approx(metrics.f1_score(labels, guesses, average="macro"))
    assert "roc_auc" not in many


def test_regression_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(1)
    y = rng.normal(10, 2, 500)
    pred = y + rng.normal(0, 1, 500)
    found = regression_metrics(y, pred)
    assert found["rmse"] == pytest.approx(np.sqrt(metrics.mean_squared_error(y, pred)))
    assert found["mae"] == pytest.approx(metrics.mean_absolute_error(y, pred))
    assert found["r2"] == pytest.approx(metrics.r2_score(y, pred))
    assert found["mape"] == pytest.approx(metrics.mean_absolute_percentage_error(y, pred))
    with pytest.raises(InvalidInputError, match="same length"):
        regression_metrics([1.0, 2.0], [1.0])


def simulate(rows: int, shift: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A miscalibrated model's scores and labels drawn from the true probabilities (covariate shift only)."""
    x = rng.normal(shift, 1.0, rows)
    truth = 1 / (1 + np.exp(-2 * x))
    labels = (rng.random(rows) < truth).astype(int)
    scores = 1 / (1 + np.exp(-0.7 * x - 0.3))  # monotone in x, but not calibrated
    return scores, labels


def test_estimated_performance_tracks_the_realised_one_under_covariate_shift():
    rng = np.random.default_rng(2)
    estimator = ConfidenceBasedEstimator().fit(*simulate(50_000, 0.0, rng))
    assert "concept drift" in estimator.assumptions and "50000" in estimator.assumptions
    for shift in (-1.0, 0.0, 0.8):
        scores, labels = simulate(30_000, shift, rng)
        estimated = estimator.estimate(scores)
        realised = classification_metrics(labels, (scores >= 0.5).astype(int), scores)
        for metric in ("accuracy", "precision", "recall", "f1", "roc_auc"):
            assert estimated[metric] == pytest.approx(realised[metric], abs=0.02), (shift, metric)


def test_weights_stand_for_repeated_scores_and_the_state_round_trips():
    rng = np.random.default_rng(3)
    estimator = ConfidenceBasedEstimator().fit(*simulate(5_000, 0.0, rng))
    scores = np.array([0.1, 0.4, 0.6, 0.9])
    weights = np.array([3, 1, 2, 5])
    assert estimator.estimate(scores, weights) == pytest.approx(
        estimator.estimate(np.repeat(scores, weights))
    )
    again = ConfidenceBasedEstimator.from_dict(json.loads(json.dumps(estimator.to_dict())))
    assert again.estimate(scores) == estimator.estimate(scores)
    assert estimator.estimate([]) == {}


def test_bad_calibration_input_says_what_to_do():
    with pytest.raises(InvalidInputError, match="fit"):
        ConfidenceBasedEstimator().estimate([0.2])
    with pytest.raises(InvalidInputError, match="binary"):
        ConfidenceBasedEstimator().fit([0.1, 0.2, 0.3], [0, 1, 2])
    with pytest.raises(InvalidInputError, match="finite"):
        ConfidenceBasedEstimator().fit([0.1, float("nan")], [0, 1])
