from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from steward.core.errors import InvalidInputError
from steward.core.monitoring.profile import Profile, build_reference, empty_like, profile_like

from .conftest import frame


def mixed(rows: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=rows),
            "k": rng.integers(0, 5, rows),
            "flag": rng.random(rows) > 0.3,
            "city": rng.choice(["paris", "oslo", "rome"], rows),
            "id": [f"user-{i}" for i in range(rows)],
            "const": np.ones(rows),
        }
    )


def test_kinds_are_inferred_once_at_the_reference():
    reference = build_reference(mixed())
    kinds = {name: fp.kind for name, fp in reference.features.items()}
    assert kinds == {
        "x": "numeric",
        "k": "numeric",
        "flag": "boolean",
        "city": "categorical",
        "id": "text",
        "const": "numeric",
    }


def test_reference_bins_are_quantiles_with_empty_tails():
    data = mixed()
    fp = build_reference(data).features["x"]
    assert fp.edges[0] == data["x"].min() and fp.edges[-1] == data["x"].max()
    assert len(fp.counts) == len(fp.edges) + 1
    assert fp.counts[0] == 0 and fp.counts[-1] == 0
    inner = np.array(fp.counts[1:-1])
    assert inner.sum() == len(data)
    assert inner.max() - inner.min() <= 2  # deciles: equal counts
    assert fp.minimum == data["x"].min() and fp.maximum == data["x"].max()
    assert fp.total == pytest.approx(data["x"].sum())
    assert fp.std == pytest.approx(data["x"].std(ddof=0))


def test_quantiles_from_the_sketch_are_within_one_bin_of_the_data():
    data = frame(50_000, seed=3, numeric=1, categorical=0)
    values = np.sort(data["n0"].to_numpy())
    fp = build_reference(data).features["n0"]
    for q in (0.0005, 0.01, 0.25, 0.5, 0.9, 0.999):
        estimate = fp.quantile(q)
        assert estimate is not None
        rank = np.searchsorted(values, estimate) / values.size  # the share of values below the estimate
        assert abs(rank - q) <= 0.005, q
        assert estimate == pytest.approx(np.quantile(values, q), abs=0.05)
    assert fp.quantile(0.0) == data["n0"].min() and fp.quantile(1.0) == data["n0"].max()


def test_categories_keep_the_frequent_values_and_an_other_bucket():
    data = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 5})
    fp = build_reference(data, max_categories=2).features["c"]
    assert fp.categories == ("a", "b")
    assert fp.counts == (50, 30, 20)
    window = profile_like(build_reference(data, max_categories=2), pd.DataFrame({"c": ["a", "zzz", None]}))
    assert window.features["c"].counts == (1, 0, 1)
    assert window.features["c"].missing == 1


def test_a_window_is_profiled_with_the_reference_bins():
    reference = build_reference(mixed(seed=0))
    window = profile_like(reference, mixed(500, seed=1))
    for name, fp in window.features.items():
        assert fp.edges == reference.features[name].edges
        assert fp.categories == reference.features[name].categories
        assert sum(fp.counts) == fp.count == 500


def test_odd_windows_are_counted_not_refused():
    reference = build_reference(mixed())
    odd = pd.DataFrame(
        {
            "x": [np.nan] * 4,  # all missing
            "k": ["1", "2", "three", None],  # strings where numbers were
            "city": ["paris", "berlin", "berlin", None],  # an unseen category
            "extra": [1, 2, 3, 4],
        }
    )
    window = profile_like(reference, odd)
    assert window.features["x"].count == 0 and window.features["x"].missing == 4
    assert window.features["k"].count == 2 and window.features["k"].missing == 2
    assert window.features["k"].dtype == "string"
    assert window.features["city"].counts[-1] == 2
    assert window.features["flag"].count == 0 and "flag" not in window.columns_seen
    assert "extra" in window.columns_seen
    empty = profile_like(reference, mixed().iloc[:0])
    assert empty.rows == 0 and all(fp.count == 0 for fp in empty.features.values())


def test_out_of_range_values_land_in_the_tail_bins():
    reference = build_reference(mixed())
    fp = profile_like(reference, pd.DataFrame({"x": [-100.0, 0.0, 100.0, 200.0]})).features["x"]
    assert fp.counts[0] == 1 and fp.counts[-1] == 2
    assert fp.sketch_counts[0] == 1 and fp.sketch_counts[-1] == 2


def test_arrow_input_profiles_the_same_as_pandas():
    data = mixed()
    reference = build_reference(data)
    assert profile_like(reference, pa.Table.from_pandas(data)).features["x"] == reference.features["x"]
    from_arrow = profile_like(reference, pa.Table.from_pandas(data))
    for name in ("city", "flag", "id", "k"):
        assert from_arrow.features[name].counts == reference.features[name].counts


def test_to_dict_is_small_json_and_round_trips():
    reference = build_reference(frame(100_000, seed=1))
    text = json.dumps(reference.to_dict())
    assert len(text) < 200_000  # no raw rows: about 5 kB a feature
    assert Profile.from_dict(json.loads(text)) == reference


def test_merge_adds_counts_and_refuses_other_bins():
    data = mixed()
    reference = build_reference(data)
    halves = profile_like(reference, data.iloc[:700]).merge(profile_like(reference, data.iloc[700:]))
    whole = profile_like(reference, data)
    for name, fp in whole.features.items():
        assert halves.features[name].counts == fp.counts
        assert halves.features[name].sketch_counts == fp.sketch_counts
        assert halves.features[name].minimum == fp.minimum
    assert empty_like(reference).merge(whole) == whole
    other = build_reference(mixed(seed=9))
    with pytest.raises(InvalidInputError, match="profile_like"):
        whole.merge(profile_like(other, data))


def test_bad_reference_arguments_say_what_to_fix():
    with pytest.raises(InvalidInputError, match="kinds names columns"):
        build_reference(mixed(), kinds={"nope": "numeric"})
    with pytest.raises(InvalidInputError, match="unknown kind"):
        build_reference(mixed(), kinds={"x": "weird"})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError, match="Not a profile"):
        Profile.from_dict({"rows": 1})


def test_dictionary_encoded_categories_count_like_plain_strings():
    reference = build_reference(pd.DataFrame({"c": ["a", "b", "b", "c", "c", "c"]}))
    encoded = pa.chunked_array(
        [
            pa.DictionaryArray.from_arrays(
                pa.array([0, 1, None, 2, 3], pa.int32()), pa.array(["a", "b", "zz", "c"])
            ),
            pa.DictionaryArray.from_arrays(pa.array([0, 0], pa.int32()), pa.array(["c", "q"])),
        ]
    )
    plain = pa.table({"c": ["a", "b", None, "zz", "c", "c", "c"]})
    assert (
        profile_like(reference, pa.table({"c": encoded})).features["c"]
        == profile_like(reference, plain).features["c"]
    )
    categorical = pd.DataFrame({"c": pd.Categorical(["a", None, "zz"])})
    assert profile_like(reference, categorical).features["c"].counts == (0, 0, 1, 1)


def test_polars_frames_profile_like_pandas_and_other_things_are_refused():
    polars = pytest.importorskip("polars")
    data = mixed()
    reference = build_reference(polars.from_pandas(data))
    assert reference.features["x"] == build_reference(data).features["x"]
    assert profile_like(reference, polars.from_pandas(data)).features["city"].counts == (
        reference.features["city"].counts
    )
    with pytest.raises(InvalidInputError, match="pandas or polars DataFrame"):
        profile_like(reference, [[1, 2, 3]])  # type: ignore[arg-type]
