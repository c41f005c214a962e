"""Counting one column into a feature profile: the reference's edges and categories, then the counts.

The reference fixes a numeric feature's coarse edges and its sketch's finer edges
(:func:`make_template`); every later chunk is binned with them (:func:`count_numeric`, the hot path:
one float64 array, :class:`~steward.core.monitoring.binning.Binner`, ``np.bincount``), and a
categorical one is matched against the reference's categories (:func:`count_categorical`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from steward.core.monitoring.binning import Binner
from steward.core.monitoring.columns import (
    Data,
    FeatureKind,
    as_floats,
    as_strings,
    category_counts,
    column,
    numeric_column,
    pandas_dtype,
    top_categories,
    type_name,
)
from steward.core.monitoring.feature import FeatureProfile

KINDS: tuple[str, ...] = ("numeric", "categorical", "boolean", "text")
#: Reference quantiles (the edges) come from every k-th value, about this many, when there are more.
QUANTILE_SAMPLE = 200_000
#: Extra sketch edges at these quantiles (and 1 minus them): finer bins in the tails.
TAIL_LEVELS = (0.0002, 0.0005, 0.001, 0.002, 0.005)


def _dtype(col: Any) -> str:
    return type_name(col)


def _search_edges(edges: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Edges for ``searchsorted(side="right")`` with the top edge nudged up: the maximum is inside."""
    nudged = edges.copy()
    if nudged.size:
        nudged[-1] = np.nextafter(nudged[-1], np.inf)
    return nudged


def count_numeric(
    name: str, values: np.ndarray[Any, Any], template: FeatureProfile, dtype: str
) -> FeatureProfile:
    finite = np.isfinite(values)
    present = int(np.count_nonzero(finite))
    x = values if present == values.size else values[finite]
    fine = np.asarray(template.sketch_edges, dtype=np.float64)
    slots = fine.size + 1
    low: float | None = None
    high: float | None = None
    if x.size:
        fine_counts, fine_sums = Binner(fine).count(x)
        low, high = float(x.min()), float(x.max())
        # einsum, not np.dot: BLAS threads spin on small blocks and cost more than the sum itself
        total, total_sq = float(fine_sums.sum()), float(np.einsum("i,i->", x, x))
    else:
        fine_counts, fine_sums = np.zeros(slots, dtype=np.int64), np.zeros(slots)
        total = total_sq = 0.0
    return replace(
        template,
        count=present,
        missing=int(values.size - present),
        counts=tuple(int(v) for v in _coarse(fine_counts, fine, np.asarray(template.edges))),
        minimum=low,
        maximum=high,
        total=total,
        total_sq=total_sq,
        sketch_counts=tuple(int(v) for v in fine_counts),
        sketch_sums=tuple(float(v) for v in fine_sums),
        dtype=dtype,
    )


def _coarse(
    fine_counts: np.ndarray[Any, Any], fine: np.ndarray[Any, Any], coarse: np.ndarray[Any, Any]
) -> Any:
    """Coarse bin counts from the sketch's (the coarse edges are among the fine ones)."""
    if coarse.size == 0:
        return np.array([fine_counts.sum()])
    positions = np.searchsorted(fine, _search_edges(coarse))
    return np.add.reduceat(fine_counts, np.concatenate(([0], positions + 1)))


def count_categorical(name: str, col: Any, template: FeatureProfile) -> FeatureProfile:
    counts, missing = category_counts(col, template.categories)
    return replace(
        template,
        count=int(counts.sum()),
        missing=int(missing),
        counts=tuple(int(c) for c in counts),
        dtype=_dtype(col),
    )


def empty_feature(template: FeatureProfile) -> FeatureProfile:
    return replace(
        template,
        count=0,
        missing=0,
        counts=(0,) * len(template.counts),
        minimum=None,
        maximum=None,
        total=0.0,
        total_sq=0.0,
        sketch_counts=(0,) * len(template.sketch_counts),
        sketch_sums=(0.0,) * len(template.sketch_sums),
        dtype="",
    )


def _edges(
    values: np.ndarray[Any, Any], bins: int, sketch_bins: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Coarse edges (quantiles at 0, 1/bins, ..., 1) and the sketch's finer edges that include them.

    Quantiles are sample values (the inverted CDF). With at most ``sketch_bins + 1`` distinct values the
    sketch's edges are exactly those values. The sketch ends with one more edge just above the maximum,
    so its last bins hold the maximum and the values above it apart."""
    present = np.isfinite(values)
    finite = values if np.count_nonzero(present) == values.size else values[present]
    if finite.size == 0:
        return (), ()
    sample = finite
    if finite.size > QUANTILE_SAMPLE:  # edges from an even subsample; the extremes from every row
        sample = finite[:: finite.size // QUANTILE_SAMPLE]
    ordered = np.sort(sample)
    lowest, highest = float(finite.min()), float(finite.max())

    def at(levels: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        index = np.clip(np.ceil(levels * ordered.size).astype(np.int64) - 1, 0, ordered.size - 1)
        picked = ordered[index]
        picked[0], picked[-1] = lowest, highest
        return np.unique(picked)

    coarse = at(np.linspace(0.0, 1.0, bins + 1))
    if coarse.size == 1:  # a constant: one inner bin [c, c] between the two tails
        coarse = np.concatenate((coarse, coarse))
    tails = np.array(TAIL_LEVELS)
    fine = np.union1d(
        coarse, at(np.concatenate((np.linspace(0.0, 1.0, sketch_bins + 1), tails, 1.0 - tails)))
    )
    if fine.size < sketch_bins + 1:  # ties: perhaps few distinct values, then keep them all
        distinct = np.unique(finite)
        if distinct.size <= sketch_bins + 1:
            fine = distinct
    fine = np.append(fine, np.nextafter(fine[-1], np.inf))
    return tuple(float(v) for v in coarse), tuple(float(v) for v in fine)


def make_template(
    name: str, kind: FeatureKind, col: Any, bins: int, sketch_bins: int, max_categories: int
) -> FeatureProfile:
    """A feature's empty profile with its edges or categories fixed from the reference column *col*."""
    edges: tuple[float, ...] = ()
    fine_edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    if kind == "numeric":
        values = col if isinstance(col, np.ndarray) else as_floats(col)
        edges, fine_edges = _edges(values, bins, sketch_bins)
    else:
        categories = top_categories(as_strings(col), max_categories)
    slots = len(categories) + 1 if kind != "numeric" else len(edges) + 1
    return FeatureProfile(
        name=name,
        kind=kind,
        count=0,
        missing=0,
        edges=edges,
        counts=(0,) * slots,
        categories=categories,
        minimum=None,
        maximum=None,
        total=0.0,
        total_sq=0.0,
        sketch_edges=fine_edges,
        sketch_counts=(0,) * (len(fine_edges) + 1),
        sketch_sums=(0.0,) * (len(fine_edges) + 1),
    )


def profile_column(template: FeatureProfile, data: Data) -> FeatureProfile:
    name = template.name
    if template.kind == "numeric":
        floats = numeric_column(data, name)
        if floats is not None:  # pandas numbers: no detour through Arrow
            return count_numeric(name, floats, template, pandas_dtype(data, name))
        col = column(data, name)
        return count_numeric(name, as_floats(col), template, _dtype(col))
    return count_categorical(name, column(data, name), template)
