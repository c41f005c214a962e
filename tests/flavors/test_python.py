from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError
from steward.flavors import detect, get_flavor
from tests.flavors.conftest import Roundtrip, Table
from tests.flavors.estimators import Thresholder


def score(frame: pd.DataFrame) -> Any:
    return (frame["a"] > 0).to_numpy()


def test_a_lambda_round_trips(table: Table, roundtrip: Roundtrip) -> None:
    model = lambda frame: frame["a"] * 2 + frame["c"]  # noqa: E731

    predictor, options = roundtrip(detect(model), model)

    assert options["kind"] == "callable"
    pd.testing.assert_series_equal(predictor.predict(table.test), model(table.test))
    assert get_flavor("python").native(predictor) is not model  # a copy, rebuilt from the bytes


def test_a_closure_and_a_module_function_round_trip(table: Table, roundtrip: Roundtrip) -> None:
    cut = 0.25

    def closure(frame: pd.DataFrame) -> Any:
        return (frame["b"] > cut).to_numpy()

    for model in (closure, score):
        predictor, _ = roundtrip(get_flavor("python"), model)
        np.testing.assert_array_equal(predictor.predict(table.test), model(table.test))


def test_an_object_with_predict_keeps_predict_proba(table: Table, roundtrip: Roundtrip) -> None:
    model = Thresholder("a", 0.1)

    predictor, options = roundtrip(detect(model), model)

    assert options["kind"] == "predict"
    np.testing.assert_array_equal(predictor.predict(table.test), model.predict(table.test))
    np.testing.assert_array_equal(predictor.predict_proba(table.test), model.predict_proba(table.test))


def test_an_object_with_only_predict_has_no_predict_proba(table: Table, roundtrip: Roundtrip) -> None:
    class Constant:
        def predict(self, frame: pd.DataFrame) -> Any:
            return np.full(len(frame), 7)

    predictor, _ = roundtrip(get_flavor("python"), Constant())

    assert not hasattr(predictor, "predict_proba")
    np.testing.assert_array_equal(predictor.predict(table.test), np.full(len(table.test), 7))


def test_what_is_not_a_model_is_refused(tmp_path: Path) -> None:
    class Locked:
        def __init__(self) -> None:
            self.lock = threading.Lock()

        def predict(self, data: Any) -> Any:
            return data

    assert not get_flavor("python").handles(Thresholder)  # the class, not a model
    assert not get_flavor("python").handles(42)
    with pytest.raises(InvalidInputError, match="cloudpickle"):
        get_flavor("python").save(Locked(), tmp_path)
    with pytest.raises(InvalidInputError, match="function or an object"):
        get_flavor("python").save("not a model", tmp_path)
    with pytest.raises(InvalidInputError, match="kind"):
        get_flavor("python").load(tmp_path, {"kind": "shell"})
