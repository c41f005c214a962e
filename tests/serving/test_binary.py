"""The binary tensor extension: raw input bytes after the JSON header, binary outputs on request."""

from __future__ import annotations

import json
import struct
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.core.errors import InvalidInputError
from steward.serving import binary
from steward.serving.app import ServingApp
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import binary_body, oip_binary, oip_columns, oip_tensor

Served = tuple[ServingApp, StaticResolver, httpx.AsyncClient]
INFER = "/v2/models/churn-api/infer"


def read_answer(response: httpx.Response) -> dict[str, np.ndarray]:
    """Each output of an answer as an array, whether it came as JSON or as binary."""
    length = response.headers.get("inference-header-content-length")
    body = response.content
    header = json.loads(body[: int(length)] if length else body)
    offset = int(length or 0)
    out = {}
    for tensor in header["outputs"]:
        size = (tensor.get("parameters") or {}).get("binary_data_size")
        if size is None:
            out[tensor["name"]] = np.asarray(tensor["data"]).reshape(tensor["shape"])
            continue
        chunk = memoryview(body)[offset : offset + size]
        out[tensor["name"]] = binary.decode("x", tensor["datatype"], tensor["shape"], chunk).reshape(
            tensor["shape"]
        )
        offset += size
    assert offset == len(body) or not length
    return out


def _expected(app: ServingApp, body: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.DataFrame({i["name"]: i["data"] for i in body["inputs"]})
    model: Any = app.runtime.table.routes[0].model  # type: ignore[union-attr]
    return model.predict(frame), model.predict_proba(frame)


@pytest.mark.anyio
async def test_binary_inputs_give_the_same_answer_as_json(served: Served) -> None:
    app, _, client = served
    content, headers = oip_binary(4)
    response = await client.post(INFER, content=content, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"  # no binary output asked for
    assert "inference-header-content-length" not in response.headers
    answer = read_answer(response)
    predict, proba = _expected(app, oip_columns(4))
    assert answer["predict"].tolist() == predict.tolist()
    assert np.allclose(answer["predict_proba"], proba)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("outputs", "parameters", "binary_names"),
    [
        ([{"name": "predict", "parameters": {"binary_data": True}}, {"name": "predict_proba"}], None,
         {"predict"}),
        (None, {"binary_data_output": True}, {"predict", "predict_proba"}),
        ([{"name": "predict", "parameters": {"binary_data": False}}, {"name": "predict_proba"}],
         {"binary_data_output": True}, {"predict_proba"}),
    ],
)  # fmt: skip
async def test_binary_outputs_when_asked(
    served: Served, outputs: Any, parameters: Any, binary_names: set[str]
) -> None:
    app, _, client = served
    body: dict[str, Any] = oip_columns(3)
    if outputs is not None:
        body["outputs"] = outputs
    if parameters is not None:
        body["parameters"] = parameters
    response = await client.post(INFER, json=body)  # JSON in, binary out
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    length = int(response.headers["inference-header-content-length"])
    header = json.loads(response.content[:length])
    assert {o["name"] for o in header["outputs"] if "parameters" in o} == binary_names
    assert all("data" not in o for o in header["outputs"] if o["name"] in binary_names)
    answer = read_answer(response)
    predict, proba = _expected(app, body)
    assert answer["predict"].tolist() == predict.tolist()
    assert answer["predict_proba"].shape == (3, 2) and np.allclose(answer["predict_proba"], proba)


@pytest.mark.anyio
async def test_binary_tensor_input_mixed_with_json_and_pinned(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    body = oip_tensor(5)
    array = np.asarray(body["inputs"][0]["data"], dtype="float32")
    header = {
        "inputs": [{"name": "input", "shape": [5, 4], "datatype": "FP32",
                    "parameters": {"binary_data_size": array.nbytes}}],
        "outputs": [{"name": "predict", "parameters": {"binary_data": True}}],
    }  # fmt: skip
    content, headers = binary_body(header, array.astype("<f4").tobytes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(
            "/v2/models/churn-api/versions/1/infer", content=content, headers=headers
        )
        assert (await client.get("/v2")).json()["extensions"] == ["binary_tensor_data"]
    assert response.status_code == 200, response.text
    model: Any = app.runtime.table.routes[0].model  # type: ignore[union-attr]
    assert read_answer(response)["predict"].tolist() == model.predict(array).tolist()


def test_bytes_elements_are_length_prefixed_and_text_when_utf8() -> None:
    raw = b"".join(struct.pack("<I", len(v)) + v for v in (b"pro", b"", b"\xff\x00"))
    decoded = binary.decode("plan", "BYTES", [3], memoryview(raw))
    assert decoded.tolist() == ["pro", "", b"\xff\x00"]
    assert binary.encode(np.array(["pro", "", b"\xff\x00"], dtype=object), "BYTES") == raw
    dates = np.array(["2026-03-01T10:00"], dtype="datetime64[m]")
    assert binary.encode(dates, "BYTES") == struct.pack("<I", 16) + b"2026-03-01T10:00"


@given(
    st.sampled_from(sorted(binary.DTYPES)),
    st.lists(st.integers(min_value=0, max_value=1), min_size=1, max_size=20),
)
def test_numeric_round_trip(datatype: str, values: list[int]) -> None:
    array = np.asarray(values, dtype=binary.DTYPES[datatype])
    raw = binary.encode(array, datatype)
    assert len(raw) == array.size * binary.DTYPES[datatype].itemsize
    assert binary.decode("x", datatype, [len(values)], memoryview(raw)).tolist() == array.tolist()


def test_a_size_that_does_not_fit_names_the_input_and_both_sizes() -> None:
    with pytest.raises(InvalidInputError, match=r"'x': shape \[2, 4\] of FP32 is 32 bytes, .* is 30"):
        binary.decode("x", "FP32", [2, 4], memoryview(b"\x00" * 30))
