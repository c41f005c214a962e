"""Robustness: how much predictions move under small perturbations of the input.

Each function takes the model's ``predict`` and the holdout features and
returns the share of rows whose prediction changed. For a regression model a
prediction "changes" when it moves by more than *tolerance* (an absolute
amount); for a classifier, when the label changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError

Predict = Callable[[pd.DataFrame], Any]


@dataclass(frozen=True)
class Stability:
    """The share of rows whose prediction changed under a perturbation."""

    changed: float
    rows: int
    perturbed: tuple[str, ...]  # the columns perturbed

    def to_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "rows": self.rows, "perturbed": list(self.perturbed)}


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if pd.api.types.is_float_dtype(frame[c].dtype)] + [
        str(c)
        for c in frame.columns
        if pd.api.types.is_integer_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype)
    ]


def changed_share(before: Any, after: Any, tolerance: float | None) -> float:
    a = np.asarray(before)
    b = np.asarray(after)
    if tolerance is None:
        return float(np.mean(a != b))
    return float(np.mean(~(np.abs(a.astype(float) - b.astype(float)) <= tolerance)))


def noise_stability(
    predict: Predict,
    features: pd.DataFrame,
    baseline: Any,
    *,
    scale: float = 0.05,
    tolerance: float | None = None,
    seed: int = 0,
) -> Stability:
    """Add Gaussian noise of *scale* standard deviations to every numeric column and predict again.

    Integer columns get noise rounded to whole steps, so a model whose input
    contract says int64 still accepts them.
    """
    columns = numeric_columns(features)
    if not columns:
        raise InvalidInputError("No numeric features to perturb; drop the noise-stability check.")
    rng = np.random.default_rng(seed)
    noisy = features.copy()
    for column in columns:
        values = features[column].to_numpy()
        std = float(np.nanstd(values.astype(float))) or 1.0
        noise = rng.normal(0.0, scale * std, size=len(values))
        if pd.api.types.is_integer_dtype(features[column].dtype):
            noisy[column] = (values + np.round(noise)).astype(values.dtype)
        else:
            noisy[column] = values + noise
    return Stability(changed_share(baseline, predict(noisy), tolerance), len(features), tuple(columns))


def missing_stability(
    predict: Predict,
    features: pd.DataFrame,
    baseline: Any,
    *,
    rate: float = 0.05,
    tolerance: float | None = None,
    seed: int = 0,
) -> Stability:
    """Blank a random *rate* of the cells of every float column (NaN) and predict again."""
    columns = [c for c in numeric_columns(features) if pd.api.types.is_float_dtype(features[c].dtype)]
    if not columns:
        raise InvalidInputError("No float features to blank; drop the missing-value check.")
    if not 0.0 < rate < 1.0:
        raise InvalidInputError(f"A missing-value rate is in (0, 1), got {rate}.")
    rng = np.random.default_rng(seed)
    holed = features.copy()
    for column in columns:
        values = features[column].to_numpy(dtype=float, copy=True)
        values[rng.random(len(values)) < rate] = np.nan
        holed[column] = values
    return Stability(changed_share(baseline, predict(holed), tolerance), len(features), tuple(columns))


def invariance(
    predict: Predict,
    features: pd.DataFrame,
    baseline: Any,
    declared: Sequence[str],
    *,
    tolerance: float | None = None,
    seed: int = 0,
) -> Stability:
    """Shuffle each *declared* feature across rows (breaking its link to the row) and predict again.

    A model invariant to those features predicts the same for every row.
    """
    missing = [c for c in declared if c not in features.columns]
    if missing:
        raise InvalidInputError(
            f"Invariance names feature(s) {', '.join(map(repr, missing))} the data does not have."
        )
    rng = np.random.default_rng(seed)
    changed = features.copy()
    for column in declared:
        changed[column] = features[column].to_numpy()[rng.permutation(len(features))]
    return Stability(changed_share(baseline, predict(changed), tolerance), len(features), tuple(declared))


def p95_latency_ms(
    predict: Predict, features: pd.DataFrame, clock: Callable[[], float], *, samples: int = 100
) -> tuple[float, int]:
    """The 95th percentile of single-row ``predict`` wall time in milliseconds, and the samples taken."""
    rows = min(samples, len(features))
    times = np.empty(rows)
    predict(features.iloc[:1])  # warm-up: first-call costs are not the budget
    for i in range(rows):
        row = features.iloc[i : i + 1]
        start = clock()
        predict(row)
        times[i] = (clock() - start) * 1000.0
    return float(np.percentile(times, 95)), rows
