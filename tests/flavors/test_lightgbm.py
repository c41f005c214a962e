from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError, MissingDependencyError
from steward.flavors import detect, get_flavor
from tests.flavors.conftest import Roundtrip, Table

lgb = pytest.importorskip("lightgbm")

SMALL: dict[str, Any] = {
    "n_estimators": 10,
    "num_leaves": 7,
    "min_child_samples": 5,
    "n_jobs": 1,
    "verbose": -1,
}


def categorical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"city": "category", "plan": "category"})


def test_classifier_with_string_labels_and_categories_round_trips(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = categorical(table.train), categorical(table.test)
    labels = np.where(table.y_train == 1, "churn", "stay")
    model = lgb.LGBMClassifier(**SMALL).fit(X, labels)

    predictor, options = roundtrip(get_flavor("lightgbm"), model)

    assert options["kind"] == "LGBMClassifier"
    assert options["classes"] == ["churn", "stay"]
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))
    np.testing.assert_allclose(
        predictor.predict_proba(X_test), model.predict_proba(X_test), rtol=0, atol=1e-12
    )
    assert isinstance(get_flavor("lightgbm").native(predictor), lgb.Booster)


def test_multiclass_classifier_round_trips(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    classes = np.digitize(table.train["a"], [-0.5, 0.5])
    model = lgb.LGBMClassifier(**SMALL).fit(X, classes)

    predictor, _ = roundtrip(get_flavor("lightgbm"), model)

    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))
    np.testing.assert_allclose(
        predictor.predict_proba(X_test), model.predict_proba(X_test), rtol=0, atol=1e-12
    )


def test_regressor_and_booster_round_trip(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    regressor = lgb.LGBMRegressor(**SMALL).fit(X, table.train["c"])
    params = {"objective": "binary", "num_leaves": 7, "num_threads": 1, "verbose": -1}
    booster = lgb.train(params, lgb.Dataset(X, label=table.y_train), num_boost_round=5)

    for model, expected in ((regressor, regressor.predict(X_test)), (booster, booster.predict(X_test))):
        predictor, _ = roundtrip(get_flavor("lightgbm"), model)
        assert not hasattr(predictor, "predict_proba")
        np.testing.assert_allclose(predictor.predict(X_test), expected, rtol=0, atol=1e-12)


def test_a_lightgbm_wrapper_is_detected_as_lightgbm_not_sklearn() -> None:
    assert detect(lgb.LGBMClassifier()).name == "lightgbm"


def test_custom_objective_and_unfitted_models_are_refused(table: Table, tmp_path: Path) -> None:
    def squared(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        return y_pred - y_true, np.ones_like(y_true)

    X = table.train[list(table.numeric)]
    custom = lgb.LGBMRegressor(objective=squared, **SMALL).fit(X, table.train["c"])
    with pytest.raises(InvalidInputError, match="custom objective"):
        get_flavor("lightgbm").save(custom, tmp_path)
    with pytest.raises(InvalidInputError, match="not fitted"):
        get_flavor("lightgbm").save(lgb.LGBMRegressor(), tmp_path)


def test_missing_lightgbm_names_the_extra(
    table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = lgb.LGBMRegressor(**SMALL).fit(table.train[list(table.numeric)], table.train["c"])
    options = get_flavor("lightgbm").save(model, tmp_path)
    monkeypatch.setitem(sys.modules, "lightgbm", None)

    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[lightgbm\]'"):
        get_flavor("lightgbm").load(tmp_path, options)
