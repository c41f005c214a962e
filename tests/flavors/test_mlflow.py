"""Import of MLflow-format directories, built here in MLflow's layout (MLflow itself is not installed)."""

from __future__ import annotations

import json
import pickle
import sys
import types
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from steward.core.errors import InvalidInputError
from steward.core.signature import ColumnSpec
from steward.flavors import get_flavor
from steward.flavors.mlflow import read_mlflow_model
from tests.flavors.conftest import Roundtrip, Table
from tests.flavors.estimators import Doubler

RUN_ID = "9a2c4e0d7f1b4b7f8c3a2e1d0c9b8a7f"
MODEL_UUID = "0f8b1c2d3e4f45a6b7c8d9e0f1a2b3c4"
TABLE_SIGNATURE = {
    "inputs": json.dumps(
        [{"type": "double", "name": c, "required": True} for c in "abc"]
        + [{"type": "string", "name": c, "required": True} for c in ("city", "plan")]
    ),
    "outputs": json.dumps([{"type": "long", "required": True}]),
    "params": None,
}


def write_model(root: Path, flavors: dict[str, Any], files: dict[str, bytes], **extra: Any) -> Path:
    """An MLflow model folder: the MLmodel YAML (as MLflow lays it out) and the model's files."""
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    mlmodel = {
        "artifact_path": "model",
        "flavors": flavors,
        "mlflow_version": "2.19.0",
        "model_uuid": MODEL_UUID,
        "run_id": RUN_ID,
        "utc_time_created": "2026-01-05 10:00:00.000000",
        **extra,
    }
    (root / "MLmodel").write_text(yaml.safe_dump(mlmodel), encoding="utf-8")
    return root


def pyfunc(loader: str, data: str) -> dict[str, Any]:
    return {
        "loader_module": loader,
        "model_path": data,
        "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
        "python_version": "3.11.7",
    }


def sklearn_flavor(file: str, fmt: str, **extra: Any) -> dict[str, Any]:
    conf = {"pickled_model": file, "serialization_format": fmt, "sklearn_version": "1.9.1", "code": None}
    return {"python_function": pyfunc("mlflow.sklearn", file), "sklearn": {**conf, **extra}}


def churn_pipeline(table: Table) -> Pipeline:
    pre = ColumnTransformer(
        [("num", StandardScaler(), list(table.numeric)), ("cat", OneHotEncoder(), list(table.categorical))]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression())]).fit(table.train, table.y_train)


@pytest.mark.parametrize("fmt", ["cloudpickle", "pickle"])
def test_sklearn_pickles_import_with_signature_example_and_lineage(
    table: Table, tmp_path: Path, fmt: str
) -> None:
    model = churn_pipeline(table)
    data = cloudpickle.dumps(model) if fmt == "cloudpickle" else pickle.dumps(model)
    example = {"columns": list(table.test.columns), "data": table.test.head(3).to_numpy().tolist()}
    root = write_model(
        tmp_path / "m",
        sklearn_flavor("model.pkl", fmt),
        {"model.pkl": data, "input_example.json": json.dumps(example).encode()},
        signature=TABLE_SIGNATURE,
        saved_input_example_info={
            "artifact_path": "input_example.json",
            "type": "dataframe",
            "pandas_orient": "split",
        },
    )

    imported = read_mlflow_model(root)

    assert (imported.flavor, imported.mlflow_flavor) == ("sklearn", "sklearn")
    assert (imported.run_id, imported.model_uuid, imported.mlflow_version) == (RUN_ID, MODEL_UUID, "2.19.0")
    np.testing.assert_array_equal(imported.model.predict_proba(table.test), model.predict_proba(table.test))
    assert imported.signature is not None and imported.signature.kind == "columns"
    assert [(c.name, c.type) for c in imported.signature.inputs] == [
        ("a", "float64"),
        ("b", "float64"),
        ("c", "float64"),
        ("city", "string"),
        ("plan", "string"),
    ]
    assert imported.signature.outputs == (ColumnSpec("output", "int64"),)
    pd.testing.assert_frame_equal(imported.input_example, table.test.head(3), check_dtype=False)
    assert imported.notes == ()


