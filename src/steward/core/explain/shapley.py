"""Local explanations: each feature's contribution to one prediction, with the base value.

Every method here is additive: ``base + sum(contributions)`` equals the
explained output for the row (tested).

- :func:`linear_contributions` is exact for linear models: ``coef * (x - mean)``
  with the background's mean, on the model's raw (decision function) scale.
- :func:`sampling_shapley` works for any model: a permutation-sampling
  estimate of the Shapley values (Štrumbelj and Kononenko, 2014), with
  antithetic pairs (each permutation and its reverse). Every background row
  starts two chains; a chain switches the features to the row's values one at
  a time, in the permutation's order, and each switch's change of output is
  that feature's share. All chains are built as one frame and predicted with
  one model call (in chunks). Budget: ``2 * n_background * (n_features + 1)``
  model evaluations. The base value is the mean output over the background.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.explain.output import OutputFn

#: Rows predicted at once by the sampling estimator.
CHUNK_ROWS = 200_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Contributions:
    """Why one row got its output: ``base + sum(values) == output``."""

    features: tuple[str, ...]
    values: np.ndarray  # (n_features,)
    base: float
    output: float
    output_space: str  # what the numbers are: "probability", "log-odds", "prediction", ...
    method: str  # "treeshap", "linear", "sampling"


def is_linear(native: Any) -> bool:
    """A fitted scikit-learn linear model (coef_ and intercept_, one row of coefficients)."""
    module = type(native).__module__
    coef = getattr(native, "coef_", None)
    return (
        module.startswith("sklearn.linear_model")
        and coef is not None
        and hasattr(native, "intercept_")
        and (np.ndim(coef) == 1 or np.shape(coef)[0] == 1)
    )


def linear_contributions(native: Any, row: pd.DataFrame, background: pd.DataFrame) -> Contributions:
    """Exact contributions of a linear model: ``coef * (x - mean(background))``."""
    names = _model_features(native, row)
    coef = np.asarray(native.coef_, dtype=float).reshape(-1)
    intercept = float(np.asarray(native.intercept_, dtype=float).reshape(-1)[0])
    try:
        x = row[names].to_numpy(dtype=float)[0]
        mean = background[names].to_numpy(dtype=float).mean(axis=0)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"A linear model's features must be numbers: {exc}") from None
    values = coef * (x - mean)
    base = intercept + float(coef @ mean)
    space = "log-odds" if hasattr(native, "predict_proba") else "prediction"
    return Contributions(tuple(names), values, base, base + float(values.sum()), space, "linear")


def _model_features(native: Any, frame: pd.DataFrame) -> list[str]:
    names = getattr(native, "feature_names_in_", None)
    if names is None:
        return [str(c) for c in frame.columns]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InvalidInputError(f"The data lacks the model's feature(s) {', '.join(map(repr, missing))}.")
    return [str(n) for n in names]


def sampling_shapley(
    output: OutputFn,
    row: pd.DataFrame,
    background: pd.DataFrame,
    *,
    seed: int = 0,
    output_space: str = "prediction",
    progress: Progress | None = None,
) -> Contributions:
    """Shapley values of *row* (one row) against *background*, by antithetic permutation sampling."""
    if len(row) != 1:
        raise InvalidInputError("Explain one row at a time.")
    if len(background) < 1:
        raise InvalidInputError("Sampling Shapley needs at least one background row.")
    names = list(row.columns)
    f, n_bg = len(names), len(background)
    rng = np.random.default_rng(seed)
    forward = np.argsort(rng.random((n_bg, f)), axis=1)
    perms = np.concatenate([forward, forward[:, ::-1]])  # (S, f): antithetic pairs
    starts = np.concatenate([np.arange(n_bg), np.arange(n_bg)])  # background row of each chain
    rank = np.argsort(perms, axis=1)  # rank[s, j]: when feature j is switched in chain s
    steps = np.arange(f + 1)
    pool = pd.concat([background[names], row[names]], ignore_index=True)  # the row is the last
    outputs = np.empty((len(perms), f + 1))
    chains_per_chunk = max(1, CHUNK_ROWS // (f + 1))
    for lo in range(0, len(perms), chains_per_chunk):
        hi = min(lo + chains_per_chunk, len(perms))
        switched = rank[lo:hi, None, :] < steps[None, :, None]  # (s, k, j): feature j from the row
        columns = {
            name: pool[name].take(np.where(switched[:, :, j], n_bg, starts[lo:hi, None]).ravel())
            for j, name in enumerate(names)
        }
        frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in columns.items()})
        outputs[lo:hi] = np.asarray(output(frame), dtype=float).reshape(hi - lo, f + 1)
        if progress is not None:
            progress(hi, len(perms))
    before = np.take_along_axis(outputs, rank, axis=1)
    after = np.take_along_axis(outputs, rank + 1, axis=1)
    values = (after - before).mean(axis=0)
    base = float(outputs[:, 0].mean())
    return Contributions(tuple(names), values, base, float(outputs[0, f]), output_space, "sampling")
