"""A bounded, mergeable sample of a window's rows (for multivariate drift).

Each row gets a key from a hash of its identity (request id and row number); the sample keeps the
rows with the ``size`` smallest keys (a bottom-k sample). Because a hash is as good as a uniform
draw, every row is equally likely to be kept; because the key depends on the row alone, merging two
samples of disjoint rows and keeping the smallest keys gives exactly the sample of their union, in
any order: runs that read a window's files in several passes keep the same sample as one pass.
Memory is ``size`` rows, whatever the window's length.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError

Array = np.ndarray[Any, Any]


def row_keys(request_ids: pd.Series, rows: pd.Series) -> Array:
    """Keys in [0, 1) from a hash of (request id, row number): stable across runs and processes."""
    frame = pd.DataFrame({"r": request_ids.astype(str).to_numpy(), "n": rows.astype("int64").to_numpy()})
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    return np.asarray((hashed >> np.uint64(11)).astype(np.float64) / float(2**53))


@dataclass(frozen=True)
class RowSample:
    """At most ``size`` rows of ``features`` (raw values, NaN for missing) and how many rows were seen."""

    features: tuple[str, ...]
    size: int
    keys: Array
    values: Array
    seen: int = 0

    @classmethod
    def empty(cls, features: tuple[str, ...], size: int) -> RowSample:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidInputError("The sample size is a whole number of rows, at least 1.")
        return cls(tuple(features), size, np.empty(0), np.empty((0, len(features))))

    def add(self, keys: Array, frame: pd.DataFrame) -> RowSample:
        """This sample with *frame*'s rows offered (their *keys* from :func:`row_keys`)."""
        columns = [
            pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            if name in frame.columns
            else np.full(len(frame), np.nan)
            for name in self.features
        ]
        values = np.column_stack(columns) if columns else np.empty((len(frame), 0))
        return self._keep(np.asarray(keys, dtype=np.float64), values, len(frame))

    def merge(self, other: RowSample) -> RowSample:
        if other.features != self.features:
            raise InvalidInputError("Samples of different features cannot merge.")
        return self._keep(other.keys, other.values, other.seen)

    def _keep(self, keys: Array, values: Array, seen: int) -> RowSample:
        all_keys = np.concatenate([self.keys, keys])
        all_values = np.concatenate([self.values, values])
        if len(all_keys) > self.size:
            keep = np.argpartition(all_keys, self.size - 1)[: self.size]
            all_keys, all_values = all_keys[keep], all_values[keep]
        return RowSample(self.features, self.size, all_keys, all_values, self.seen + seen)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.values, columns=list(self.features))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "size": self.size,
            "seen": self.seen,
            "keys": self.keys.tolist(),
            "values": [[v if math.isfinite(v) else None for v in row] for row in self.values.tolist()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RowSample:
        try:
            features = tuple(str(f) for f in data["features"])
            values = np.asarray(data["values"], dtype=np.float64).reshape(-1, len(features))
            keys = np.asarray(data["keys"], dtype=np.float64)
            if len(keys) != len(values):
                raise ValueError("keys and values differ in length")
            return cls(features, int(data["size"]), keys, values, int(data["seen"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"Not a row sample ({exc!r}); pass what to_dict() returned.") from exc