def test_an_imported_model_registers_with_its_steward_flavor(
    table: Table, tmp_path: Path, roundtrip: Roundtrip
) -> None:
    model = churn_pipeline(table)
    root = write_model(
        tmp_path / "m", sklearn_flavor("model.pkl", "cloudpickle"), {"model.pkl": cloudpickle.dumps(model)}
    )
    imported = read_mlflow_model(root)

    predictor, options = roundtrip(get_flavor(imported.flavor), imported.model)

    assert options["format"] == "skops"
    np.testing.assert_array_equal(predictor.predict(table.test), model.predict(table.test))


def test_sklearn_skops_trusts_only_sklearn_numpy_scipy_and_what_the_caller_names(
    table: Table, tmp_path: Path
) -> None:
    sio = pytest.importorskip("skops.io")
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    plain = LogisticRegression().fit(X, table.y_train)
    custom = Pipeline([("double", Doubler()), ("clf", LogisticRegression())]).fit(X, table.y_train)
    listed = ["tests.flavors.estimators.Doubler"]  # the MLmodel's own list is not what decides
    flavors = sklearn_flavor("model.skops", "skops", skops_trusted_types=listed)
    plain_root = write_model(tmp_path / "plain", flavors, {"model.skops": sio.dumps(plain)})
    custom_root = write_model(tmp_path / "custom", flavors, {"model.skops": sio.dumps(custom)})

    np.testing.assert_array_equal(read_mlflow_model(plain_root).model.predict(X_test), plain.predict(X_test))
    with pytest.raises(InvalidInputError, match=r"tests\.flavors\.estimators\.Doubler.*trust="):
        read_mlflow_model(custom_root)
    trusted = read_mlflow_model(custom_root, trust=["tests"])
    np.testing.assert_array_equal(trusted.model.predict(X_test), custom.predict(X_test))


@pytest.mark.parametrize("wrapper", [True, False])
def test_xgboost_models_import(table: Table, tmp_path: Path, wrapper: bool) -> None:
    xgb = pytest.importorskip("xgboost")
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2, n_jobs=1).fit(X, table.y_train)
    saved = model if wrapper else model.get_booster()
    saved.save_model(str(tmp_path / "model.ubj"))  # MLflow writes the same bytes as model.xgb
    model_class = "xgboost.sklearn.XGBClassifier" if wrapper else "xgboost.core.Booster"
    conf = {"data": "model.xgb", "model_class": model_class, "model_format": "xgb", "xgb_version": "3.2.0"}
    flavors = {"python_function": pyfunc("mlflow.xgboost", "model.xgb"), "xgboost": conf}
    root = write_model(tmp_path / "m", flavors, {"model.xgb": (tmp_path / "model.ubj").read_bytes()})

    imported = read_mlflow_model(root)

    assert imported.flavor == "xgboost"
    if wrapper:
        np.testing.assert_array_equal(imported.model.predict_proba(X_test), model.predict_proba(X_test))
    else:
        np.testing.assert_array_equal(
            imported.model.inplace_predict(X_test), model.predict_proba(X_test)[:, 1]
        )


