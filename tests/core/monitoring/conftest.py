"""Generated data with known drift, shared by the monitoring statistics tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORIES = list("abcde")
SHARES = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
#: 8 points of category mass moved from the most to the least frequent category.
MOVED = np.array([0.32, 0.25, 0.15, 0.12, 0.16])


def frame(
    rows: int, seed: int, *, drift: bool = False, numeric: int = 20, categorical: int = 5
) -> pd.DataFrame:
    """``numeric`` standard normal and ``categorical`` 5-category features; with *drift*, features
    n0..n3 and c0 drift: mean +0.5 sd, mean +0.2 sd, scale x1.5, 5% of rows moved to +4 sd, and 8
    points of c0's category mass moved. The others never drift."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {f"n{i}": rng.normal(size=rows) for i in range(numeric)}
    for i in range(categorical):
        columns[f"c{i}"] = rng.choice(CATEGORIES, rows, p=SHARES)
    if drift:
        columns["n0"] = columns["n0"] + 0.5  # type: ignore[operator]
        columns["n1"] = columns["n1"] + 0.2  # type: ignore[operator]
        columns["n2"] = columns["n2"] * 1.5  # type: ignore[operator]
        tail = rng.random(rows) < 0.05
        columns["n3"] = np.where(tail, 4.0 + 0.1 * rng.normal(size=rows), columns["n3"])  # type: ignore[call-overload]
        columns["c0"] = rng.choice(CATEGORIES, rows, p=MOVED)
    return pd.DataFrame(columns)
