"""Calibration of predicted probabilities: reliability curve and expected calibration error (ECE).

Bins are ``n_bins`` equal-width intervals of [0, 1], assigned as
scikit-learn's ``calibration_curve(strategy="uniform")`` does. ECE is the
bin-size-weighted mean of |observed frequency - mean predicted probability|
over non-empty bins. For a binary model the probability is that of the
positive class; for a multiclass one, the top-label confidence against
whether the top label was right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Reliability:
    ece: float
    n_bins: int
    #: Per non-empty bin: mean predicted probability, observed frequency, rows.
    predicted: tuple[float, ...]
    observed: tuple[float, ...]
    counts: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ece": self.ece,
            "n_bins": self.n_bins,
            "predicted": list(self.predicted),
            "observed": list(self.observed),
            "counts": list(self.counts),
        }


def reliability(
    outcome: np.ndarray[Any, Any], probability: np.ndarray[Any, Any], n_bins: int = 10
) -> Reliability:
    """The reliability curve of *probability* (in [0, 1]) against 0/1 *outcome*."""
    probability = np.asarray(probability, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], probability)  # scikit-learn's assignment (side="left")
    counts = np.bincount(bins, minlength=n_bins)
    sums = np.bincount(bins, weights=probability, minlength=n_bins)
    hits = np.bincount(bins, weights=outcome, minlength=n_bins)
    seen = counts > 0
    predicted = sums[seen] / counts[seen]
    observed = hits[seen] / counts[seen]
    ece = float(np.sum(counts[seen] * np.abs(observed - predicted)) / max(len(probability), 1))
    return Reliability(
        ece,
        n_bins,
        tuple(predicted.tolist()),
        tuple(observed.tolist()),
        tuple(int(c) for c in counts[seen]),
    )
