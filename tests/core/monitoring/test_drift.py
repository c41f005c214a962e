from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError
from steward.core.monitoring.drift import DriftConfig, compare
from steward.core.monitoring.profile import PREDICTION, build_reference, profile_like
from steward.core.monitoring.thresholds import learn_thresholds

from .conftest import frame

DRIFTED = {"n0", "n1", "n2", "n3", "c0"}


@pytest.fixture(scope="module")
def million():
    """A reference and a drifted window of 1,000,000 rows each (20 numeric + 5 categorical)."""
    reference = build_reference(frame(1_000_000, seed=1))
    window = profile_like(reference, frame(1_000_000, seed=2, drift=True))
    return reference, window


@pytest.mark.slow
def test_every_drifted_feature_is_flagged_and_no_undrifted_one_over_a_million_rows(million):
    report = compare(*million)
    flagged = {f.feature for f in report.features if f.drifted}
    assert flagged == DRIFTED
    assert report.drifted_share == pytest.approx(5 / 25)
    assert not report.dataset_drift


@pytest.mark.slow
@pytest.mark.parametrize("method", ["wasserstein", "psi", "ks", "jensenshannon"])
def test_every_numeric_method_leaves_the_undrifted_features_alone(million, method):
    report = compare(*million, DriftConfig(numeric_method=method))
    quiet = [f for f in report.features if f.feature not in DRIFTED]
    assert not any(f.drifted for f in quiet)
    assert report.feature("n0").drifted  # a 0.5 sd shift passes every method's threshold


@pytest.mark.slow
def test_the_tail_moved_far_out_is_seen_by_the_tail_bins(million):
    tail = compare(*million).feature("n3")
    assert tail.drifted
    # 5% of rows at +4 sd: PSI on quantile bins barely moves, the tail bins and W1 do
    assert tail.statistics["psi"] < 0.1
    assert tail.statistics["wasserstein"] > 0.15


@pytest.mark.slow
def test_p_values_are_adjusted_for_the_number_of_features(million):
    report = compare(*million)
    raw = [f.p_value for f in report.features]
    adjusted = [f.p_adjusted for f in report.features]
    assert all(a is not None and r is not None and a >= r for r, a in zip(raw, adjusted, strict=True))


def test_small_windows_do_not_flag_noise():
    reference = build_reference(frame(20_000, seed=1))
    flagged = 0
    for seed in range(5):
        report = compare(reference, profile_like(reference, frame(60, seed=100 + seed)))
        flagged += sum(f.drifted for f in report.features)
    assert flagged == 0
    effect_only = compare(
        reference, profile_like(reference, frame(60, seed=7)), DriftConfig(decision="effect")
    )
    assert any(f.drifted for f in effect_only.features)  # the effect size alone is noisy on 60 rows


def test_per_feature_thresholds_and_importance_weighting():
    reference = build_reference(frame(20_000, seed=1, numeric=4, categorical=1))
    window = profile_like(reference, frame(20_000, seed=2, drift=True, numeric=4, categorical=1))
    default = compare(reference, window)
    assert default.feature("n0").drifted
    relaxed = compare(reference, window, DriftConfig(thresholds={"n0": 0.9}))
    assert not relaxed.feature("n0").drifted and relaxed.feature("n0").threshold == 0.9
    weighted = compare(reference, window, importance={"n0": 3.0, "n1": 1.0})
    assert weighted.weighted_score == pytest.approx(1.0)  # both important features drift
    assert weighted.dataset_drift
    light = compare(reference, window, importance={"n0": 0.0, "n1": 0.0, "c0": 0.0, "n2": 1.0})
    assert light.weighted_score == pytest.approx(1.0)
    with pytest.raises(InvalidInputError, match="non-negative"):
        compare(reference, window, importance={"n0": -1.0})


