"""Permutation importance agrees with scikit-learn's on the same seed, vectorised or not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance as sklearn_permutation_importance
from sklearn.linear_model import LogisticRegression

from steward.core.errors import InvalidInputError
from steward.core.explain import permutation
from steward.core.explain.output import default_scoring, scorer
from steward.core.explain.permutation import permutation_importance


@pytest.mark.parametrize("scoring", ["roc_auc", "accuracy", "balanced_accuracy"])
@pytest.mark.parametrize("seed", [0, 42])
def test_classifier_agrees_with_sklearn(
    table: tuple[pd.DataFrame, np.ndarray], scoring: str, seed: int
) -> None:
    x, y = table
    model = RandomForestClassifier(n_estimators=15, random_state=0).fit(x, y)
    theirs = sklearn_permutation_importance(model, x, y, scoring=scoring, n_repeats=4, random_state=seed)
    ours = permutation_importance(scorer(model, scoring), x, y, n_repeats=4, seed=seed)
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.mean, theirs.importances_mean, rtol=0, atol=1e-9)
    assert ours.features == ("a", "b", "c", "d")
    assert ours.mean[0] > ours.mean[2] and ours.mean[0] > ours.mean[3]  # a matters, c and d do not


@pytest.mark.parametrize("scoring", ["r2", "neg_mean_squared_error", "neg_mean_absolute_error"])
def test_regressor_agrees_with_sklearn(table: tuple[pd.DataFrame, np.ndarray], scoring: str) -> None:
    x, _ = table
    target = 2 * x["a"].to_numpy() - x["b"].to_numpy()
    model = RandomForestRegressor(n_estimators=10, random_state=0).fit(x, target)
    theirs = sklearn_permutation_importance(model, x, target, scoring=scoring, n_repeats=3, random_state=5)
    ours = permutation_importance(scorer(model, scoring), x, target, n_repeats=3, seed=5)
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=1e-9)


def test_small_blocks_give_the_same_result(
    table: tuple[pd.DataFrame, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One column per model call (a tiny memory budget) or all at once: the same numbers."""
    x, y = table
    model = LogisticRegression().fit(x, y)
    progress: list[tuple[int, int]] = []
    whole = permutation_importance(scorer(model, "roc_auc"), x, y, n_repeats=3, seed=1)
    monkeypatch.setattr(permutation, "BLOCK_CELLS", 1)
    split = permutation_importance(
        scorer(model, "roc_auc"), x, y, n_repeats=3, seed=1, progress=lambda d, t: progress.append((d, t))
    )
    np.testing.assert_array_equal(whole.importances, split.importances)
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_default_scoring_by_model(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    classifier = LogisticRegression().fit(x, y)
    assert default_scoring(classifier, y) == "roc_auc"
    assert default_scoring(classifier, np.array([0, 1, 2])) == "accuracy"
    assert default_scoring(RandomForestRegressor(n_estimators=2).fit(x, y), y) == "r2"


def test_bad_input(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    regressor = RandomForestRegressor(n_estimators=2).fit(x, y)
    with pytest.raises(InvalidInputError, match="Unknown scoring 'auc'"):
        scorer(regressor, "auc")
    with pytest.raises(InvalidInputError, match="needs predict_proba"):
        scorer(regressor, "roc_auc")
    with pytest.raises(InvalidInputError, match="target has 3 values"):
        permutation_importance(scorer(regressor, "r2"), x, y[:3])
    with pytest.raises(InvalidInputError, match="n_repeats"):
        permutation_importance(scorer(regressor, "r2"), x, y, n_repeats=0)
