"""/metrics: Prometheus text that parses, from a registry of this app's own."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from steward.serving.app import ServingApp
from tests.serving.conftest import StaticResolver
from tests.serving.requests import oip_columns

pytestmark = pytest.mark.anyio
Served = tuple[ServingApp, StaticResolver, httpx.AsyncClient]


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def test_metrics_parse_and_count_requests(served: Served) -> None:
    _, _, client = served
    for _ in range(3):
        assert (await client.post("/v2/models/churn-api/infer", json=oip_columns(2))).status_code == 200
    assert (await client.post("/invocations", json={"instances": []})).status_code == 400
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    ok = (("deployment", "churn-api"), ("protocol", "oip"), ("status", "200"), ("version", "churn/1"))
    bad = (("deployment", "churn-api"), ("protocol", "mlflow"), ("status", "400"), ("version", "churn/1"))
    assert samples[("steward_requests_total", ok)] == 3
    assert samples[("steward_requests_total", bad)] == 1
    latency = (("deployment", "churn-api"), ("protocol", "oip"))
    assert samples[("steward_request_latency_seconds_count", latency)] == 3
    names = {name for name, _ in samples}
    for name in (
        "steward_in_flight_requests",
        "steward_model_swaps_total",
        "steward_payload_log_dropped_total",
    ):
        assert name in names


async def test_each_app_has_its_own_registry(served: Served) -> None:
    app, _, _ = served
    from prometheus_client import REGISTRY

    assert app.metrics.registry is not REGISTRY
    assert REGISTRY.get_sample_value("steward_requests_total") is None
