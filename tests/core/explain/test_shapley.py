"""Local contributions add up: base + sum(contributions) = the model's output, for every method."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from steward.core.errors import InvalidInputError, MissingDependencyError
from steward.core.explain.compute import local_contributions
from steward.core.explain.output import model_output
from steward.core.explain.shapley import is_linear, linear_contributions, sampling_shapley
from steward.core.explain.tree import is_tree_model, tree_shap

needs_shap = pytest.mark.skipif(
    importlib.util.find_spec("shap") is None, reason="TreeSHAP needs the explain extra (shap)"
)


def _margin_xgboost(model: Any, x: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.predict(x, output_margin=True))


def _raw_lightgbm(model: Any, x: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.predict(x, raw_score=True))


@needs_shap
@pytest.mark.parametrize(
    ("make", "output", "space"),
    [
        (lambda: RandomForestClassifier(n_estimators=10, random_state=0), "proba", "probability"),
        (lambda: GradientBoostingClassifier(n_estimators=10, random_state=0), "decision", "log-odds"),
        (lambda: RandomForestRegressor(n_estimators=10, random_state=0), "predict", "prediction"),
        (lambda: ExtraTreesRegressor(n_estimators=10, random_state=0), "predict", "prediction"),
    ],
)
def test_treeshap_adds_up_for_sklearn(
    table: tuple[pd.DataFrame, np.ndarray], make: Any, output: str, space: str
) -> None:
    x, y = table
    model = make().fit(x, y)
    rows = x.iloc[:25]
    found = tree_shap(model, rows)
    expected = {
        "proba": lambda: model.predict_proba(rows)[:, 1],
        "decision": lambda: model.decision_function(rows),
        "predict": lambda: model.predict(rows),
    }[output]()
    assert found.output_space == space and found.values.shape == (25, 4)
    np.testing.assert_allclose(found.base + found.values.sum(axis=1), expected, atol=1e-6)


@needs_shap
def test_treeshap_adds_up_for_xgboost_and_lightgbm(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    xgboost = pytest.importorskip("xgboost")
    lightgbm = pytest.importorskip("lightgbm")
    x, y = table
    rows = x.iloc[:20]
    booster = xgboost.XGBClassifier(n_estimators=8, max_depth=3).fit(x, y)
    found = tree_shap(booster, rows)
    np.testing.assert_allclose(
        found.base + found.values.sum(axis=1), _margin_xgboost(booster, rows), atol=1e-5
    )
    lgbm = lightgbm.LGBMClassifier(n_estimators=8, verbose=-1).fit(x, y).booster_
    found = tree_shap(lgbm, rows)
    assert found.output_space == "log-odds"
    np.testing.assert_allclose(found.base + found.values.sum(axis=1), _raw_lightgbm(lgbm, rows), atol=1e-6)


def test_treeshap_without_shap_names_the_extra(
    table: tuple[pd.DataFrame, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    x, y = table
    model = RandomForestClassifier(n_estimators=2, random_state=0).fit(x, y)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "shap" else real(name, *a)
    )
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[explain\]'"):
        tree_shap(model, x.iloc[:2])


def test_treeshap_refuses_other_models(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    model = LogisticRegression().fit(x, y)
    assert not is_tree_model(model) and not is_tree_model(make_pipeline(RandomForestClassifier()))
    with pytest.raises(InvalidInputError, match="TreeSHAP explains tree ensembles"):
        tree_shap(model, x.iloc[:2])


def test_linear_is_exact(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    model = LogisticRegression().fit(x, y)
    assert is_linear(model)
    row, background = x.iloc[[7]], x.iloc[:100]
    found = linear_contributions(model, row, background)
    coef = model.coef_[0]
    np.testing.assert_allclose(found.values, coef * (row.to_numpy()[0] - background.to_numpy().mean(axis=0)))
    assert found.output == pytest.approx(float(model.decision_function(row)[0]), abs=1e-9)
    assert found.base + found.values.sum() == pytest.approx(found.output, abs=1e-12)
    assert found.output_space == "log-odds"


def test_sampling_is_additive_and_exact_on_an_additive_model(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    """On a linear regression every chain's step is coef_j * (x_j - z_j): the estimate is exact."""
    x, _ = table
    target = 3 * x["a"].to_numpy() - x["c"].to_numpy()
    model = LinearRegression().fit(x, target)
    row, background = x.iloc[[3]], x.iloc[:50]
    explained = model_output(model)
    found = sampling_shapley(explained.fn, row, background, seed=1)
    exact = linear_contributions(model, row, background)
    np.testing.assert_allclose(found.values, exact.values, atol=1e-9)
    assert found.base == pytest.approx(float(model.predict(background).mean()), abs=1e-9)
    assert found.output == pytest.approx(float(model.predict(row)[0]), abs=1e-9)


def test_sampling_adds_up_for_a_pipeline(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    model = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=10, random_state=0)).fit(x, y)
    progress: list[int] = []
    found = local_contributions(
        model, model, x.iloc[[5]], x.iloc[:40], seed=3, progress=lambda d, t: progress.append(d)
    )
    assert found.method == "sampling" and found.output_space == "probability"
    assert found.output == pytest.approx(float(model.predict_proba(x.iloc[[5]])[0, 1]))
    assert found.base + found.values.sum() == pytest.approx(found.output, abs=1e-9)
    assert progress[-1] == 80  # two chains (antithetic) per background row
    assert abs(found.values[0]) > abs(found.values[3])  # a matters more than d


def test_sampling_bad_input(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    explained = model_output(LogisticRegression().fit(x, y))
    with pytest.raises(InvalidInputError, match="one row at a time"):
        sampling_shapley(explained.fn, x.iloc[:2], x)
    with pytest.raises(InvalidInputError, match="at least one background row"):
        sampling_shapley(explained.fn, x.iloc[:1], x.iloc[:0])
    with pytest.raises(InvalidInputError, match="Method 'linear' is for"):
        model = RandomForestClassifier(n_estimators=2).fit(x, y)
        local_contributions(model, model, x.iloc[:1], x, method="linear")
