from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def table() -> tuple[pd.DataFrame, np.ndarray]:
    """Four float features; the label depends on a strongly, b weakly, c and d not at all."""
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.normal(size=(240, 4)), columns=["a", "b", "c", "d"])
    y = (x["a"] + 0.5 * x["b"] + 0.3 * rng.normal(size=240) > 0).astype(int).to_numpy()
    return x, y
