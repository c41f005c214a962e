from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from steward.core.errors import InvalidInputError, MissingDependencyError
from steward.flavors import detect, get_flavor
from tests.flavors.conftest import Roundtrip, Table

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
from skl2onnx.common.data_types import FloatTensorType, StringTensorType  # noqa: E402


def numeric(table: Table) -> tuple[np.ndarray, np.ndarray]:
    cols = list(table.numeric)
    return table.train[cols].to_numpy(np.float32), table.test[cols].to_numpy(np.float32)


def test_single_input_classifier_takes_a_dataframe_or_an_array(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = numeric(table)
    model = LogisticRegression().fit(X, table.y_train)
    graph = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})

    predictor, options = roundtrip(get_flavor("onnx"), graph)

    assert options["producer"].startswith("skl2onnx")
    frame = table.test[list(table.numeric)]  # float64 columns, fed as one float32 tensor
    np.testing.assert_array_equal(predictor.predict(frame), model.predict(X_test))
    np.testing.assert_array_equal(predictor.predict(X_test), model.predict(X_test))
    np.testing.assert_allclose(predictor.predict_proba(frame), model.predict_proba(X_test), atol=1e-6)
    assert set(predictor.run(X_test)) == {"label", "probabilities"}
    native = get_flavor("onnx").native(predictor)
    assert native.SerializeToString() == graph.SerializeToString()


def test_zipmap_probabilities_become_an_array(table: Table, roundtrip: Roundtrip) -> None:
    X, X_test = numeric(table)
    model = LogisticRegression().fit(X, table.y_train)

    predictor, _ = roundtrip(get_flavor("onnx"), skl2onnx.to_onnx(model, X[:1]))

    np.testing.assert_allclose(predictor.predict_proba(X_test), model.predict_proba(X_test), atol=1e-6)


def test_one_input_per_column_graph_is_fed_by_column_name(table: Table, roundtrip: Roundtrip) -> None:
    pre = ColumnTransformer(
        [("num", StandardScaler(), list(table.numeric)), ("cat", OneHotEncoder(), list(table.categorical))]
    )
    model = Pipeline([("pre", pre), ("clf", LogisticRegression())]).fit(table.train, table.y_train)
    inputs = [(c, FloatTensorType([None, 1])) for c in table.numeric]
    inputs += [(c, StringTensorType([None, 1])) for c in table.categorical]
    graph = skl2onnx.convert_sklearn(model, initial_types=inputs, options={id(model): {"zipmap": False}})

    predictor, _ = roundtrip(get_flavor("onnx"), graph)

    np.testing.assert_array_equal(predictor.predict(table.test), model.predict(table.test))
    np.testing.assert_allclose(
        predictor.predict_proba(table.test), model.predict_proba(table.test), atol=1e-5
    )
    with pytest.raises(InvalidInputError, match="needs inputs"):
        predictor.predict({"a": table.test["a"].to_numpy()})


def test_a_regression_graph_from_a_file_path_or_bytes(
    table: Table, roundtrip: Roundtrip, tmp_path: Path
) -> None:
    X, X_test = numeric(table)
    model = LinearRegression().fit(X, table.train["c"])
    graph = skl2onnx.to_onnx(model, X[:1])
    file = tmp_path / "regression.onnx"
    file.write_bytes(graph.SerializeToString())

    assert detect(file).name == "onnx"
    for source in (file, str(file), graph.SerializeToString()):
        predictor, _ = roundtrip(get_flavor("onnx"), source)
        assert not hasattr(predictor, "predict_proba")
        np.testing.assert_allclose(predictor.predict(X_test).ravel(), model.predict(X_test), rtol=1e-5)


def test_what_is_not_onnx_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not an ONNX model"):
        get_flavor("onnx").save(b"\x00 certainly not a protobuf \xff", tmp_path)
    with pytest.raises(InvalidInputError, match="Cannot read"):
        get_flavor("onnx").save(tmp_path / "missing.onnx", tmp_path)
    external = onnx.helper.make_model(
        onnx.helper.make_graph(
            [onnx.helper.make_node("Identity", ["w"], ["y"])],
            "g",
            [],
            [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])],
            [onnx.helper.make_tensor("w", onnx.TensorProto.FLOAT, [1], [1.0])],
        )
    )
    external.graph.initializer[0].data_location = onnx.TensorProto.EXTERNAL
    with pytest.raises(InvalidInputError, match="external files"):
        get_flavor("onnx").save(external, tmp_path)
    (tmp_path / "model.onnx").write_bytes(b"garbage")
    with pytest.raises(InvalidInputError, match="onnxruntime cannot load"):
        get_flavor("onnx").load(tmp_path, {})


def test_missing_onnxruntime_names_the_extra(
    table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, _ = numeric(table)
    graph = skl2onnx.to_onnx(LinearRegression().fit(X, table.train["c"]), X[:1])
    options = get_flavor("onnx").save(graph, tmp_path)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)

    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[onnx\]'"):
        get_flavor("onnx").load(tmp_path, options)
