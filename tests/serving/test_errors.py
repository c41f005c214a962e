"""Every kind of bad request gets a 4xx with ``{"error": "…"}`` and the server keeps answering."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from steward.core.errors import ERROR_CLASSES
from steward.serving import errors
from steward.serving.app import Limits, ServingApp
from tests.serving.conftest import Registry, StaticResolver, build_app
from tests.serving.requests import oip_binary, oip_columns, split

pytestmark = pytest.mark.anyio
Served = tuple[ServingApp, StaticResolver, httpx.AsyncClient]
INFER = "/v2/models/churn-api/infer"


def _oip(**changes: Any) -> bytes:
    body = oip_columns(2)
    for item in body["inputs"]:
        if item["name"] in changes:
            item.update(changes[item["name"]])
    return json.dumps(body).encode()


def _without(name: str) -> bytes:
    body = oip_columns(2)
    body["inputs"] = [i for i in body["inputs"] if i["name"] != name]
    return json.dumps(body).encode()


def _extra() -> bytes:
    body = oip_columns(2)
    body["inputs"].append({"name": "zip", "shape": [2], "datatype": "INT64", "data": [1, 2]})
    return json.dumps(body).encode()


CSV = {"content-type": "text/csv"}
NO_ROWS = json.dumps(
    {"inputs": [{"name": n, "shape": [0], "datatype": d, "data": []}
                for n, d in (("tenure", "INT64"), ("charges", "FP64"), ("plan", "BYTES"))]}
).encode()  # fmt: skip
BAD_OUTPUT = json.dumps({**oip_columns(1), "outputs": [{"name": "x"}]}).encode()
HEADER_LENGTH = "inference-header-content-length"
NO_BINARY_PART = json.dumps(
    {
        "inputs": [
            {"name": "tenure", "shape": [2], "datatype": "INT64", "parameters": {"binary_data_size": 16}}
        ]
    }
).encode()
TWO_KEYS = json.dumps({**split([[1, 2.0, "a"]]), "instances": []}).encode()

#: (id, method, path, body, headers, status, words the message must contain)
CASES: list[tuple[str, str, str, bytes, dict[str, str], int, str]] = [
    ("unknown input", "POST", INFER, _extra(), {}, 400, "Unknown input(s) 'zip'"),
    ("missing input", "POST", INFER, _without("tenure"), {}, 400, "Missing input(s) 'tenure'"),
    ("text in a number column", "POST", INFER, _oip(tenure={"data": [1, "x"]}), {}, 400,
     "'tenure' expects int64"),
    ("fraction in an int column", "POST", INFER, _oip(tenure={"data": [1, 2.5]}), {}, 400, "whole numbers"),
    ("number in a text column", "POST", INFER, _oip(plan={"data": ["basic", 3]}), {}, 400,
     "'plan' expects strings"),
    ("null in a required column", "POST", INFER, _oip(tenure={"data": [1, None]}), {}, 400,
     "'tenure' has a missing value"),
    ("shape and data disagree", "POST", INFER, _oip(tenure={"shape": [3]}), {}, 400, "needs 3 values"),
    ("a column shaped as a matrix", "POST", INFER, _oip(tenure={"shape": [1, 2]}), {}, 400, "is a column"),
    ("columns of different lengths", "POST", INFER,
     _oip(tenure={"shape": [3], "data": [1, 2, 3]}), {}, 400, "different numbers of rows"),
    ("no rows", "POST", INFER, NO_ROWS, {}, 400, "no rows"),
    ("unknown datatype", "POST", INFER, _oip(tenure={"datatype": "INT128"}), {}, 400, "datatype 'INT128'"),
    ("empty inputs", "POST", INFER, b'{"inputs": []}', {}, 400, "non-empty"),
    ("not an object", "POST", INFER, b"[1, 2]", {}, 400, "JSON object"),
    ("empty body", "POST", INFER, b"", {}, 400, "empty"),
    ("malformed JSON", "POST", INFER, b"{inputs: ]", {}, 400, "not valid JSON"),
    ("truncated JSON", "POST", INFER, _oip()[:-20], {}, 400, "not valid JSON"),
    ("unknown output", "POST", INFER, BAD_OUTPUT, {}, 400, "Unknown output"),
    ("binary: header longer than the body", "POST", INFER, _oip(), {HEADER_LENGTH: "9999"}, 400,
     "the request is truncated"),
    ("binary: header length not a number", "POST", INFER, _oip(), {HEADER_LENGTH: "x"}, 400,
     "Inference-Header-Content-Length must be"),
    ("binary: header cut inside the JSON", "POST", INFER, _oip(), {HEADER_LENGTH: "10"}, 400,
     "not valid JSON"),
    ("binary: body cut short", "POST", INFER, oip_binary()[0][:-3], oip_binary()[1], 400,
     "the request is truncated"),
    ("binary: bytes after the last input", "POST", INFER, oip_binary()[0] + b"xx", oip_binary()[1], 400,
     "2 bytes of binary data after its last binary input"),
    ("binary: size does not fit shape and dtype", "POST", INFER,
     *oip_binary(tenure={"raw": b"\x00" * 12}), 400,
     "shape [2] of INT64 is 16 bytes, but binary_data_size is 12"),
    ("binary: BYTES length past the end", "POST", INFER,
     *oip_binary(plan={"raw": b"\xff\x00\x00\x00abc"}), 400, "past the end"),
    ("binary: too few BYTES elements", "POST", INFER,
     *oip_binary(plan={"raw": b"\x03\x00\x00\x00abc"}), 400, "needs 2 BYTES elements"),
    ("binary: unknown datatype", "POST", INFER, *oip_binary(charges={"datatype": "BF16"}), 400,
     "datatype 'BF16'"),
    ("binary: data and binary_data_size", "POST", INFER, *oip_binary(tenure={"data": [1, 2]}), 400,
     "has both"),
    ("binary: binary_data_size without the header", "POST", INFER, NO_BINARY_PART, {}, 400, "no binary part"),
    ("binary: on /invocations", "POST", "/invocations", *oip_binary(), 400, "is for /v2"),
    ("unsupported content type", "POST", INFER, _oip(), {"content-type": "application/xml"}, 415,
     "not supported"),
    ("unknown model", "POST", "/v2/models/fraud/infer", _oip(), {}, 404, "'fraud' is not served"),
    ("unknown version", "POST", "/v2/models/churn-api/versions/7/infer", _oip(), {}, 404, "version '7'"),
    ("unknown endpoint", "GET", "/v3/whatever", b"", {}, 404, "No such endpoint"),
    ("unknown model route", "GET", "/v2/models/churn-api/generate", b"", {}, 404, "No such endpoint"),
    ("wrong method, explain", "GET", "/v2/models/churn-api/explain", b"", {}, 405, "use POST"),
    ("wrong method", "GET", INFER, b"", {}, 405, "use POST"),
    ("wrong method, mlflow", "GET", "/invocations", b"", {}, 405, "use POST"),
    ("mlflow: no known key", "POST", "/invocations", b'{"rows": []}', {}, 400, "exactly one of"),
    ("mlflow: two keys", "POST", "/invocations", TWO_KEYS, {}, 400, "exactly one of"),
    ("mlflow: ragged rows", "POST", "/invocations", json.dumps(split([[1, 2.0]])).encode(), {}, 400,
     "row 0 must be a list of 3"),
    ("mlflow: nan in a required column", "POST", "/invocations", b"tenure,charges,plan\n,1.0,basic\n", CSV,
     400, "'tenure' has a missing value"),
    ("mlflow: empty csv", "POST", "/invocations", b"", CSV, 400, "empty"),
    ("mlflow: bad csv", "POST", "/invocations", b'tenure,charges,plan\n"1,2', CSV, 400, "CSV"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "headers", "status", "words"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])  # fmt: skip
async def test_bad_request_gets_a_json_error_and_the_server_keeps_answering(
    served: Served, method: str, path: str, body: bytes, headers: dict[str, str], status: int, words: str
) -> None:
    _, _, client = served
    response = await client.request(method, path, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert list(answer) == ["error"] and isinstance(answer["error"], str)
    assert words in answer["error"], answer["error"]
    if status == 405:
        assert response.headers["allow"] == "POST"
    good = await client.post(INFER, json=oip_columns(2))
    assert good.status_code == 200


async def test_oversized_body_is_413_before_and_while_reading(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"churn/1": 100})
    app = build_app(resolver, registry.loader(), limits=Limits(max_body=2000))
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        big = json.dumps(oip_columns(200)).encode()
        declared = await client.post(INFER, content=big)
        assert declared.status_code == 413 and "limit is 2000 bytes" in declared.json()["error"]

        async def chunks() -> Any:  # no Content-Length: the limit is found while reading
            for start in range(0, len(big), 500):
                yield big[start : start + 500]

        streamed = await client.post(INFER, content=chunks())
        assert streamed.status_code == 413 and "over the limit" in streamed.json()["error"]
        assert (await client.post(INFER, json=oip_columns(2))).status_code == 200


async def test_too_many_rows(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"churn/1": 100})
    app = build_app(resolver, registry.loader(), limits=Limits(max_rows=10))
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(INFER, json=oip_columns(11))
        assert response.status_code == 400 and "at most 10 per request" in response.json()["error"]


async def test_tensor_shape_errors(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        wrong_width = {"inputs": [{"name": "input", "shape": [2, 3], "datatype": "FP32", "data": [0.0] * 6}]}
        ragged = {"instances": [[1.0, 2.0, 3.0, 4.0], [1.0]]}
        text = {"instances": [["a", "b", "c", "d"]]}
        for path, body, words in (
            (INFER, wrong_width, "the model takes [-1, 4]"),
            ("/invocations", ragged, "ragged"),
            ("/invocations", text, "expects float32 numbers"),
        ):
            response = await client.post(path, json=body)
            assert response.status_code == 400, response.text
            assert words in response.json()["error"]


class Exploding:
    """A model whose predict raises, as a broken model would."""

    def predict(self, data: Any) -> Any:
        raise RuntimeError("weights are corrupt")


async def test_a_model_that_raises_gives_500_and_is_counted(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"churn/1": 100})
    app = build_app(resolver, lambda version: Exploding())
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(INFER, json=oip_columns(2))
        assert response.status_code == 500
        assert response.json() == {"error": "model failed: RuntimeError: weights are corrupt"}
        assert response.headers["steward-model-version"] == "churn/1"
        bad_input = await client.post(INFER, json={"inputs": []})
        assert bad_input.status_code == 400  # bad input never reaches the model
        metrics = (await client.get("/metrics")).text
    assert 'steward_model_errors_total{deployment="churn-api",version="churn/1"} 1.0' in metrics


async def test_not_ready_is_503(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"churn/1": 100})
    app = build_app(resolver, registry.loader())  # never refreshed: nothing loaded
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for path in ("/v2/health/ready", "/ping", "/v2/models/churn-api/ready"):
            assert (await client.get(path)).status_code == 503
        assert (await client.get("/v2/health/live")).status_code == 200
        response = await client.post(INFER, json=oip_columns(2))
        assert response.status_code == 503 and "not ready" in response.json()["error"]
        assert (await client.post("/invocations", json=split([[1, 2.0, "a"]]))).status_code == 503


def test_every_error_class_has_a_status() -> None:
    classes = [*ERROR_CLASSES, *(getattr(errors, n) for n in dir(errors) if n.endswith("Error"))]
    for cls in classes:
        exc = cls("x", ()) if cls is errors.MethodNotAllowedError else cls("x")
        status = errors.status_for(exc)
        assert 400 <= status < 600, cls
    assert errors.status_for(errors.PayloadTooLargeError("x")) == 413
    assert errors.status_for(errors.ModelFailedError("x")) == 500
