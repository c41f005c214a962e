"""The profile of one feature: counts over bins fixed by the reference, and how two of them merge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from steward.core.errors import InvalidInputError
from steward.core.monitoring.columns import FeatureKind

KINDS: tuple[str, ...] = ("numeric", "categorical", "boolean", "text")


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


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _pick(fn: Any, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else fn(a, b)


def _union(a: str, b: str) -> str:
    return "|".join(sorted((set(a.split("|")) | set(b.split("|"))) - {""}))
