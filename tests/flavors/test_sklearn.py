from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from steward.core.errors import InvalidInputError, MissingDependencyError
from steward.flavors import get_flavor
from steward.flavors.sklearn import SklearnFlavor
from tests.flavors.conftest import Roundtrip, Table
from tests.flavors.estimators import Doubler


def pipeline(table: Table) -> Pipeline:
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), list(table.numeric)),
            ("cat", OneHotEncoder(handle_unknown="ignore"), list(table.categorical)),
        ]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression())]).fit(table.train, table.y_train)


def with_unseen_category(frame: pd.DataFrame) -> pd.DataFrame:
    extra = frame.iloc[:2].copy()
    extra["city"] = "lima"
    return pd.concat([frame, extra], ignore_index=True)


def test_logistic_regression_round_trips_with_skops(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = LogisticRegression().fit(X, table.y_train)

    predictor, options = roundtrip(get_flavor("sklearn"), model)

    assert options["format"] == "skops"
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))
    np.testing.assert_array_equal(predictor.predict_proba(X_test), model.predict_proba(X_test))
    assert isinstance(get_flavor("sklearn").native(predictor), LogisticRegression)


def test_pipeline_with_categorical_columns_round_trips_with_skops(table: Table, roundtrip: Roundtrip) -> None:
    model = pipeline(table)
    held_out = with_unseen_category(table.test)

    predictor, options = roundtrip(get_flavor("sklearn"), model)

    assert options["format"] == "skops"
    np.testing.assert_array_equal(predictor.predict(held_out), model.predict(held_out))
    np.testing.assert_array_equal(predictor.predict_proba(held_out), model.predict_proba(held_out))


def test_pickle_format_can_be_chosen(table: Table, roundtrip: Roundtrip) -> None:
    model = pipeline(table)

    predictor, options = roundtrip(get_flavor("sklearn", format="pickle"), model, get_flavor("sklearn"))

    assert options["format"] == "pickle"
    assert "asked for" in options["pickle_reason"]
    np.testing.assert_array_equal(predictor.predict_proba(table.test), model.predict_proba(table.test))


def test_custom_transformer_falls_back_to_pickle_and_round_trips(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = Pipeline([("double", Doubler()), ("clf", LogisticRegression())]).fit(X, table.y_train)

    predictor, options = roundtrip(get_flavor("sklearn"), model)

    assert options["format"] == "pickle"
    assert "tests.flavors.estimators.Doubler" in options["pickle_reason"]
    np.testing.assert_array_equal(predictor.predict_proba(X_test), model.predict_proba(X_test))


def test_trusting_the_models_package_keeps_skops(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = Pipeline([("double", Doubler()), ("clf", LogisticRegression())]).fit(X, table.y_train)

    # Loaded by the default flavor: the trust recorded at save time is honoured.
    predictor, options = roundtrip(SklearnFlavor(trust=("tests",)), model, get_flavor("sklearn"))

    assert options["format"] == "skops"
    assert options["trusted_types"] == ["tests.flavors.estimators.Doubler"]
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))


def test_lambda_in_a_function_transformer_falls_back_to_pickle(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = Pipeline([("f", FunctionTransformer(lambda x: x * 3.0)), ("clf", LogisticRegression())])
    model.fit(X, table.y_train)

    predictor, options = roundtrip(get_flavor("sklearn"), model)

    assert options["format"] == "pickle"
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))


def test_skops_load_refuses_types_outside_the_trusted_packages(table: Table, tmp_path: Path) -> None:
    X = table.train[list(table.numeric)]
    model = Pipeline([("double", Doubler()), ("clf", LogisticRegression())]).fit(X, table.y_train)
    options = SklearnFlavor(trust=("tests",)).save(model, tmp_path)

    for forged in ({**options, "trust": []}, {**options, "trusted_types": ["builtins.eval"], "trust": []}):
        with pytest.raises(InvalidInputError, match="outside the trusted packages"):
            get_flavor("sklearn").load(tmp_path, forged)
    with pytest.raises(InvalidInputError, match="not trusted"):
        get_flavor("sklearn").load(tmp_path, {**options, "trusted_types": []})


def test_regressor_has_no_predict_proba(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = LinearRegression().fit(X, table.train["c"])

    predictor, _ = roundtrip(get_flavor("sklearn"), model)

    assert not hasattr(predictor, "predict_proba")
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))


def test_transformer_only_model_predicts_with_transform(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = StandardScaler().fit(X)

    predictor, _ = roundtrip(get_flavor("sklearn"), model)

    np.testing.assert_array_equal(predictor.predict(X_test), model.transform(X_test))


def test_without_skops_saving_falls_back_to_pickle(
    table: Table, roundtrip: Roundtrip, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = LogisticRegression().fit(X, table.y_train)
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)

    predictor, options = roundtrip(get_flavor("sklearn"), model)

    assert options["format"] == "pickle"
    assert "pip install 'steward-mlops[skops]'" in options["pickle_reason"]
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))


def test_loading_skops_without_skops_names_the_extra(
    table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = LogisticRegression().fit(table.train[list(table.numeric)], table.y_train)
    options = get_flavor("sklearn").save(model, tmp_path)
    monkeypatch.setitem(sys.modules, "skops", None)

    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[skops\]'"):
        get_flavor("sklearn").load(tmp_path, options)


def test_invalid_settings_and_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="skops"):
        get_flavor("sklearn", format="joblib")
    with pytest.raises(InvalidInputError, match="package names"):
        get_flavor("sklearn", trust="mypkg")
    with pytest.raises(InvalidInputError, match="format"):
        get_flavor("sklearn").load(tmp_path, {"format": "joblib"})


SKOPS_DIGEST_SCRIPT = """
import hashlib, numpy as np, pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from steward.flavors import get_flavor
rng = np.random.default_rng(0)
x = pd.DataFrame(rng.normal(size=(60, 3)), columns=list("abc"))
x["k"] = rng.choice(["u", "v"], 60)
model = make_pipeline(
    make_column_transformer((StandardScaler(), ["a", "b", "c"]), (OneHotEncoder(), ["k"])),
    LogisticRegression(),
).fit(x, (x["a"] > 0).astype(int))
files, options = get_flavor("sklearn").save_files(model)
assert options["format"] == "skops", options
print(hashlib.sha256(files["model.skops"]).hexdigest())
"""


def test_skops_files_are_reproducible_across_processes() -> None:
    """skops names things after id(); we renumber them so one model always has one digest."""
    import subprocess
    import sys

    digests = {
        subprocess.run(
            [sys.executable, "-c", SKOPS_DIGEST_SCRIPT], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(digests) == 1 and len(next(iter(digests))) == 64
