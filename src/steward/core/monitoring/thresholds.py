"""Drift thresholds learned from the reference's own variability instead of set by hand.

The reference data is cut into ``chunks`` consecutive chunks; each chunk is profiled like the reference
and compared with it, and a feature's threshold is the mean of its score over the chunks plus three
standard deviations. A chunk is smaller than the reference, so the learned threshold fits windows of
about the chunk's size (``len(data) / chunks`` rows): learn with chunks of your window size.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa

from steward.core.errors import InvalidInputError
from steward.core.monitoring.columns import row_count
from steward.core.monitoring.drift import DriftConfig, compare
from steward.core.monitoring.profile import Profile, profile_like


def learn_thresholds(
    reference: Profile, data: pd.DataFrame | pa.Table, *, chunks: int = 10, config: DriftConfig | None = None
) -> dict[str, float]:
    """Per feature, mean + 3 sigma of the configured method's score of each reference chunk.

    Pass the result as ``DriftConfig(thresholds=...)``."""
    rows = row_count(data)
    if chunks < 2 or rows < 2 * chunks:
        raise InvalidInputError(
            f"Learning thresholds needs chunks >= 2 and 2 rows a chunk ({rows} rows given)."
        )
    config = config or DriftConfig()
    bounds = np.linspace(0, rows, chunks + 1).astype(int)
    scores: dict[str, list[float]] = {name: [] for name in reference.features}
    for start, stop in itertools.pairwise(bounds):
        part = data.iloc[start:stop] if isinstance(data, pd.DataFrame) else data.slice(start, stop - start)
        for item in compare(reference, profile_like(reference, part), config).features:
            if np.isfinite(item.score):
                scores[item.feature].append(item.score)
    return {
        name: float(np.mean(values) + 3 * np.std(values, ddof=1))
        for name, values in scores.items()
        if len(values) > 1
    }
