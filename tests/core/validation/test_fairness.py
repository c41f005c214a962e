"""Fairness rates and disparities agree with fairlearn's to 1e-9; unestimable groups are named."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fairlearn import metrics as flm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score

from steward.core.errors import InvalidInputError
from steward.core.validation.fairness import DISPARITIES, disparity, group_rates


def _data(seed: int, n: int = 3000) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    groups = rng.choice(["a", "b", "c", "d"], size=n, p=[0.4, 0.3, 0.2, 0.1])
    bias = {"a": 0.0, "b": 0.1, "c": -0.15, "d": 0.25}
    y_true = rng.random(n) < 0.4
    flip = rng.random(n) < 0.2 + np.vectorize(bias.get)(groups)
    y_pred = np.where(flip, ~y_true, y_true)
    return groups, y_true.astype(int), y_pred.astype(int)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_group_rates_match_metricframe(seed: int) -> None:
    groups, y_true, y_pred = _data(seed)
    frame = flm.MetricFrame(
        metrics={
            "selection_rate": flm.selection_rate,
            "true_positive_rate": flm.true_positive_rate,
            "false_positive_rate": flm.false_positive_rate,
            "accuracy": accuracy_score,
            "count": flm.count,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    ).by_group
    for g in group_rates(groups, y_true, y_pred):
        row = frame.loc[g.group]
        assert g.count == row["count"]
        for rate in ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"):
            assert getattr(g, rate) == pytest.approx(row[rate], abs=1e-9), (g.group, rate)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_disparities_match_fairlearn(seed: int) -> None:
    groups, y_true, y_pred = _data(seed)
    rates = group_rates(groups, y_true, y_pred)
    expected = {
        "demographic_parity_difference": flm.demographic_parity_difference(
            y_true, y_pred, sensitive_features=groups
        ),
        "demographic_parity_ratio": flm.demographic_parity_ratio(y_true, y_pred, sensitive_features=groups),
        "equalized_odds_difference": flm.equalized_odds_difference(y_true, y_pred, sensitive_features=groups),
    }
    for name, value in expected.items():
        found, reasons = disparity(name, rates)
        assert found.value == pytest.approx(value, abs=1e-9), name
        assert reasons == []
    dp, _ = disparity("demographic_parity_ratio", rates)
    by = {g.group: g.selection_rate for g in rates}
    assert by[dp.worst_group] == min(by.values()) and by[dp.best_group] == max(by.values())


def test_group_without_positives_is_not_estimable_and_named() -> None:
    groups = np.array(["a"] * 50 + ["b"] * 50 + ["c"] * 40)
    y_true = np.r_[np.tile([0, 1], 25), np.tile([0, 1], 25), np.zeros(40, dtype=int)]
    y_pred = y_true.copy()
    rates = group_rates(groups, y_true, y_pred)
    found, reasons = disparity("equalized_odds_difference", rates)
    assert found.not_estimable == ("c",)
    assert reasons == ["no actual positives in group 'c', so its true positive rate cannot be estimated"]
    assert found.value == pytest.approx(0.0)  # over the groups that could be estimated


def test_small_groups_below_minimum_are_left_out() -> None:
    groups = np.array(["a"] * 100 + ["b"] * 100 + ["tiny"] * 5)
    y_true = np.tile([0, 1], 103)[: len(groups)]
    rates = group_rates(groups, y_true, y_true, min_group_size=30)
    found, reasons = disparity("demographic_parity_ratio", rates, 30)
    assert found.not_estimable == ("tiny",)
    assert "fewer than the minimum group size 30" in reasons[0]
    only, _ = disparity("demographic_parity_ratio", rates[2:], 30)
    assert only.value is None


def test_missing_values_form_their_own_group() -> None:
    rates = group_rates(
        np.array(["a", None, "a", None], dtype=object), np.array([1, 0, 1, 0]), np.array([1, 0, 0, 0])
    )
    assert [g.group for g in rates] == ["a", "missing"]


def test_unknown_disparity() -> None:
    with pytest.raises(InvalidInputError, match="use one of " + DISPARITIES[0]):
        disparity("parity", [])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "z"]), st.booleans(), st.booleans()), min_size=6, max_size=200
    )
)
def test_any_data_demographic_parity_matches_fairlearn(rows: list[tuple[str, bool, bool]]) -> None:
    groups = np.array([r[0] for r in rows])
    y_true = np.array([int(r[1]) for r in rows])
    y_pred = np.array([int(r[2]) for r in rows])
    rates = group_rates(groups, y_true, y_pred)
    for name, fn in (
        ("demographic_parity_difference", flm.demographic_parity_difference),
        ("demographic_parity_ratio", flm.demographic_parity_ratio),
    ):
        found, _ = disparity(name, rates)
        if len(rates) < 2 or (name.endswith("ratio") and not y_pred.any()):
            assert found.value is None  # fairlearn: nan
        else:
            assert found.value == pytest.approx(fn(y_true, y_pred, sensitive_features=groups), abs=1e-9)
    estimable = all(g.positives and g.negatives for g in rates) and len(rates) > 1
    eo, reasons = disparity("equalized_odds_difference", rates)
    if estimable:
        expected = flm.equalized_odds_difference(y_true, y_pred, sensitive_features=groups)
        assert eo.value == pytest.approx(expected, abs=1e-9) and reasons == []
    else:
        assert reasons or eo.value is None
