"""Monitoring routes over REST: bad input gets the one error shape and a 4xx, and writes nothing."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest

from tests.api.conftest import audit_count
from tests.api.test_api import assert_error, register

PARQUET = {"Content-Type": "application/vnd.apache.parquet"}


def parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.fixture
def deployed(http: httpx.Client, name: str, manifest: str) -> str:
    assert register(http, name, manifest).status_code == 201
    body = {"name": name, "spec": {"routes": [{"ref": f"{name}/1", "weight": 100}]}}
    assert http.post("/api/v1/deployments", json=body).status_code == 201
    return name


def test_openapi_lists_the_monitoring_routes(http: httpx.Client) -> None:
    paths = set(http.get("/openapi.json").json()["paths"])
    base = "/api/v1/deployments/{name}/monitoring"
    assert {base, f"{base}/run", f"{base}/labels", f"{base}/figures", f"{base}/report"} <= paths
    assert {
        "/api/v1/monitoring/references",
        "/api/v1/monitoring/alert-rules/{name}",
        "/api/v1/monitoring/alerts",
    } <= paths


def test_a_run_with_no_log_yet_is_empty_and_figures_are_an_empty_list(
    http: httpx.Client, deployed: str
) -> None:
    run = http.post(f"/api/v1/deployments/{deployed}/monitoring/run")
    assert run.status_code == 200 and run.json()["files"] == 0
    assert http.get(f"/api/v1/deployments/{deployed}/monitoring/figures").json() == {"items": []}
    assert_error(
        http.get(f"/api/v1/deployments/{deployed}/monitoring/report"), 422, "invalid_input", "no monitoring"
    )


def test_bad_input_gets_a_clear_4xx_and_nothing_is_written(http: httpx.Client, deployed: str) -> None:
    before = audit_count(http)
    base = f"/api/v1/deployments/{deployed}/monitoring"
    assert_error(http.post("/api/v1/deployments/nope/monitoring/run"), 404, "not_found", "nope")
    assert_error(
        http.post(f"{base}/labels", content=b"not parquet", headers=PARQUET), 422, "invalid_input", "Parquet"
    )
    assert_error(http.post(f"{base}/labels"), 422, "invalid_input", "Parquet body")
    no_id = parquet(pd.DataFrame({"id": ["a"], "label": [1]}))
    assert_error(
        http.post(f"{base}/labels", content=no_id, headers=PARQUET), 422, "invalid_input", "request_id"
    )
    empty_labels = parquet(
        pd.DataFrame({"request_id": pd.Series([], dtype=str), "label": pd.Series([], dtype=int)})
    )
    assert_error(
        http.post(f"{base}/labels", content=empty_labels, headers=PARQUET), 422, "invalid_input", "no rows"
    )
    assert_error(http.put(base, json={"window": "week"}), 422, "invalid_input", "window")
    assert_error(http.put(base, json={"drift": {"numeric_method": "vibes"}}), 422, "invalid_input", "vibes")
    assert_error(
        http.put(base, json={"drift": {"multivariate_sample": 1}}),
        422,
        "invalid_input",
        "multivariate_sample",
    )
    ref = {"ref": f"{deployed}/9"}
    frame = parquet(pd.DataFrame({"a": [1.0, 2.0]}))
    assert_error(
        http.put("/api/v1/monitoring/references", params=ref, content=frame, headers=PARQUET),
        404,
        "not_found",
    )
    assert_error(
        http.get("/api/v1/monitoring/references", params={"ref": f"{deployed}/1"}),
        404,
        "not_found",
        "set-reference",
    )
    for importance in ("{not json", "[1, 2]"):
        assert_error(
            http.put(
                "/api/v1/monitoring/references",
                params={"ref": f"{deployed}/1", "importance": importance},
                content=frame,
                headers=PARQUET,
            ),
            422,
            "invalid_input",
            "JSON object",
        )
    assert_error(http.get(f"{base}/report", params={"format": "pdf"}), 422, "invalid_input")
    assert_error(http.post(f"{base}/run", params={"engine": "spark"}), 422, "invalid_input", "local or ray")
    assert_error(http.put(base, json={"window": "rows:3"}), 422, "invalid_input", "rows:N")
    assert_error(http.get(f"{base}/figures", params={"limit": 0}), 422, "invalid_input")
    rule = {"pattern": "drift.share", "comparison": "==", "threshold": 0.5}
    assert_error(http.put("/api/v1/monitoring/alert-rules/r1", json=rule), 422, "invalid_input", "comparison")
    rule = {"pattern": "drift.share", "comparison": ">", "threshold": 0.5, "notifiers": [{"type": "pager"}]}
    assert_error(http.put("/api/v1/monitoring/alert-rules/r1", json=rule), 422, "invalid_input", "notifier")
    rule = {"pattern": "drift.share", "comparison": ">", "threshold": 0.5, "deployment": "nope"}
    assert_error(http.put("/api/v1/monitoring/alert-rules/r1", json=rule), 404, "not_found", "nope")
    assert_error(http.get("/api/v1/monitoring/alert-rules/r1"), 404, "not_found", "r1")
    assert_error(http.get("/api/v1/monitoring/alerts", params={"status": "maybe"}), 422, "invalid_input")
    assert audit_count(http) == before


def test_alert_rules_round_trip_with_secrets_hidden(http: httpx.Client, deployed: str) -> None:
    rule = {
        "pattern": "drift.*",
        "comparison": ">=",
        "threshold": 0.3,
        "for_windows": 3,
        "cooldown_seconds": 3600,
        "deployment": deployed,
        "notifiers": [{"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s"}],
    }
    name = f"rule-{deployed}"
    put = http.put(f"/api/v1/monitoring/alert-rules/{name}", json=rule)
    assert put.status_code == 200, put.text
    assert put.json()["notifiers"][0]["secret"] == "***" and put.json()["for_windows"] == 3
    assert name in [r["name"] for r in http.get("/api/v1/monitoring/alert-rules").json()["items"]]
    assert http.delete(f"/api/v1/monitoring/alert-rules/{name}").status_code == 200
    assert_error(http.delete(f"/api/v1/monitoring/alert-rules/{name}"), 404, "not_found")
