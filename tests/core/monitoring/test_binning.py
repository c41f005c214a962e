from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as s
from hypothesis.extra import numpy as hnp

from steward.core.monitoring.binning import BLOCK, Binner


@pytest.mark.parametrize(
    "sample",
    [
        lambda rng, n: rng.normal(size=n),
        lambda rng, n: rng.lognormal(0, 2, size=n),  # edges too uneven: the searchsorted fallback
        lambda rng, n: rng.integers(0, 5, n).astype(float),
        lambda rng, n: rng.normal(size=n) * 10,  # mostly outside the edges
    ],
)
def test_binning_is_exactly_searchsorted(sample):
    rng = np.random.default_rng(0)
    edges = np.unique(np.quantile(sample(rng, 10_000), np.linspace(0, 1, 101)))
    values = sample(rng, 3 * BLOCK + 17)
    counts, sums = Binner(edges).count(values)
    index = np.searchsorted(edges, values, side="right")
    assert counts.tolist() == np.bincount(index, minlength=edges.size + 1).tolist()
    assert sums == pytest.approx(np.bincount(index, weights=values, minlength=edges.size + 1))


finite = s.floats(-1e9, 1e9, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(np.float64, s.integers(2, 40), elements=finite, unique=True),
    hnp.arrays(np.float64, 200, elements=finite),
)
def test_any_edges_and_values_bin_like_searchsorted(edges, values):
    edges = np.sort(edges)
    assert Binner(edges).index(values).tolist() == np.searchsorted(edges, values, side="right").tolist()
    assert Binner(edges).index(edges).tolist() == np.searchsorted(edges, edges, side="right").tolist()