@pytest.mark.parametrize("form", ["booster", "cloudpickle", "skops"])
def test_lightgbm_models_import(table: Table, tmp_path: Path, form: str) -> None:
    lgb = pytest.importorskip("lightgbm")
    X, X_test = table.train[list(table.numeric)], table.test[list(table.numeric)]
    model = lgb.LGBMClassifier(n_estimators=5, num_leaves=7, n_jobs=1, verbose=-1).fit(X, table.y_train)
    if form == "booster":
        conf, data = (
            {"data": "model.lgb", "model_class": "lightgbm.basic.Booster"},
            model.booster_.model_to_string(),
        )
        files = {"model.lgb": data.encode()}
    else:
        file = f"model.{'pkl' if form == 'cloudpickle' else 'skops'}"
        conf = {"data": file, "model_class": "lightgbm.sklearn.LGBMClassifier", "serialization_format": form}
        dumped = (
            cloudpickle.dumps(model)
            if form == "cloudpickle"
            else pytest.importorskip("skops.io").dumps(model)
        )
        files = {file: dumped}
    flavors = {"python_function": pyfunc("mlflow.lightgbm", conf["data"]), "lightgbm": {**conf, "code": None}}

    imported = read_mlflow_model(write_model(tmp_path / "m", flavors, files))

    assert imported.flavor == "lightgbm"
    expected = model.predict_proba(X_test)
    got = imported.model.predict(X_test) if form == "booster" else imported.model.predict_proba(X_test)
    np.testing.assert_allclose(got, expected[:, 1] if form == "booster" else expected, rtol=0, atol=1e-12)


def test_onnx_model_imports_with_a_tensor_signature(table: Table, tmp_path: Path) -> None:
    skl2onnx = pytest.importorskip("skl2onnx")
    X = table.train[list(table.numeric)].to_numpy(np.float32)
    graph = skl2onnx.to_onnx(LogisticRegression().fit(X, table.y_train), X[:1], options={"zipmap": False})
    conf = {
        "data": "model.onnx",
        "providers": ["CUDAExecutionProvider", "CPUExecutionProvider"],
        "code": None,
    }
    tensor = {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "X"}
    root = write_model(
        tmp_path / "m",
        {"python_function": pyfunc("mlflow.onnx", "model.onnx"), "onnx": conf},
        {
            "model.onnx": graph.SerializeToString(),
            "input_example.json": json.dumps({"inputs": X[:2].tolist()}).encode(),
        },
        signature={"inputs": json.dumps([tensor]), "outputs": None, "params": None},
        saved_input_example_info={
            "artifact_path": "input_example.json",
            "type": "ndarray",
            "format": "tf-serving",
        },
    )

    imported = read_mlflow_model(root)

    assert imported.flavor == "onnx"
    assert imported.model.SerializeToString() == graph.SerializeToString()
    assert imported.signature is not None
    assert imported.signature.kind == "tensor"
    assert imported.signature.inputs == (ColumnSpec("X", "float32", shape=(-1, 3)),)
    np.testing.assert_allclose(imported.input_example, X[:2])


@pytest.mark.parametrize("form", ["torchscript", "pickled", "pt2"])
def test_pytorch_models_that_load_without_mlflow_import(tmp_path: Path, form: str) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2).eval()
    data = tmp_path / "m" / "data"
    data.mkdir(parents=True)
    if form == "pt2":
        torch.export.save(torch.export.export(layer, (torch.zeros(2, 3),)), str(data / "model.pt2"))
    else:
        (data / "pickle_module_info.txt").write_text("mlflow.pytorch.pickle_module")
        if form == "torchscript":
            torch.jit.save(torch.jit.script(layer), str(data / "model.pth"))
        else:
            torch.save(layer, str(data / "model.pth"))
    conf = {"model_data": "data", "pytorch_version": "2.13.0", "code": None}
    root = write_model(
        tmp_path / "m", {"python_function": pyfunc("mlflow.pytorch", "data"), "pytorch": conf}, {}
    )

    imported = read_mlflow_model(root)

    assert imported.flavor == "pytorch"
    x = torch.ones(2, 3)
    module = imported.model.module() if form == "pt2" else imported.model
    with torch.no_grad():
        np.testing.assert_allclose(module(x).numpy(), layer(x).numpy(), rtol=1e-6)
    assert any("state dict" in note for note in imported.notes) == (form == "pickled")


def test_a_pickle_that_needs_mlflow_is_refused_with_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("mlflow.pyfunc_fake")

    class Wrapper:
        def predict(self, data: Any) -> Any:
            return data

    Wrapper.__module__, Wrapper.__qualname__ = fake.__name__, "Wrapper"
    fake.Wrapper = Wrapper
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "mlflow", types.ModuleType("mlflow"))
        patch.setitem(sys.modules, fake.__name__, fake)
        data = pickle.dumps(Wrapper())
    root = write_model(tmp_path / "m", sklearn_flavor("model.pkl", "pickle"), {"model.pkl": data})

    with pytest.raises(InvalidInputError, match=r"needs MLflow itself.*pip install mlflow"):
        read_mlflow_model(root)


