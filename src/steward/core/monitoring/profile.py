"""Profiles: what a sample of data looks like, per feature, in counts that add.

A *reference* profile is built once, from the training or reference sample (:func:`build_reference`):
it infers each feature's kind and fixes its bins (edges at reference quantiles, two tail bins for values
below the reference minimum and above its maximum) and its categories (the most frequent, then an
"other" bucket for rare and unseen values). Every later profile is built *like* it
(:func:`profile_like`) with the same kinds, edges and categories, so profiles of windows, chunks and
partitions merge by adding counts: memory stays flat however many rows pass through.

Each numeric feature also keeps a finer histogram (the quantile *sketch*, ``sketch_bins`` bins at
reference quantiles that include the coarse edges, with the sum of the values in each bin): quantiles,
the Kolmogorov-Smirnov statistic and the Wasserstein distance are computed from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from steward.core.errors import InvalidInputError
from steward.core.monitoring.binning import Binner
from steward.core.monitoring.columns import (
    Data,
    FeatureKind,
    as_floats,
    as_strings,
    category_counts,
    column,
    column_names,
    infer_kind,
    numeric_column,
    pandas_dtype,
    row_count,
    top_categories,
    type_name,
)

__all__ = ["FeatureKind", "FeatureProfile", "Profile", "build_reference", "empty_like", "profile_like"]

PREDICTION = "__prediction__"
PROBA = "__proba__"
KINDS: tuple[str, ...] = ("numeric", "categorical", "boolean", "text")
#: Reference quantiles (the edges) come from a seeded subsample of this many values when there are more.
QUANTILE_SAMPLE = 200_000
#: Extra sketch edges at these quantiles (and 1 minus them): finer bins in the tails.
TAIL_LEVELS = (0.0002, 0.0005, 0.001, 0.002, 0.005)


@dataclass(frozen=True)
class FeatureProfile:
    name: str
    kind: FeatureKind
    count: int
    missing: int
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    categories: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    total: float
    total_sq: float
    #: The quantile sketch (numeric): finer edges at reference quantiles (the coarse ``edges`` among them),
    #: counts per bin (two tails included) and the sum of the values in each bin.
    sketch_edges: tuple[float, ...] = ()
    sketch_counts: tuple[int, ...] = ()
    sketch_sums: tuple[float, ...] = ()
    #: The Arrow types the values came in as (``double``, ``string``; several joined by ``|``).
    dtype: str = ""

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count and self.kind == "numeric" else None

    @property
    def std(self) -> float | None:
        """Population standard deviation (numeric)."""
        if not self.count or self.kind != "numeric":
            return None
        mean = self.total / self.count
        return float(np.sqrt(max(self.total_sq / self.count - mean * mean, 0.0)))

    @property
    def missing_rate(self) -> float:
        seen = self.count + self.missing
        return self.missing / seen if seen else 0.0

    def quantile(self, q: float) -> float | None:
        """The *q*-quantile, interpolated linearly inside the sketch's bins (``None`` without values)."""
        if self.kind != "numeric" or not self.count or self.minimum is None or self.maximum is None:
            return None
        if not 0.0 <= q <= 1.0:
            raise InvalidInputError(f"A quantile is between 0 and 1, not {q}.")
        edges = np.asarray(self.sketch_edges, dtype=np.float64)
        counts = np.asarray(self.sketch_counts, dtype=np.float64)
        if edges.size == 0:
            return self.minimum
        knots = np.concatenate(([min(self.minimum, edges[0])], edges, [max(self.maximum, edges[-1])]))
        cumulative = np.concatenate(([0.0], np.cumsum(counts)))
        knots = np.clip(knots, self.minimum, self.maximum)
        target = q * cumulative[-1]
        i = int(np.searchsorted(cumulative, target, side="left"))
        if i == 0:
            return float(knots[0])
        below, above = cumulative[i - 1], cumulative[i]
        share = (target - below) / (above - below) if above > below else 0.0
        return float(knots[i - 1] + share * (knots[i] - knots[i - 1]))

    def merge(self, other: FeatureProfile) -> FeatureProfile:
        if (self.name, self.kind, self.edges, self.categories, self.sketch_edges) != (
            other.name,
            other.kind,
            other.edges,
            other.categories,
            other.sketch_edges,
        ):
            raise InvalidInputError(
                f"Feature {self.name!r}: profiles made with different bins or categories cannot be merged; "
                "profile both windows with profile_like() from the same reference."
            )
        return replace(
            self,
            count=self.count + other.count,
            missing=self.missing + other.missing,
            counts=_add(self.counts, other.counts),
            minimum=_pick(min, self.minimum, other.minimum),
            maximum=_pick(max, self.maximum, other.maximum),
            total=self.total + other.total,
            total_sq=self.total_sq + other.total_sq,
            sketch_counts=_add(self.sketch_counts, other.sketch_counts),
            sketch_sums=tuple(a + b for a, b in zip(self.sketch_sums, other.sketch_sums, strict=True)),
            dtype=_union(self.dtype, other.dtype),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "count": self.count,
            "missing": self.missing,
            "edges": list(self.edges),
            "counts": list(self.counts),
            "categories": list(self.categories),
            "minimum": self.minimum,
            "maximum": self.maximum,
            "total": self.total,
            "total_sq": self.total_sq,
            "sketch_edges": list(self.sketch_edges),
            "sketch_counts": list(self.sketch_counts),
            "sketch_sums": list(self.sketch_sums),
            "dtype": self.dtype,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureProfile:
        try:
            kind = str(data["kind"])
            if kind not in KINDS:
                raise InvalidInputError(f"Unknown feature kind {kind!r}; expected one of {', '.join(KINDS)}.")
            return cls(
                name=str(data["name"]),
                kind=kind,  # type: ignore[arg-type]
                count=int(data["count"]),
                missing=int(data["missing"]),
                edges=tuple(float(v) for v in data["edges"]),
                counts=tuple(int(v) for v in data["counts"]),
                categories=tuple(str(v) for v in data["categories"]),
                minimum=None if data["minimum"] is None else float(data["minimum"]),
                maximum=None if data["maximum"] is None else float(data["maximum"]),
                total=float(data["total"]),
                total_sq=float(data["total_sq"]),
                sketch_edges=tuple(float(v) for v in data.get("sketch_edges", ())),
                sketch_counts=tuple(int(v) for v in data.get("sketch_counts", ())),
                sketch_sums=tuple(float(v) for v in data.get("sketch_sums", ())),
                dtype=str(data.get("dtype", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidInputError):
                raise
            raise InvalidInputError(
                f"Not a feature profile ({exc!r}); pass what to_dict() returned."
            ) from exc


@dataclass(frozen=True)
class Profile:
    rows: int
    features: Mapping[str, FeatureProfile]
    columns_seen: tuple[str, ...]
    #: The reference's settings, carried so windows can be profiled like it.
    bins: int = field(default=10, compare=False)

    def merge(self, other: Profile) -> Profile:
        """Counts add; associative and commutative; both must be profiled like the same reference."""
        if set(self.features) != set(other.features):
            raise InvalidInputError(
                "Profiles of different feature sets cannot be merged; profile both with profile_like() "
                "from the same reference."
            )
        return Profile(
            rows=self.rows + other.rows,
            features={name: fp.merge(other.features[name]) for name, fp in self.features.items()},
            columns_seen=tuple(sorted(set(self.columns_seen) | set(other.columns_seen))),
            bins=self.bins,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns_seen": list(self.columns_seen),
            "features": [fp.to_dict() for fp in self.features.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        try:
            features = [FeatureProfile.from_dict(item) for item in data["features"]]
            return cls(
                rows=int(data["rows"]),
                features={fp.name: fp for fp in features},
                columns_seen=tuple(str(c) for c in data["columns_seen"]),
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(
                f"Not a profile ({exc!r}); pass what Profile.to_dict() returned."
            ) from exc


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _pick(fn: Any, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else fn(a, b)


def _union(a: str, b: str) -> str:
    return "|".join(sorted((set(a.split("|")) | set(b.split("|"))) - {""}))


def _dtype(col: Any) -> str:
    return type_name(col)


def _search_edges(edges: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Edges for ``searchsorted(side="right")`` with the top edge nudged up: the maximum is inside."""
    nudged = edges.copy()
    if nudged.size:
        nudged[-1] = np.nextafter(nudged[-1], np.inf)
    return nudged


def _numeric(name: str, values: np.ndarray[Any, Any], template: FeatureProfile, dtype: str) -> FeatureProfile:
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
        total, total_sq = float(fine_sums.sum()), float(np.dot(x, x))
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


def _categorical(name: str, col: Any, template: FeatureProfile) -> FeatureProfile:
    counts, missing = category_counts(as_strings(col), template.categories)
    return replace(
        template,
        count=int(counts.sum()),
        missing=int(missing),
        counts=tuple(int(c) for c in counts),
        dtype=_dtype(col),
    )


def _empty(template: FeatureProfile) -> FeatureProfile:
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
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (), ()
    sample = finite
    if finite.size > QUANTILE_SAMPLE:  # edges from a seeded subsample; the extremes from every row
        sample = finite[np.random.default_rng(0).integers(0, finite.size, QUANTILE_SAMPLE)]
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


def _template(
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


def _profile_column(template: FeatureProfile, data: Data) -> FeatureProfile:
    name = template.name
    if template.kind == "numeric":
        floats = numeric_column(data, name)
        if floats is not None:  # pandas numbers: no detour through Arrow
            return _numeric(name, floats, template, pandas_dtype(data, name))
        col = column(data, name)
        return _numeric(name, as_floats(col), template, _dtype(col))
    return _categorical(name, column(data, name), template)


def build_reference(
    data: pd.DataFrame | pa.Table,
    *,
    kinds: Mapping[str, FeatureKind] | None = None,
    bins: int = 10,
    max_categories: int = 50,
    sketch_bins: int = 100,
) -> Profile:
    """The reference profile of *data*: kinds inferred (or given), edges and categories fixed once.

    Numeric edges are the reference's quantiles at ``0, 1/bins, ..., 1`` (the minimum and maximum are the
    first and last edge, so the two tail bins of the reference are empty and count out-of-range values
    later); categories are the ``max_categories`` most frequent values."""
    if bins < 1 or sketch_bins < 1 or max_categories < 1:
        raise InvalidInputError("bins, sketch_bins and max_categories are at least 1.")
    kinds = dict(kinds or {})
    names = column_names(data)
    unknown = sorted(set(kinds) - set(names))
    if unknown:
        raise InvalidInputError(f"kinds names columns the data does not have: {', '.join(unknown)}.")
    for name, kind in kinds.items():
        if kind not in KINDS:
            raise InvalidInputError(
                f"Feature {name!r}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}."
            )
    features: dict[str, FeatureProfile] = {}
    for name in names:
        floats = numeric_column(data, name)
        kind = kinds.get(name) or (
            ("boolean" if pandas_dtype(data, name) == "bool" else "numeric")
            if floats is not None
            else infer_kind(column(data, name), max_categories)
        )
        if floats is not None and kind == "numeric":
            template = _template(name, kind, floats, bins, sketch_bins, max_categories)
            features[name] = _numeric(name, floats, template, pandas_dtype(data, name))
        else:
            col = column(data, name)
            template = _template(name, kind, col, bins, sketch_bins, max_categories)
            features[name] = (
                _profile_column(template, data) if kind == "numeric" else _categorical(name, col, template)
            )
    return Profile(rows=row_count(data), features=features, columns_seen=tuple(sorted(names)), bins=bins)


def profile_like(reference: Profile, data: Data) -> Profile:
    """*data* profiled with the reference's kinds, edges and categories; never raises on odd data.

    A feature the data lacks gets ``count=0`` (and is absent from ``columns_seen``); all-missing,
    constant and unseen values are counted, not refused."""
    names = column_names(data)
    present = set(names)
    features = {
        name: _profile_column(template, data) if name in present else _empty(template)
        for name, template in reference.features.items()
    }
    return Profile(
        rows=row_count(data), features=features, columns_seen=tuple(sorted(present)), bins=reference.bins
    )


def empty_like(reference: Profile) -> Profile:
    """The profile of no rows: the identity for :meth:`Profile.merge`."""
    return Profile(
        rows=0,
        features={name: _empty(fp) for name, fp in reference.features.items()},
        columns_seen=(),
        bins=reference.bins,
    )
