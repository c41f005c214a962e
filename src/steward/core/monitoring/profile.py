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
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from steward.core.errors import InvalidInputError
from steward.core.monitoring.columns import (
    Data,
    FeatureKind,
    as_floats,
    column,
    column_names,
    infer_kind,
    numeric_column,
    pandas_dtype,
    row_count,
    tabular,
    type_name,
)
from steward.core.monitoring.counting import (
    count_categorical,
    count_numeric,
    empty_feature,
    make_template,
    profile_column,
)
from steward.core.monitoring.feature import KINDS, FeatureProfile

__all__ = ["FeatureKind", "FeatureProfile", "Profile", "build_reference", "empty_like", "profile_like"]

PREDICTION = "__prediction__"
PROBA = "__proba__"


@dataclass(frozen=True)
class Profile:
    rows: int
    features: Mapping[str, FeatureProfile]
    columns_seen: tuple[str, ...]

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
    data = tabular(data)
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
            template = make_template(name, kind, floats, bins, sketch_bins, max_categories)
            features[name] = count_numeric(name, floats, template, pandas_dtype(data, name))
        elif kind == "numeric":  # Arrow numbers, or values to read as numbers: converted once
            col = column(data, name)
            values = as_floats(col)
            template = make_template(name, kind, values, bins, sketch_bins, max_categories)
            features[name] = count_numeric(name, values, template, type_name(col))
        else:
            col = column(data, name)
            template = make_template(name, kind, col, bins, sketch_bins, max_categories)
            features[name] = count_categorical(name, col, template)
    return Profile(rows=row_count(data), features=features, columns_seen=tuple(sorted(names)))


def profile_like(reference: Profile, data: Data) -> Profile:
    """*data* profiled with the reference's kinds, edges and categories; never raises on odd data.

    A feature the data lacks gets ``count=0`` (and is absent from ``columns_seen``); all-missing,
    constant and unseen values are counted, not refused."""
    data = tabular(data)
    names = column_names(data)
    present = set(names)
    features = {
        name: profile_column(template, data) if name in present else empty_feature(template)
        for name, template in reference.features.items()
    }
    return Profile(rows=row_count(data), features=features, columns_seen=tuple(sorted(present)))


def empty_like(reference: Profile) -> Profile:
    """The profile of no rows: the identity for :meth:`Profile.merge`."""
    return Profile(
        rows=0,
        features={name: empty_feature(fp) for name, fp in reference.features.items()},
        columns_seen=(),
    )
