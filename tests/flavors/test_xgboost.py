from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError, MissingDependencyError
from steward.flavors import detect, get_flavor
from tests.flavors.conftest import Roundtrip, Table

xgb = pytest.importorskip("xgboost")


def categorical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"city": "category", "plan": "category"})


def test_classifier_round_trips_with_categories_and_probabilities(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = categorical(table.train), categorical(table.test)
    model = xgb.XGBClassifier(n_estimators=8, max_depth=3, n_jobs=1, enable_categorical=True)
    model.fit(X, table.y_train)

    predictor, options = roundtrip(get_flavor("xgboost"), model)

    assert options["kind"] == "XGBClassifier"
    assert options["format"] == "ubj"
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))
    np.testing.assert_array_equal(predictor.predict_proba(X_test), model.predict_proba(X_test))
    assert isinstance(get_flavor("xgboost").native(predictor), xgb.XGBClassifier)


def test_regressor_round_trips_as_json(table: Table, roundtrip: Roundtrip, tmp_path: Path) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = xgb.XGBRegressor(n_estimators=8, max_depth=3, n_jobs=1).fit(X, table.train["c"])

    predictor, options = roundtrip(get_flavor("xgboost", format="json"), model, get_flavor("xgboost"))

    assert options["format"] == "json"
    assert [p.name for p in tmp_path.glob("*/*")] == ["model.json"]
    assert not hasattr(predictor, "predict_proba")
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))


def test_booster_round_trips_without_a_dmatrix_per_call(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    params = {"objective": "binary:logistic", "max_depth": 3, "nthread": 1}
    booster = xgb.train(params, xgb.DMatrix(X, label=table.y_train), num_boost_round=8)

    predictor, options = roundtrip(get_flavor("xgboost"), booster)

    assert options["kind"] == "Booster"
    np.testing.assert_array_equal(predictor.predict(X_test), booster.predict(xgb.DMatrix(X_test)))
    assert isinstance(get_flavor("xgboost").native(predictor), xgb.Booster)


def test_an_xgboost_wrapper_is_detected_as_xgboost_not_sklearn() -> None:
    assert detect(xgb.XGBClassifier()).name == "xgboost"
    assert detect(xgb.Booster()).name == "xgboost"


def test_unfitted_wrapper_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not fitted"):
        get_flavor("xgboost").save(xgb.XGBRegressor(), tmp_path)


def test_missing_xgboost_names_the_extra(
    table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    X = table.train[list(table.numeric)]
    model = xgb.XGBRegressor(n_estimators=2, n_jobs=1).fit(X, table.train["c"])
    options = get_flavor("xgboost").save(model, tmp_path)
    monkeypatch.setitem(sys.modules, "xgboost", None)

    assert not get_flavor("xgboost").handles(model)
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[xgboost\]'"):
        get_flavor("xgboost").load(tmp_path, options)


def test_unknown_kind_and_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="format"):
        get_flavor("xgboost", format="bin")
    (tmp_path / "model.ubj").write_bytes(b"")
    with pytest.raises(InvalidInputError, match="kind"):
        get_flavor("xgboost").load(tmp_path, {"kind": "os.system", "format": "ubj"})
