"""Plain-Python models for the live rollout test, importable by the ``steward serve`` process."""

from __future__ import annotations

import time
from typing import Any

import numpy as np


class Scorer:
    """Answers ``factor * x``, after sleeping *delay* seconds per call (a slow challenger); another
    factor makes a challenger whose predictions drift from the champion's."""

    def __init__(self, delay: float = 0.0, factor: float = 2.0) -> None:
        self.delay = delay
        self.factor = factor

    def predict(self, data: Any) -> Any:
        if self.delay:
            time.sleep(self.delay)
        return np.asarray(data["x"], dtype=np.float64) * self.factor
