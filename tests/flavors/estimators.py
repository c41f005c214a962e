"""Model classes the tests save by reference: they must live in an importable module."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class Doubler(TransformerMixin, BaseEstimator):
    """A custom transformer: multiplies its (numeric) input by a learned constant."""

    def fit(self, X: Any, y: Any = None) -> Doubler:
        self.factor_ = 2.0
        return self

    def transform(self, X: Any) -> Any:
        return np.asarray(X, dtype=float) * self.factor_


class Thresholder:
    """A plain object with predict and predict_proba (not a scikit-learn estimator)."""

    def __init__(self, column: str, cut: float) -> None:
        self.column = column
        self.cut = cut

    def predict_proba(self, frame: Any) -> Any:
        p = 1.0 / (1.0 + np.exp(-(frame[self.column].to_numpy() - self.cut)))
        return np.column_stack((1.0 - p, p))

    def predict(self, frame: Any) -> Any:
        return (self.predict_proba(frame)[:, 1] > 0.5).astype(np.int64)
