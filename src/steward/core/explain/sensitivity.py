"""Sensitivity: partial dependence and ICE curves, and one-at-a-time ±1 standard deviation.

Partial dependence (PD) of feature *j* at value *v* is the mean output over the
rows with column *j* set to *v*; each row's own curve is its ICE (individual
conditional expectation) curve. The grid is the column's quantiles (5th to
95th percentile, evenly spaced in probability; observed values for integer
columns, the most frequent values for text and categories). PD here equals
``sklearn.inspection.partial_dependence(kind="average", method="brute")`` on the
same grid (tested to 1e-9). All grid copies of the rows are predicted in one
model call per feature.

One-at-a-time sensitivity moves one numeric column by +1 and -1 of its
standard deviation (over the rows given) and reports how the mean output moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.explain.output import OutputFn

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Curve:
    feature: str
    grid: tuple[Any, ...]
    average: np.ndarray  # (grid,) the partial dependence
    individual: np.ndarray  # (rows, grid) ICE curves


def grid_for(column: pd.Series, size: int) -> list[Any]:
    """Up to *size* grid points for a column: quantiles of numbers, the commonest other values."""
    values = column.dropna()
    if len(values) == 0:
        raise InvalidInputError(f"Column {column.name!r} has no values to build a grid from.")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        qs = np.linspace(0.05, 0.95, size)
        integer = pd.api.types.is_integer_dtype(values)
        points = np.quantile(values.to_numpy(), qs, method="nearest" if integer else "linear")
        return [v.item() for v in np.unique(points)]
    common = values.value_counts().index[:size]
    return sorted(common.tolist(), key=str)


def partial_dependence(
    output: OutputFn,
    frame: pd.DataFrame,
    features: list[str],
    *,
    grid_size: int = 20,
    progress: Progress | None = None,
) -> list[Curve]:
    """PD and ICE curves of each of *features* over *frame*'s rows."""
    if not 2 <= grid_size <= 200:
        raise InvalidInputError("grid_size is a whole number from 2 to 200.")
    frame = frame.reset_index(drop=True)
    n = len(frame)
    curves = []
    for done, name in enumerate(features, start=1):
        grid = grid_for(frame[name], grid_size)
        plain = np.tile(np.arange(n), len(grid))
        columns = {c: frame[c].take(plain).reset_index(drop=True) for c in frame.columns}
        columns[name] = _repeated(frame[name], grid, n)
        out = np.asarray(output(pd.DataFrame(columns)), dtype=float).reshape(len(grid), n)
        curves.append(Curve(name, tuple(grid), out.mean(axis=1), out.T.copy()))
        if progress is not None:
            progress(done, len(features))
    return curves


def _repeated(column: pd.Series, grid: list[Any], n: int) -> pd.Series:
    values = pd.Series(np.repeat(np.asarray(grid, dtype=object), n), name=column.name)
    if isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return values.astype(column.dtype)
    return values.infer_objects()


@dataclass(frozen=True)
class Sensitivity:
    features: tuple[str, ...]
    std: np.ndarray  # the step of each feature
    base: float  # mean output of the rows as they are
    up: np.ndarray  # mean output with the feature +1 std, minus base
    down: np.ndarray  # mean output with the feature -1 std, minus base
    skipped: tuple[str, ...]  # non-numeric columns


def one_at_a_time(
    output: OutputFn,
    frame: pd.DataFrame,
    features: list[str],
    *,
    reference: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> Sensitivity:
    """How the mean output over *frame* moves when each numeric feature moves ±1 standard deviation.

    The standard deviations are taken over *reference* (default: *frame*), so one
    row can be moved by the spread of the data it came from.
    """
    frame = frame.reset_index(drop=True)
    reference = frame if reference is None else reference
    n = len(frame)
    base = float(np.mean(output(frame)))
    numeric = [
        f
        for f in features
        if pd.api.types.is_numeric_dtype(frame[f]) and not pd.api.types.is_bool_dtype(frame[f])
    ]
    std, up, down = [], [], []
    for done, name in enumerate(numeric, start=1):
        values = frame[name].to_numpy(dtype=float)
        sd = float(np.nanstd(reference[name].to_numpy(dtype=float)))
        both = pd.concat([frame, frame], ignore_index=True)
        both[name] = np.concatenate([values + sd, values - sd])
        out = np.asarray(output(both), dtype=float)
        std.append(sd)
        up.append(float(out[:n].mean()) - base)
        down.append(float(out[n:].mean()) - base)
        if progress is not None:
            progress(done, len(numeric))
    skipped = tuple(f for f in features if f not in numeric)
    return Sensitivity(tuple(numeric), np.array(std), base, np.array(up), np.array(down), skipped)
