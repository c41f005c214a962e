from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from steward.core.errors import InvalidInputError
from steward.core.validation.bootstrap import paired_bootstrap, worse_beyond
from steward.core.validation.calibration import reliability
from steward.core.validation.metrics import METRICS, Outcomes


def test_reliability_curve_matches_sklearn_and_ece_is_weighted_gap() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(2000)
    y = (rng.random(2000) < p**1.5).astype(int)
    found = reliability(y, p, n_bins=10)
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="uniform")
    assert np.allclose(found.observed, observed, atol=1e-12)
    assert np.allclose(found.predicted, predicted, atol=1e-12)
    gaps = np.abs(np.array(found.observed) - np.array(found.predicted))
    assert found.ece == pytest.approx(float(np.sum(np.array(found.counts) * gaps) / 2000))
    assert found.ece > 0.05
    calibrated = (rng.random(200_000) < (q := rng.random(200_000))).astype(int)
    assert reliability(calibrated, q).ece < 0.01


def _outcomes(y: np.ndarray, correct: np.ndarray) -> Outcomes:
    pred = np.where(correct, y, 1 - y)
    return Outcomes("binary", y, pred, None, (0, 1))


def test_paired_bootstrap_interval_covers_the_difference_and_detects_a_worse_model() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 4000)
    base = _outcomes(y, rng.random(4000) < 0.85)
    worse = _outcomes(y, rng.random(4000) < 0.75)
    accuracy = METRICS["accuracy"]
    diff = paired_bootstrap(accuracy, worse, base, resamples=500, seed=7)
    assert diff.low <= diff.difference <= diff.high
    assert diff.difference == pytest.approx(accuracy.compute(worse) - accuracy.compute(base))
    assert worse_beyond(diff, higher_is_better=True, tolerance=0.01)
    assert not worse_beyond(diff, higher_is_better=True, tolerance=0.5)
    same = paired_bootstrap(accuracy, base, base, resamples=200)
    assert (same.low, same.high) == (0.0, 0.0)
    assert not worse_beyond(same, higher_is_better=True, tolerance=0.0)
    again = paired_bootstrap(accuracy, worse, base, resamples=500, seed=7)
    assert again == diff  # seeded


def test_bootstrap_of_a_non_mean_metric_recomputes_per_resample() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 600)
    base = _outcomes(y, rng.random(600) < 0.9)
    cand = _outcomes(y, rng.random(600) < 0.6)
    diff = paired_bootstrap(METRICS["f1"], cand, base, resamples=100)
    assert diff.high < 0
    with pytest.raises(InvalidInputError, match="at least 10"):
        paired_bootstrap(METRICS["f1"], cand, base, resamples=3)