def test_a_pickle_that_needs_missing_code_points_at_the_code_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("churn_features")

    class Cleaner:
        pass

    Cleaner.__module__, Cleaner.__qualname__ = fake.__name__, "Cleaner"
    fake.Cleaner = Cleaner
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, fake.__name__, fake)
        data = pickle.dumps(Cleaner())
    root = write_model(
        tmp_path / "m", sklearn_flavor("model.pkl", "pickle", code="code"), {"model.pkl": data}
    )

    with pytest.raises(InvalidInputError, match=r"'churn_features'.*code: add it to PYTHONPATH"):
        read_mlflow_model(root)


def test_a_custom_pyfunc_needs_mlflow(tmp_path: Path) -> None:
    conf = {
        "loader_module": "mlflow.pyfunc.model",
        "python_model": "python_model.pkl",
        "cloudpickle_version": "3.1.2",
    }
    root = write_model(tmp_path / "m", {"python_function": conf}, {"python_model.pkl": b"\x80\x05N."})

    with pytest.raises(InvalidInputError, match=r"only the python_function flavor.*pip install mlflow"):
        read_mlflow_model(root)


def test_an_unsupported_flavor_is_named(tmp_path: Path) -> None:
    flavors = {"python_function": pyfunc("mlflow.keras", "data"), "keras": {"keras_version": "3.0"}}

    with pytest.raises(InvalidInputError, match="cannot import the MLflow flavor keras"):
        read_mlflow_model(write_model(tmp_path / "m", flavors, {}))


def test_signature_types_steward_cannot_hold_are_noted_not_fatal(table: Table, tmp_path: Path) -> None:
    model = LogisticRegression().fit(table.train[list(table.numeric)], table.y_train)
    array_input = [{"type": "array", "items": {"type": "double"}, "name": "v", "required": True}]
    signature = {"inputs": json.dumps(array_input), "outputs": None, "params": json.dumps([{"name": "k"}])}
    root = write_model(
        tmp_path / "m",
        sklearn_flavor("model.pkl", "cloudpickle"),
        {"model.pkl": cloudpickle.dumps(model)},
        signature=signature,
        saved_input_example_info={"artifact_path": "missing.json", "type": "dataframe"},
    )

    imported = read_mlflow_model(root)

    assert imported.signature is None
    assert imported.input_example is None
    assert any("'array'" in note for note in imported.notes)
    assert any("input example" in note for note in imported.notes)


@pytest.mark.parametrize(
    ("mlmodel", "files", "message"),
    [
        (None, {}, "no MLmodel file"),
        ("flavors: [unclosed", {}, "not valid YAML"),
        ("run_id: abc\n", {}, "no 'flavors' section"),
        (yaml.safe_dump({"flavors": sklearn_flavor("../outside.pkl", "pickle")}), {}, "not in"),
        (yaml.safe_dump({"flavors": sklearn_flavor("model.pkl", "joblib")}), {"model.pkl": b"x"}, "joblib"),
        (yaml.safe_dump({"flavors": {"sklearn": "model.pkl"}}), {}, "not a mapping"),
    ],
)
def test_broken_directories_say_what_is_wrong(
    tmp_path: Path, mlmodel: str | None, files: dict[str, bytes], message: str
) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (tmp_path / "outside.pkl").write_bytes(b"x")
    for name, data in files.items():
        (root / name).write_bytes(data)
    if mlmodel is not None:
        (root / "MLmodel").write_text(mlmodel)

    with pytest.raises(InvalidInputError, match=message):
        read_mlflow_model(root)
    with pytest.raises(InvalidInputError, match="not a folder"):
        read_mlflow_model(root / "MLmodel")
