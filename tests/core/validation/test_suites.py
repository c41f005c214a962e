"""Suites parse into frozen checks with clear errors, round-trip, and default per task."""

from __future__ import annotations

import dataclasses

import pytest

from steward.core.errors import InvalidInputError
from steward.core.validation.suites import KINDS, Check, default_suite, load_suite, parse_suite

SUITE = """
task: binary
checks:
  - {check: metric, metric: roc_auc, min: 0.8}
  - {check: metric, metric: recall, min: 0.6, by: region}
  - {check: no_regression, metric: log_loss, tolerance: 0.01, confidence: 0.9, resamples: 200}
  - {check: fairness, metric: demographic_parity_ratio}
  - {check: fairness, metric: equalized_odds_difference, features: sex}
  - {check: calibration, bins: 15}
  - {check: noise_stability, scale: 0.1}
  - {check: missing_stability}
  - {check: invariance, features: [id]}
  - {check: data_contract}
  - {check: latency, max: 25}
"""


def test_a_full_suite_parses_with_defaults_and_round_trips() -> None:
    suite = load_suite(SUITE)
    assert suite.task == "binary"
    assert suite.names == [
        "metric:roc_auc",
        "metric:recall@region",
        "no_regression:log_loss",
        "fairness:demographic_parity_ratio",
        "fairness:equalized_odds_difference",
        "calibration",
        "noise_stability",
        "missing_stability",
        "invariance",
        "data_contract",
        "latency",
    ]
    by = dict(zip(suite.names, suite.checks, strict=True))
    assert by["fairness:demographic_parity_ratio"].min == 0.8  # the four-fifths rule by default
    assert by["fairness:equalized_odds_difference"].max == 0.1
    assert by["fairness:equalized_odds_difference"].features == ("sex",)
    assert by["calibration"].max == 0.1 and by["calibration"].bins == 15
    assert by["no_regression:log_loss"].confidence == 0.9 and by["no_regression:log_loss"].tolerance == 0.01
    assert by["invariance"].max == 0.0
    assert parse_suite(suite.to_dict()) == suite
    with pytest.raises(dataclasses.FrozenInstanceError):
        suite.checks[0].min = 0.1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"check": "acuracy"}], "Check 1: unknown check 'acuracy'; use one of " + ", ".join(KINDS)),
        ([{"check": "metric", "metric": "auc", "min": 1}], "Unknown metric 'auc'"),
        ([{"check": "metric", "metric": "f1"}], "needs a threshold: 'min' or 'max'"),
        ([{"check": "metric", "metric": "f1", "min": "high"}], "'min' must be a number, got 'high'"),
        (
            [{"check": "metric", "metric": "f1", "minimum": 1}],
            "unknown key(s) minimum; it takes by, max, metric, min",
        ),
        ([{"check": "fairness", "metric": "parity"}], "unknown fairness metric 'parity'"),
        ([{"check": "latency"}], "needs 'max', the p95 budget in milliseconds"),
        ([{"check": "invariance"}], "needs 'features'"),
        ([{"check": "no_regression", "metric": "f1", "confidence": 1.0}], "'confidence' is in [0.5, 1)"),
        ([{"check": "calibration", "bins": 0}], "'bins' must be positive"),
        ([{"check": "calibration"}, {"check": "calibration"}], "calibration appear twice"),
        ({"checks": [], "task": "binary"}, "non-empty 'checks' list"),
        ({"checks": [{"check": "calibration"}], "task": "ranking"}, "Unknown task 'ranking'"),
        ({"checks": [{"check": "calibration"}], "name": "x"}, "Unknown suite key(s) name"),
        ("just text", "non-empty 'checks' list"),
        ([["metric"]], "Check 1 is not a mapping"),
    ],
)
def test_bad_suites_say_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        parse_suite(data)
    assert message in str(error.value)


def test_invalid_yaml() -> None:
    with pytest.raises(InvalidInputError, match="not valid YAML"):
        load_suite("checks: [unclosed")


def test_default_suites_per_task() -> None:
    binary = default_suite("binary", sensitive=True, has_baseline=True)
    assert "fairness:demographic_parity_ratio" in binary.names and "no_regression:log_loss" in binary.names
    assert "calibration" in binary.names
    plain = default_suite("binary")
    assert not any(n.startswith(("fairness", "no_regression")) for n in plain.names)
    multi = default_suite("multiclass", sensitive=True)
    assert not any(n.startswith("fairness") for n in multi.names)  # fairness is for binary classifiers
    regression = default_suite("regression", has_baseline=True)
    assert (
        regression.names[:2] == ["metric:r2", "no_regression:mae"] and "calibration" not in regression.names
    )
    assert all(isinstance(c, Check) for c in regression.checks)
