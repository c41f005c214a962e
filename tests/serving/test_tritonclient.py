"""NVIDIA's ``tritonclient[http]``, unchanged, against a real ``steward serve``: JSON and binary tensors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from steward import Client
from tests.serving.conftest import DEPLOYMENT, Registry, churn_frame
from tests.serving.process import steward_serve

httpclient = pytest.importorskip("tritonclient.http", reason="install steward-mlops[test] for tritonclient")
pytestmark = pytest.mark.slow


def _infer(
    client: Any, arrays: dict[str, np.ndarray], datatypes: dict[str, str], binary_in: bool, binary_out: bool
) -> Any:
    inputs = []
    for name, array in arrays.items():
        item = httpclient.InferInput(name, list(array.shape), datatypes[name])
        item.set_data_from_numpy(array, binary_data=binary_in)
        inputs.append(item)
    outputs = [
        httpclient.InferRequestedOutput(n, binary_data=binary_out) for n in ("predict", "predict_proba")
    ]
    return client.infer(DEPLOYMENT, inputs, outputs=outputs, request_id="triton-1")


def _check(result: Any, model: Any, data: Any) -> None:
    assert result.get_response()["model_version"].endswith("/1")
    assert result.as_numpy("predict").tolist() == model.predict(data).tolist()
    assert np.allclose(result.as_numpy("predict_proba"), model.predict_proba(data))


def test_tensor_model(registry: Registry, tmp_path: Path) -> None:
    with Client(registry.uri, actor="tester") as steward:
        steward.create_deployment(DEPLOYMENT, {"digits/1": 100})
        model = steward.load("digits/1")
    array = np.random.default_rng(3).normal(size=(6, 4)).astype("float32")
    with steward_serve(tmp_path, registry.uri, DEPLOYMENT, "--no-payload-log") as served:
        client = httpclient.InferenceServerClient(served.url.removeprefix("http://"))
        try:
            assert client.is_server_live() and client.is_server_ready()
            assert client.is_model_ready(DEPLOYMENT)
            meta = client.get_model_metadata(DEPLOYMENT)
            assert meta["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 4]}]
            for binary_in in (False, True):
                for binary_out in (False, True):
                    result = _infer(client, {"input": array}, {"input": "FP32"}, binary_in, binary_out)
                    _check(result, model, array)
            # no outputs named: tritonclient asks for every output in binary
            item = httpclient.InferInput("input", [6, 4], "FP32").set_data_from_numpy(array)
            everything = client.infer(DEPLOYMENT, [item])
            assert everything.as_numpy("predict").tolist() == model.predict(array).tolist()
        finally:
            client.close()


def test_table_model_one_input_per_column(registry: Registry, tmp_path: Path) -> None:
    with Client(registry.uri, actor="tester") as steward:
        steward.create_deployment(DEPLOYMENT, {"churn/1": 100})
        model = steward.load("churn/1")
    frame = churn_frame(5, seed=4)[0].fillna({"charges": 55.0})
    arrays = {
        "tenure": frame["tenure"].to_numpy("int64"),
        "charges": frame["charges"].to_numpy("float64"),
        "plan": frame["plan"].to_numpy(object),
    }
    datatypes = {"tenure": "INT64", "charges": "FP64", "plan": "BYTES"}
    with steward_serve(tmp_path, registry.uri, DEPLOYMENT, "--no-payload-log") as served:
        client = httpclient.InferenceServerClient(served.url.removeprefix("http://"))
        try:
            meta = client.get_model_metadata(DEPLOYMENT)
            assert [(i["name"], i["datatype"]) for i in meta["inputs"]] == list(datatypes.items())
            for binary_in in (False, True):
                for binary_out in (False, True):
                    _check(_infer(client, arrays, datatypes, binary_in, binary_out), model, frame)
            with pytest.raises(Exception, match="tenure"):  # a 400 reaches the client as an error
                _infer(client, {**arrays, "tenure": arrays["charges"]}, {**datatypes, "tenure": "FP64"},
                       True, True)  # fmt: skip
            assert client.is_server_ready()
        finally:
            client.close()
