from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError
from steward.core.monitoring.reservoir import RowSample, row_keys


def rows(count: int, seed: int, prefix: str) -> tuple[np.ndarray, pd.DataFrame]:
    frame = pd.DataFrame(np.random.default_rng(seed).normal(size=(count, 2)), columns=["a", "b"])
    ids = pd.Series([f"{prefix}{i // 3}" for i in range(count)])
    return row_keys(ids, pd.Series(np.arange(count) % 3)), frame


def test_a_sample_keeps_at_most_its_size_and_counts_every_row() -> None:
    keys, frame = rows(500, 1, "r")
    sample = RowSample.empty(("a", "b"), 40).add(keys, frame)
    assert len(sample.keys) == 40 and sample.values.shape == (40, 2) and sample.seen == 500
    assert sample.keys.max() <= np.sort(keys)[39]  # the 40 smallest keys


def test_merging_in_any_order_gives_the_sample_of_one_pass() -> None:
    (k1, f1), (k2, f2), (k3, f3) = rows(300, 1, "x"), rows(200, 2, "y"), rows(100, 3, "z")
    empty = RowSample.empty(("a", "b"), 64)
    one_pass = empty.add(np.concatenate([k1, k2, k3]), pd.concat([f1, f2, f3], ignore_index=True))
    pieces = empty.add(k3, f3).merge(empty.add(k1, f1).add(k2, f2))
    assert pieces.seen == one_pass.seen == 600
    order = np.argsort(one_pass.keys), np.argsort(pieces.keys)
    np.testing.assert_array_equal(one_pass.keys[order[0]], pieces.keys[order[1]])
    np.testing.assert_array_equal(one_pass.values[order[0]], pieces.values[order[1]])


def test_keys_depend_on_the_row_alone_and_spread_over_the_unit_interval() -> None:
    ids, numbers = pd.Series([f"r{i}" for i in range(2000)]), pd.Series(np.zeros(2000, dtype=int))
    keys = row_keys(ids, numbers)
    np.testing.assert_array_equal(keys, row_keys(ids, numbers))
    assert keys.min() >= 0.0 and keys.max() < 1.0
    assert np.histogram(keys, bins=4, range=(0, 1))[0].min() > 400  # about 500 a quarter
    assert len(np.unique(keys)) == 2000


def test_a_sample_round_trips_through_json_with_missing_values() -> None:
    keys, frame = rows(30, 4, "r")
    frame.loc[3, "a"] = np.nan
    sample = RowSample.empty(("a", "b", "absent"), 100).add(keys, frame)
    again = RowSample.from_dict(sample.to_dict())
    assert again.features == sample.features and again.seen == 30
    np.testing.assert_array_equal(again.values, sample.values)  # NaN where missing or absent
    assert np.isnan(again.values[:, 2]).all()


@pytest.mark.parametrize(
    "bad", [{}, {"features": ["a"], "size": 3, "seen": 1, "keys": [0.1, 0.2], "values": [[1.0]]}]
)
def test_a_damaged_sample_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match="row sample"):
        RowSample.from_dict(bad)


def test_samples_of_other_features_or_no_rows_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="different features"):
        RowSample.empty(("a",), 5).merge(RowSample.empty(("b",), 5))
    with pytest.raises(InvalidInputError, match="at least 1"):
        RowSample.empty(("a",), 0)
