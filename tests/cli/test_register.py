from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from tests.cli.conftest import Registry


def test_end_to_end_skops_file_loads_back(
    registry: Registry,
    files: dict[str, Path],
    training: tuple[pd.DataFrame, np.ndarray],
    fitted: LogisticRegression,
) -> None:
    result = registry.run(
        "register", "churn", str(files["skops"]),
        "--metric", "auc=0.91", "--param", "C=1.0", "--tag", "team=risk", "-d", "first cut",
        "--input-example", str(files["example"]), "--training-data", str(files["train"]),
        "--evaluation-data", str(files["eval"]), "--alias", "champion",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Registered churn/1 (sklearn; aliases: champion)"
    assert "Note:" not in result.stderr  # skops runs no code

    x, _ = training
    with Client(registry.uri) as client:
        loaded = client.load("churn/1")
        version = loaded.version
        np.testing.assert_array_equal(loaded.predict(x), fitted.predict(x))
        assert client.get("churn@champion").version == 1
    assert (version.metrics, version.params, version.tags) == ({"auc": 0.91}, {"C": "1.0"}, {"team": "risk"})
    assert version.description == "first cut"
    assert version.signature is not None and version.signature.input_names == ["a", "b", "c"]
    assert sorted(d.role for d in version.lineage.datasets) == ["evaluation", "training"]


def test_pickle_says_it_runs_code_and_json_output(
    registry: Registry, files: dict[str, Path], training: tuple[pd.DataFrame, np.ndarray]
) -> None:
    result = registry.run("register", "churn", str(files["pkl"]), "--json")
    assert result.exit_code == 0, result.output
    assert "runs code from the file" in result.stderr
    data = json.loads(result.stdout)
    assert (data["ref"], data["flavor"]) == ("churn/1", "sklearn")

    again = registry.run("register", "churn", str(files["pkl"]), "--parent", "churn/1")
    assert "Registered churn/2" in again.stdout
    with Client(registry.uri) as client:
        assert client.load("churn/2").predict(training[0]).shape == (120,)


def _onnx(folder: Path, model: LogisticRegression, x: pd.DataFrame, y: np.ndarray) -> list[str]:
    from skl2onnx import to_onnx

    path = folder / "model.onnx"
    path.write_bytes(
        to_onnx(model, x.to_numpy(np.float32)[:1], options={"zipmap": False}).SerializeToString()
    )
    return [str(path)]


def _xgboost(folder: Path, model: LogisticRegression, x: pd.DataFrame, y: np.ndarray) -> list[str]:
    import xgboost

    booster = xgboost.train({"max_depth": 2}, xgboost.DMatrix(x.to_numpy(), label=y), num_boost_round=3)
    path = folder / "model.json"
    booster.save_model(str(path))
    return [str(path), "--flavor", "xgboost"]


def _lightgbm(folder: Path, model: LogisticRegression, x: pd.DataFrame, y: np.ndarray) -> list[str]:
    import lightgbm

    data = lightgbm.Dataset(x.to_numpy(), label=y, params={"verbose": -1})
    booster = lightgbm.train({"objective": "binary", "verbose": -1, "num_leaves": 4}, data, num_boost_round=3)
    path = folder / "model.txt"
    booster.save_model(str(path))
    return [str(path), "--flavor", "lightgbm"]


@pytest.mark.parametrize(
    ("make", "flavor", "dtype"),
    [(_onnx, "onnx", np.float32), (_xgboost, "xgboost", None), (_lightgbm, "lightgbm", None)],
    ids=["onnx", "xgboost-json", "lightgbm-txt"],
)
def test_other_file_formats(
    *,
    registry: Registry,
    tmp_path: Path,
    training: tuple[pd.DataFrame, np.ndarray],
    fitted: LogisticRegression,
    make: Callable[..., list[str]],
    flavor: str,
    dtype: type | None,
) -> None:
    x, y = training
    result = registry.run("register", "m", *make(tmp_path, fitted, x, y))
    assert result.exit_code == 0, result.output
    assert f"Registered m/1 ({flavor})" in result.stdout
    with Client(registry.uri) as client:
        loaded = client.load("m/1")
        data = x.to_numpy(dtype) if dtype else x.to_numpy()
        assert len(loaded.predict(data)) == len(x)


def test_torchscript(registry: Registry, tmp_path: Path) -> None:
    import torch

    path = tmp_path / "model.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(3, 1)), str(path))
    result = registry.run("register", "net", str(path))
    assert result.exit_code == 0, result.output
    assert "Registered net/1 (pytorch)" in result.stdout
    with Client(registry.uri) as client:
        out = client.load("net/1").predict(np.ones((2, 3), dtype=np.float32))
    assert np.asarray(out).shape == (2, 1)


def test_mlflow_folder(registry: Registry, tmp_path: Path, fitted: LogisticRegression) -> None:
    folder = tmp_path / "mlflow-model"
    folder.mkdir()
    (folder / "model.pkl").write_bytes(pickle.dumps(fitted))
    inputs = json.dumps([{"type": "double", "name": n} for n in "abc"])
    (folder / "MLmodel").write_text(
        "artifact_path: model\nrun_id: run42\nflavors:\n"
        "  sklearn:\n    pickled_model: model.pkl\n    serialization_format: pickle\n"
        f"signature:\n  inputs: '{inputs}'\n"
    )
    refused = registry.run("register", "churn", str(folder), "--flavor", "sklearn")
    assert refused.exit_code == 2 and "MLmodel file names the flavor" in refused.stderr

    result = registry.run("register", "churn", str(folder), "--metric", "auc=0.7")
    assert result.exit_code == 0, result.output
    assert "may unpickle" in result.stderr
    with Client(registry.uri) as client:
        version = client.get("churn/1")
    assert version.lineage.source == "mlflow run run42"
    assert version.signature is not None and version.signature.input_names == ["a", "b", "c"]
    assert version.metrics == {"auc": 0.7}
