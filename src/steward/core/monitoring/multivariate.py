"""Multivariate drift: PCA reconstruction error against the reference.

The reference's numeric features are standardised and projected onto the principal components that
explain ``variance`` of their variance; a row's error is the Euclidean distance between it and its
reconstruction from those components. When the relation between features changes (a correlation
breaks), rows leave the reference's subspace and the mean error rises, though no single feature's
distribution moved. The alarm threshold is learned from the reference itself: the mean error of each
of ``chunks`` reference chunks, then mean + 3 standard deviations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError

Array = np.ndarray[Any, Any]


class ReconstructionDrift:
    """PCA reconstruction-error drift detector; its fitted state is small and JSON-safe."""

    def __init__(
        self, variance: float = 0.65, chunks: int = 10, features: tuple[str, ...] | None = None
    ) -> None:
        self.variance = variance
        self.chunks = chunks
        self.features = features

    def _matrix(self, data: pd.DataFrame) -> Array:
        missing = [name for name in self.features_ if name not in data.columns]
        if missing:
            raise InvalidInputError(
                f"Multivariate drift needs the reference's numeric features; missing: {', '.join(missing)}."
            )
        values = np.column_stack(
            [
                pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                for name in self.features_
            ]
        )
        standard = (values - self.mean_) / self.scale_
        return np.where(np.isfinite(standard), standard, 0.0)  # a missing value sits at the reference mean

    def _errors(self, data: pd.DataFrame) -> Array:
        z = self._matrix(data)
        reconstructed = (z @ self.components_.T) @ self.components_
        return np.asarray(np.linalg.norm(z - reconstructed, axis=1))

    def fit(self, reference: pd.DataFrame) -> ReconstructionDrift:
        if not 0.0 < self.variance <= 1.0 or self.chunks < 2:
            raise InvalidInputError("variance is in (0, 1] and chunks at least 2.")
        names = self.features or tuple(
            str(c)
            for c in reference.columns
            if pd.api.types.is_numeric_dtype(reference[c].dtype)
            and not pd.api.types.is_bool_dtype(reference[c].dtype)
        )
        if len(names) < 2:
            raise InvalidInputError("Multivariate drift needs at least two numeric features.")
        if len(reference) < 2 * self.chunks:
            raise InvalidInputError(
                f"Fitting needs at least {2 * self.chunks} reference rows, got {len(reference)}."
            )
        self.features_ = tuple(names)
        values = np.column_stack([reference[n].to_numpy(dtype=np.float64, na_value=np.nan) for n in names])
        self.mean_ = np.nanmean(values, axis=0)
        scale = np.nanstd(values, axis=0)
        self.scale_ = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        self.mean_ = np.where(np.isfinite(self.mean_), self.mean_, 0.0)
        z = self._matrix(reference)
        eigenvalues, eigenvectors = np.linalg.eigh(z.T @ z / len(z))
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues, eigenvectors = np.clip(eigenvalues[order], 0.0, None), eigenvectors[:, order]
        explained = (
            np.cumsum(eigenvalues) / eigenvalues.sum() if eigenvalues.sum() > 0 else np.ones(len(names))
        )
        keep = int(np.searchsorted(explained, self.variance - 1e-12) + 1)
        self.components_ = eigenvectors[:, :keep].T
        chunk_errors = [float(part.mean()) for part in np.array_split(self._errors(reference), self.chunks)]
        self.reference_error_ = float(np.mean(chunk_errors))
        self.threshold_ = float(np.mean(chunk_errors) + 3 * np.std(chunk_errors, ddof=1))
        return self

    def score(self, data: pd.DataFrame) -> float:
        """The mean reconstruction error of *data*'s rows (NaN for no rows)."""
        if not hasattr(self, "components_"):
            raise InvalidInputError("Call fit() on the reference before scoring.")
        if len(data) == 0:
            return math.nan
        return float(self._errors(data).mean())

    def drifted(self, data: pd.DataFrame) -> bool:
        return self.score(data) > self.threshold_

    def to_dict(self) -> dict[str, Any]:
        return {
            "variance": self.variance,
            "chunks": self.chunks,
            "features": list(self.features_),
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "components": self.components_.tolist(),
            "reference_error": self.reference_error_,
            "threshold": self.threshold_,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReconstructionDrift:
        try:
            detector = cls(float(data["variance"]), int(data["chunks"]), tuple(data["features"]))
            detector.features_ = tuple(str(f) for f in data["features"])
            detector.mean_ = np.asarray(data["mean"], dtype=np.float64)
            detector.scale_ = np.asarray(data["scale"], dtype=np.float64)
            detector.components_ = np.asarray(data["components"], dtype=np.float64).reshape(
                -1, len(detector.features_)
            )
            detector.reference_error_ = float(data["reference_error"])
            detector.threshold_ = float(data["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"Not a fitted detector ({exc!r}); pass what to_dict() returned."
            ) from exc
        return detector
