"""Validation over REST against a real control plane: upload or reference data, read runs and reports.

Bad input is a 422 in the one error shape, and no run is stored.
"""

from __future__ import annotations

import hashlib
import io

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from tests.api.test_api import assert_error

PARQUET = {"Content-Type": "application/vnd.apache.parquet"}


@pytest.fixture(scope="module")
def holdout() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(400, 2)), columns=["a", "b"])
    return x.assign(y=(x["a"] - x["b"] > 0).astype(int), sex=rng.choice(["f", "m"], size=400))


@pytest.fixture
def version(base_url: str, name: str, holdout: pd.DataFrame) -> str:
    model = LogisticRegression().fit(holdout[["a", "b"]], holdout["y"])
    with Client(base_url, actor="bob") as client:
        client.register(model, name, input_example=holdout[["a", "b"]].head())
    return f"/api/v1/models/{name}/versions/1/validations"


def parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_upload_parquet_then_list_get_and_report(
    http: httpx.Client, version: str, holdout: pd.DataFrame
) -> None:
    params = {"target": "y", "sensitive": "sex", "suite": "- {check: metric, metric: accuracy, min: 0.9}"}
    created = http.post(version, content=parquet(holdout), headers=PARQUET, params=params)
    assert created.status_code == 201, created.text
    run = created.json()
    assert run["passed"] is True and run["created_by"] == "bob" and run["rows"] == 400
    assert [c["name"] for c in run["checks"]] == ["metric:accuracy"]
    assert len(run["data_fingerprint"]) == 64
    listed = http.get(version).json()["items"]
    assert [r["id"] for r in listed] == [run["id"]]
    assert http.get(f"{version}/{run['id']}").json() == run
    report = http.get(f"{version}/{run['id']}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "metric:accuracy" in report.text and "<svg" in report.text


def test_csv_upload_and_json_bodies(http: httpx.Client, version: str, holdout: pd.DataFrame) -> None:
    csv = holdout.to_csv(index=False).encode()
    failing = http.post(
        version,
        content=csv,
        headers={"Content-Type": "text/csv"},
        params={"target": "y", "suite": '[{"check": "metric", "metric": "accuracy", "min": 0.999}]'},
    )
    assert failing.status_code == 201, failing.text
    assert failing.json()["passed"] is False and failing.json()["failed"] == ["metric:accuracy"]
    inline = {
        "data": {"columns": ["a", "b", "y"], "data": holdout[["a", "b", "y"]].head(50).to_numpy().tolist()},
        "target": "y",
        "suite": {"checks": [{"check": "metric", "metric": "f1", "min": 0.5}]},
    }
    assert http.post(version, json=inline).status_code == 201
    blob = parquet(holdout)
    digest = hashlib.sha256(blob).hexdigest()
    assert http.put(f"/api/v1/artifacts/{digest}", content=blob).status_code in (200, 201)
    referenced = http.post(version, json={"data": {"artifact": digest, "format": "parquet"}, "target": "y"})
    assert referenced.status_code == 201, referenced.text
    assert "metric:roc_auc" in [c["name"] for c in referenced.json()["checks"]]  # the default suite
    assert len(http.get(version).json()["items"]) == 3


@pytest.mark.parametrize(
    ("body", "headers", "params", "fragment"),
    [
        (b"PAR1 not really", PARQUET, {"target": "y"}, "not readable PARQUET"),
        (None, PARQUET, {}, "Name the target column"),
        (None, PARQUET, {"target": "label"}, "no target column 'label'"),
        (None, PARQUET, {"target": "y", "sensitive": "nope"}, "no sensitive column 'nope'"),
        (None, PARQUET, {"target": "y", "suite": "- check: magic"}, "unknown check 'magic'"),
        (None, PARQUET, {"target": "y", "suite": "checks: [unclosed"}, "not valid YAML"),
        (
            b"a,b\n1,2\n",
            {"Content-Type": "text/plain"},
            {"target": "y"},
            "Unsupported content type 'text/plain'",
        ),
        (b'{"target": "y"}', {"Content-Type": "application/json"}, {}, "Invalid validation request"),
    ],
)
def test_bad_input_is_422_and_stores_nothing(
    http: httpx.Client,
    version: str,
    holdout: pd.DataFrame,
    body: bytes | None,
    headers: dict[str, str],
    params: dict[str, str],
    fragment: str,
) -> None:
    response = http.post(version, content=body or parquet(holdout), headers=headers, params=params)
    assert_error(response, 422, "invalid_input", fragment)
    assert http.get(version).json()["items"] == []


def test_unknown_version_and_run_are_404(
    http: httpx.Client, version: str, holdout: pd.DataFrame, name: str
) -> None:
    other = version.replace("/versions/1/", "/versions/7/")
    assert_error(
        http.post(other, content=parquet(holdout), headers=PARQUET, params={"target": "y"}), 404, "not_found"
    )
    assert_error(http.get(f"{version}/99999"), 404, "not_found", "No validation run 99999")
    assert_error(http.get(f"{version}/99999/report"), 404, "not_found")
