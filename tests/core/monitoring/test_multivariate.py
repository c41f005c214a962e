from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError
from steward.core.monitoring.drift import compare
from steward.core.monitoring.multivariate import ReconstructionDrift
from steward.core.monitoring.profile import build_reference, profile_like


def correlated(rows: int, rng: np.random.Generator, *, broken: bool = False) -> pd.DataFrame:
    a = rng.normal(size=rows)
    b = rng.normal(size=rows) if broken else 0.95 * a + np.sqrt(1 - 0.95**2) * rng.normal(size=rows)
    return pd.DataFrame({"a": a, "b": b, "c": rng.normal(size=rows), "label": rng.choice(["x", "y"], rows)})


def test_a_broken_correlation_is_caught_though_no_feature_drifts():
    rng = np.random.default_rng(0)
    reference = correlated(20_000, rng)
    detector = ReconstructionDrift().fit(reference)
    assert detector.features_ == ("a", "b", "c")
    same, broken = correlated(5_000, rng), correlated(5_000, rng, broken=True)
    assert detector.score(same) <= detector.threshold_
    assert detector.score(broken) > detector.threshold_ and detector.drifted(broken)
    profile = build_reference(reference)
    univariate = compare(profile, profile_like(profile, broken))
    assert not any(f.drifted for f in univariate.features)  # each feature alone looks the same


def test_state_is_small_json_and_round_trips():
    rng = np.random.default_rng(1)
    detector = ReconstructionDrift().fit(correlated(2_000, rng))
    text = json.dumps(detector.to_dict())
    assert len(text) < 2_000
    again = ReconstructionDrift.from_dict(json.loads(text))
    data = correlated(300, rng)
    assert again.score(data) == pytest.approx(detector.score(data))
    assert again.threshold_ == detector.threshold_


def test_bad_input_says_what_is_wrong():
    rng = np.random.default_rng(2)
    detector = ReconstructionDrift().fit(correlated(1_000, rng))
    with pytest.raises(InvalidInputError, match="missing: b"):
        detector.score(correlated(10, rng).drop(columns=["b"]))
    assert np.isnan(detector.score(correlated(10, rng).iloc[:0]))
    with pytest.raises(InvalidInputError, match="two numeric"):
        ReconstructionDrift().fit(pd.DataFrame({"a": np.arange(100.0)}))
    with pytest.raises(InvalidInputError, match="fit"):
        ReconstructionDrift().score(correlated(10, rng))
    with_gaps = correlated(100, rng)
    with_gaps.loc[:10, "a"] = np.nan  # missing values sit at the reference mean: still a number
    assert np.isfinite(detector.score(with_gaps))