def test_bad_configuration_says_what_to_use():
    with pytest.raises(InvalidInputError, match="wasserstein"):
        DriftConfig(numeric_method="anderson")
    with pytest.raises(InvalidInputError, match="chi2"):
        DriftConfig(categorical_method="ks")
    with pytest.raises(InvalidInputError, match="both"):
        DriftConfig(decision="vote")
    with pytest.raises(InvalidInputError, match="finite"):
        DriftConfig(thresholds={"x": math.nan})


def test_odd_windows_complete_with_notes_for_what_is_wrong():
    reference = build_reference(frame(5_000, seed=1, numeric=3, categorical=1))
    data = frame(500, seed=2, numeric=3, categorical=1).drop(columns=["n1"])
    data["n2"] = np.nan
    data["c0"] = "never-seen"
    report = compare(reference, profile_like(reference, data))
    assert "missing column" in report.feature("n1").note and math.isnan(report.feature("n1").score)
    assert "all missing" in report.feature("n2").note
    assert report.feature("c0").drifted and report.feature("c0").out_of_range == 1.0
    assert not report.feature("n0").drifted
    json.dumps(report.to_dict())  # NaN scores become null
    empty = compare(reference, profile_like(reference, data.iloc[:0]))
    assert not empty.dataset_drift and all(f.note for f in empty.features)


def test_prediction_drift_is_reported_apart_from_the_inputs():
    rng = np.random.default_rng(0)
    ref_data = pd.DataFrame(
        {"x": rng.normal(size=5000), PREDICTION: rng.choice(["yes", "no"], 5000, p=[0.2, 0.8])}
    )
    cur_data = pd.DataFrame(
        {"x": rng.normal(size=5000), PREDICTION: rng.choice(["yes", "no"], 5000, p=[0.5, 0.5])}
    )
    reference = build_reference(ref_data)
    report = compare(reference, profile_like(reference, cur_data))
    assert [f.feature for f in report.prediction] == [PREDICTION]
    assert report.prediction[0].drifted
    assert report.drifted_share == 0.0  # outputs do not count among the drifted inputs


def test_thresholds_learned_from_reference_chunks_flag_drift_and_spare_the_rest():
    data = frame(40_000, seed=1, numeric=4, categorical=1)
    reference = build_reference(data)
    learned = learn_thresholds(reference, data, chunks=10)
    assert set(learned) == set(reference.features)
    assert all(0 < v < 0.1 for v in learned.values())  # 4,000-row chunks vary far less than the defaults
    config = DriftConfig(thresholds=learned, decision="effect")
    drifted = compare(
        reference, profile_like(reference, frame(4_000, seed=2, drift=True, numeric=4, categorical=1)), config
    )
    assert {f.feature for f in drifted.features if f.drifted} == {"n0", "n1", "n2", "n3", "c0"}
    quiet = compare(
        reference, profile_like(reference, frame(4_000, seed=3, numeric=4, categorical=1)), config
    )
    assert sum(f.drifted for f in quiet.features) <= 1  # mean + 3 sigma: a rare false alarm is expected
    with pytest.raises(InvalidInputError, match="chunks"):
        learn_thresholds(reference, data.head(5), chunks=10)


def test_constant_columns_complete_and_say_so():
    rng = np.random.default_rng(5)
    reference_frame = pd.DataFrame({"flat": np.full(2_000, 3.0), "x": rng.normal(size=2_000)})
    reference = build_reference(reference_frame)
    assert reference.features["flat"].edges == (3.0, 3.0) and reference.features["flat"].std == 0.0
    same = compare(reference, profile_like(reference, reference_frame.head(500)))
    assert not same.feature("flat").drifted and same.feature("flat").score == 0.0
    moved = pd.DataFrame({"flat": np.full(500, 4.0), "x": np.full(500, 0.1)})
    report = compare(reference, profile_like(reference, moved))
    flat = report.feature("flat")
    assert flat.drifted and flat.statistics["wasserstein"] == pytest.approx(1.0)  # not normed: sd is 0
    assert flat.out_of_range == 1.0
    assert report.feature("x").drifted  # a constant window of a varied feature
