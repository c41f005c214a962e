"""Paired bootstrap of a metric's difference between two models scored on the same rows.

Each resample draws row indices with replacement (seeded) and scores both
models on the same rows, so the interval reflects the difference, not each
model's own noise. Metrics that are a mean of per-row losses are resampled as
one gather per chunk of resamples; those with a weighted form
(:mod:`steward.core.validation.weighted`: confusion-matrix metrics, ROC and
PR AUC, RMSE, R²) take each resample as draw counts, sorted once; any other
is recomputed on the resampled rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from steward.core.errors import InvalidInputError
from steward.core.validation.metrics import Metric, Outcomes
from steward.core.validation.weighted import weighted

#: Resamples drawn at once for per-row metrics (rows x chunk indices held in memory).
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class Difference:
    """candidate - baseline for *metric*, with a percentile confidence interval."""

    metric: str
    candidate: float
    baseline: float
    difference: float
    low: float
    high: float
    confidence: float
    resamples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def paired_bootstrap(
    metric: Metric,
    candidate: Outcomes,
    baseline: Outcomes,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Difference:
    """The difference candidate - baseline of *metric* and its bootstrap interval."""
    n = len(candidate)
    if n != len(baseline) or n == 0:
        raise InvalidInputError("A paired bootstrap needs both models scored on the same, non-empty rows.")
    if not 0.5 <= confidence < 1.0:
        raise InvalidInputError(f"Confidence {confidence} is not in [0.5, 1); use e.g. 0.95.")
    if resamples < 10:
        raise InvalidInputError(f"Use at least 10 bootstrap resamples (got {resamples}).")
    rng = np.random.default_rng(seed)
    c_value = metric.compute(candidate)
    b_value = metric.compute(baseline)
    if metric.per_row is not None:
        delta = metric.per_row(candidate) - metric.per_row(baseline)
        chunk = max(1, _CHUNK_CELLS // n)
        parts = []
        for start in range(0, resamples, chunk):
            index = rng.integers(0, n, size=(min(chunk, resamples - start), n), dtype=np.int32)
            parts.append(delta[index].mean(axis=1))
        diffs = np.concatenate(parts)
    elif (c_of := weighted(metric.name, candidate)) and (b_of := weighted(metric.name, baseline)):
        diffs = np.empty(resamples)
        for i in range(resamples):
            counts = np.bincount(rng.integers(0, n, size=n, dtype=np.int32), minlength=n)
            diffs[i] = c_of(counts) - b_of(counts)
    else:
        diffs = np.empty(resamples)
        for i in range(resamples):
            rows = rng.integers(0, n, size=n)
            diffs[i] = metric.compute(candidate.take(rows)) - metric.compute(baseline.take(rows))
    diffs = diffs[np.isfinite(diffs)]
    if len(diffs) == 0:
        raise InvalidInputError(f"{metric.name} could not be computed on any bootstrap resample.")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(diffs, [tail, 1.0 - tail])
    return Difference(
        metric.name, c_value, b_value, c_value - b_value, float(low), float(high), confidence, resamples, seed
    )


def worse_beyond(diff: Difference, *, higher_is_better: bool, tolerance: float) -> bool:
    """Whether the candidate is worse than the baseline beyond *tolerance*, with the interval's confidence.

    Higher-is-better metrics: the whole interval lies below -tolerance; lower-is-better: above +tolerance.
    """
    if higher_is_better:
        return diff.high < -tolerance
    return diff.low > tolerance
