"""The explanation routes: 201 then 200 for one request, SVG and PNG plots, one error shape for bad input."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client


@pytest.fixture
def version(base_url: str, name: str) -> tuple[str, dict[str, Any]]:
    """A registered classifier and a request body with its data."""
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.normal(size=(80, 2)), columns=["a", "b"])
    y = (x["a"] > 0).astype(int)
    with Client(base_url, actor="setup") as client:
        client.register(LogisticRegression().fit(x, y), name, input_example=x.head(), capture_code=False)
    table = x.assign(label=y)
    body = {"data": {"columns": list(table.columns), "data": table.to_numpy().tolist()}, "target": "label"}
    return f"/api/v1/models/{name}/versions/1/explanations", body


def test_create_reuse_list_get_plot(http: httpx.Client, version: tuple[str, dict[str, Any]]) -> None:
    path, body = version
    created = http.post(path, json=body)
    assert created.status_code == 201, created.text
    explanation = created.json()
    assert explanation["kind"] == "global" and explanation["method"] == "permutation"
    assert explanation["created_by"] == "bob" and explanation["result"]["features"] == ["a", "b"]
    again = http.post(path, json=body)
    assert again.status_code == 200 and again.json()["id"] == explanation["id"] and again.json()["reused"]
    listed = http.get(path).json()["items"]
    assert [e["id"] for e in listed] == [explanation["id"]] and "result" not in listed[0]
    assert http.get(path, params={"kind": "local"}).json()["items"] == []
    assert http.get(f"{path}/{explanation['id']}").json()["result"] == explanation["result"]
    svg = http.get(f"{path}/{explanation['id']}/plot")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")
    png = http.get(f"{path}/{explanation['id']}/plot", params={"format": "png"})
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    local = http.post(path, json={**body, "kind": "local", "row": 3, "target": None})
    assert local.status_code == 201 and local.json()["result"]["method"] == "linear"


def _error(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and text in error["message"]


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"kind": "why"}, 422, "kind"),
        ({"row": -1, "kind": "local"}, 422, "row"),
        ({"kind": "local"}, 422, "needs the row"),
        ({"n_repeats": 0}, 422, "n_repeats is a whole number"),
        ({"method": "magic"}, 422, "Unknown method 'magic'"),
        ({"target": "nope"}, 422, "no target column 'nope'"),
        ({"surprise": 1}, 422, "surprise"),
        ({"data": {"columns": ["a", "b"], "data": [[1.0]]}}, 422, "must have 2 values"),
        ({"data": {"columns": ["a", "a"], "data": [[1.0, 2.0]]}}, 422, "unique"),
        ({"data": {"columns": ["a"], "data": []}}, 422, "data.data"),
        ({"data": None}, 422, "data"),
        ({"data": {"columns": ["x", "label"], "data": [[1.0, 0]]}}, 422, "lacks the model's input column"),
    ],
)
def test_bad_bodies(
    http: httpx.Client, version: tuple[str, dict[str, Any]], change: dict[str, Any], status: int, text: str
) -> None:
    path, body = version
    _error(http.post(path, json={**body, **change}), status, text)
    assert http.get(path).json()["items"] == []


def test_bad_paths(http: httpx.Client, version: tuple[str, dict[str, Any]], name: str) -> None:
    path, body = version
    _error(http.post(path.replace("/versions/1/", "/versions/7/"), json=body), 404, "no version 7")
    _error(http.post(path.replace(name, "nope-model"), json=body), 404, "No model named 'nope-model'")
    _error(http.post(path.replace("/versions/1/", "/versions/x/"), json=body), 422, "version")
    _error(http.get(f"{path}/99"), 404, "no explanation 99")
    _error(http.get(f"{path}/abc"), 422, "explanation_id")
    _error(http.get(path, params={"kind": "why"}), 422, "kind")
    created = http.post(path, json=body).json()
    _error(http.get(f"{path}/{created['id']}/plot", params={"format": "gif"}), 422, "format")
