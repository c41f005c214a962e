"""Partial dependence equals scikit-learn's brute PD on the same grid; ±1 std moves are exact on a line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import partial_dependence as sklearn_partial_dependence
from sklearn.linear_model import LinearRegression

from steward.core.errors import InvalidInputError
from steward.core.explain.output import model_output
from steward.core.explain.sensitivity import grid_for, one_at_a_time, partial_dependence


def test_pd_agrees_with_sklearn_brute(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(x, y)
    curves = partial_dependence(model_output(model).fn, x, ["a", "c"], grid_size=15)
    for curve in curves:
        theirs = sklearn_partial_dependence(
            model,
            x,
            [curve.feature],
            kind="average",
            method="brute",
            custom_values={curve.feature: np.array(curve.grid)},
        )
        np.testing.assert_allclose(curve.average, theirs["average"][0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(curve.individual.mean(axis=0), curve.average, atol=1e-12)
        assert curve.individual.shape == (len(x), len(curve.grid)) == (240, 15)


def test_grids_for_integers_and_text() -> None:
    assert grid_for(pd.Series([1, 2, 2, 3, 9, 9, 9], name="n"), 20) == [1, 2, 3, 9]
    assert grid_for(pd.Series(["x", "y", "y", "z"], name="s"), 2) == ["x", "y"]
    grid = grid_for(pd.Series(np.arange(101, dtype=float), name="f"), 3)
    assert grid == pytest.approx([5.0, 50.0, 95.0])
    with pytest.raises(InvalidInputError, match="no values"):
        grid_for(pd.Series([None, None], name="empty", dtype=float), 5)


def test_pd_on_a_text_column() -> None:
    frame = pd.DataFrame({"s": ["x", "y", "z"] * 10, "v": np.arange(30.0)})
    curves = partial_dependence(
        lambda f: (f["s"] == "y").to_numpy(float) + 0 * f["v"].to_numpy(), frame, ["s"]
    )
    assert curves[0].grid == ("x", "y", "z")
    np.testing.assert_array_equal(curves[0].average, [0.0, 1.0, 0.0])


def test_one_at_a_time_on_a_linear_model(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, _ = table
    frame = x.assign(label=np.where(x["a"] > 0, "up", "down"))
    model = LinearRegression().fit(x, 2 * x["a"] - 0.5 * x["b"])
    found = one_at_a_time(lambda f: model.predict(f[["a", "b", "c", "d"]]), frame, list(frame.columns))
    std = x.to_numpy().std(axis=0)
    np.testing.assert_allclose(found.std, std)
    np.testing.assert_allclose(found.up, model.coef_ * std, atol=1e-9)
    np.testing.assert_allclose(found.down, -model.coef_ * std, atol=1e-9)
    assert found.skipped == ("label",)
    one = one_at_a_time(model.predict, x.iloc[[0]], ["a", "b", "c", "d"], reference=x)
    assert one.up[0] == pytest.approx(model.coef_[0] * std[0])


def test_grid_size_is_checked(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, _ = table
    with pytest.raises(InvalidInputError, match="grid_size"):
        partial_dependence(lambda f: np.zeros(len(f)), x, ["a"], grid_size=1)
