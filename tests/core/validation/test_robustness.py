"""Stability, invariance, latency and the data contract on small real models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward.core.errors import InvalidInputError
from steward.core.signature import infer_signature
from steward.core.validation.contract import contract_violations
from steward.core.validation.robustness import invariance, missing_stability, noise_stability, p95_latency_ms


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)  # not the checks' own seed (0): the noise must not copy the data
    return pd.DataFrame(
        {
            "a": rng.normal(size=500),
            "b": rng.normal(size=500),
            "n": rng.integers(0, 5, 500),
            "id": np.arange(500),
        }
    )


def threshold_on_a(x: pd.DataFrame) -> Any:
    return (x["a"].to_numpy() > 0).astype(int)


def test_noise_changes_only_rows_near_the_boundary(frame: pd.DataFrame) -> None:
    base = threshold_on_a(frame)
    small = noise_stability(threshold_on_a, frame, base, scale=0.05)
    large = noise_stability(threshold_on_a, frame, base, scale=1.0)
    assert 0 < small.changed < 0.05 < large.changed
    assert small.perturbed == ("a", "b", "n", "id") and small.rows == 500
    assert noise_stability(threshold_on_a, frame, base, scale=0.05) == small  # seeded


def test_missing_values_and_a_model_that_refuses_them(frame: pd.DataFrame) -> None:
    def tolerant(x: pd.DataFrame) -> Any:
        return (x["a"].fillna(0).to_numpy() > 0).astype(int)

    found = missing_stability(tolerant, frame, tolerant(frame), rate=0.2)
    assert 0.02 < found.changed < 0.2 and found.perturbed == ("a", "b")
    model = LogisticRegression().fit(frame[["a", "b"]], threshold_on_a(frame))
    with pytest.raises(ValueError, match="NaN"):
        missing_stability(model.predict, frame[["a", "b"]], model.predict(frame[["a", "b"]]))
    with pytest.raises(InvalidInputError, match="No float features"):
        missing_stability(tolerant, frame[["n"]], None)


def test_invariance_catches_a_model_that_reads_a_declared_feature(frame: pd.DataFrame) -> None:
    base = threshold_on_a(frame)
    assert invariance(threshold_on_a, frame, base, ["id", "b"]).changed == 0.0
    assert invariance(threshold_on_a, frame, base, ["a"]).changed > 0.3
    with pytest.raises(InvalidInputError, match="'zz'"):
        invariance(threshold_on_a, frame, base, ["zz"])


def test_regression_changes_count_beyond_a_tolerance(frame: pd.DataFrame) -> None:
    def linear(x: pd.DataFrame) -> Any:
        return x["a"].to_numpy() * 2.0

    base = linear(frame)
    assert noise_stability(linear, frame, base, scale=0.01, tolerance=1.0).changed == 0.0
    assert noise_stability(linear, frame, base, scale=0.01, tolerance=None).changed == 1.0


def test_p95_latency_uses_the_clock_given() -> None:
    ticks = iter(np.arange(0.0, 10.0, 0.001))
    calls: list[int] = []

    def predict(x: pd.DataFrame) -> Any:
        calls.append(len(x))
        return np.zeros(len(x))

    p95, samples = p95_latency_ms(
        predict, pd.DataFrame({"a": range(30)}), lambda: float(next(ticks)), samples=20
    )
    assert samples == 20 and calls == [1] * 21  # one warm-up, then one row at a time
    assert p95 == pytest.approx(1.0)


def test_contract_violations(frame: pd.DataFrame) -> None:
    signature = infer_signature(frame[["a", "n"]])
    assert contract_violations(frame, signature) == []
    assert contract_violations(frame.assign(n=frame["n"].astype(float)), signature) == [
        "column 'n' is float64, the signature says int64"
    ]
    holed = frame.assign(a=frame["a"].where(frame.index > 2))
    assert contract_violations(holed, signature) == ["column 'a' has 3 missing value(s) but is not optional"]
    assert contract_violations(frame[["n"]], signature) == ["column 'a' is missing"]
    assert contract_violations(frame.assign(a=frame["n"]), signature) == []  # ints widen to floats
