"""REST rollouts against a real control plane, and the SDK's remote side of them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from steward import Client
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from tests.api.conftest import audit_count
from tests.api.test_api import register
from tests.api.test_deployments import spec


@pytest.fixture
def deployed(http: httpx.Client, name: str, manifest: str) -> str:
    """Model *name* with versions 1 and 2, champion -> 1, deployment *name* serving the champion."""
    for _ in range(2):
        assert register(http, name, manifest).status_code == 201
    assert http.put(f"/api/v1/models/{name}/aliases/champion", json={"version": 1}).status_code == 200
    created = http.post("/api/v1/deployments", json={"name": name, "spec": spec({f"{name}@champion": 100})})
    assert created.status_code == 201, created.text
    return name


def start_body(name: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "challenger": f"{name}/2",
        "steps": [10, 100],
        "step_seconds": 60,
        "min_requests": 5,
        "guardrails": {"max_error_rate": 0.01, "max_p99_ms": 250},
        "reason": "try v2",
    }
    return {**body, **changes}


def test_start_status_list_abort(http: httpx.Client, deployed: str) -> None:
    name = deployed
    made = http.post(f"/api/v1/deployments/{name}/rollouts", json=start_body(name))
    assert made.status_code == 201, made.text
    rollout = made.json()
    assert (rollout["state"], rollout["weight"], rollout["challenger"]) == ("running", 10.0, f"{name}/2")
    assert rollout["started_by"] == "bob" and rollout["plan"]["guardrails"]["max_p99_ms"] == 250
    routes = http.get(f"/api/v1/deployments/{name}").json()["spec"]["routes"]
    assert [(r["ref"], r["weight"]) for r in routes] == [(f"{name}@champion", 90.0), (f"{name}/2", 10.0)]

    again = http.post(f"/api/v1/deployments/{name}/rollouts", json=start_body(name))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    current = http.get(f"/api/v1/deployments/{name}/rollouts/current").json()
    assert current["id"] == rollout["id"] and current["readings"]["challenger"]["requests"] == 0
    assert current["verdict"]["action"] == "continue" and "0 of 5" in current["verdict"]["reason"]
    listed = http.get(f"/api/v1/deployments/{name}/rollouts").json()["items"]
    assert [r["id"] for r in listed] == [rollout["id"]]
    assert rollout["id"] in [r["id"] for r in http.get("/api/v1/rollouts").json()["items"]]
    assert http.post("/api/v1/rollouts/tick").status_code == 200

    aborted = http.post(f"/api/v1/deployments/{name}/rollouts/current/abort", json={"reason": "enough"})
    assert aborted.status_code == 200 and aborted.json()["state"] == "aborted"
    assert aborted.json()["history"][-1]["reason"] == "enough"
    assert http.post(f"/api/v1/deployments/{name}/rollouts/current/abort", json={}).status_code == 409
    events = http.get("/api/v1/events", params={"types": "rollout.*"}).json()["items"]
    mine = [e["data"]["action"] for e in events if e["subject"] == name]
    assert mine == ["rollout.start", "rollout.abort"]
    compared = http.get(f"/api/v1/deployments/{name}/shadows/compare", params={"since": 60})
    assert compared.status_code == 200 and compared.json() == {"items": []}


@pytest.mark.parametrize(
    "changes",
    [
        {"steps": [50, 10]},
        {"steps": []},
        {"challenger": "nope"},
        {"guardrails": {"max_error_rate": 2}},
        {"guardrails": {"drift_statistic": "kl"}},
        {"guardrails": {"metric": "accuracy"}},
        {"min_requests": 0},
        {"step_seconds": -5},
        {"extra": 1},
    ],
)
def test_bad_starts_get_a_clear_error_and_write_nothing(
    http: httpx.Client, deployed: str, changes: dict[str, Any]
) -> None:
    before = audit_count(http)
    answer = http.post(f"/api/v1/deployments/{deployed}/rollouts", json=start_body(deployed, **changes))
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) == {"error"}
    assert audit_count(http) == before
    assert http.get(f"/api/v1/deployments/{deployed}/rollouts").json()["items"] == []


def test_unknown_things_are_404(http: httpx.Client, deployed: str) -> None:
    assert http.post("/api/v1/deployments/nope/rollouts", json=start_body(deployed)).status_code == 404
    assert http.get("/api/v1/deployments/nope/rollouts/current").status_code == 404
    assert http.get(f"/api/v1/deployments/{deployed}/rollouts/current").status_code == 404  # none yet
    missing = http.post(
        f"/api/v1/deployments/{deployed}/rollouts", json=start_body(deployed, challenger="x/9")
    )
    assert missing.status_code == 404
    assert http.get(f"/api/v1/deployments/{deployed}/shadows/compare", params={"since": 0}).status_code == 422


def test_the_remote_client_does_the_same(base_url: str, deployed: str) -> None:
    with Client(base_url, actor="carol") as client:
        rollout = client.start_rollout(deployed, f"{deployed}/2", steps=(20, 100), every="1m", min_requests=3)
        assert (rollout.weight, rollout.started_by, rollout.plan.step_seconds) == (20.0, "carol", 60.0)
        with pytest.raises(ConflictError):
            client.start_rollout(deployed, f"{deployed}/2")
        with pytest.raises(InvalidInputError):  # checked before any request
            client.start_rollout(deployed, f"{deployed}/2", every="soon")
        status = client.rollout(deployed)
        assert status.rollout == rollout and status.verdict is not None
        assert client.rollouts(deployed) == [rollout]
        assert client.tick_rollouts() == []
        assert client.compare_shadow(deployed, since="5m") == []
        aborted = client.abort_rollout(deployed, reason="done")
        assert aborted.state == "aborted" and client.rollout(deployed).verdict is None
        with pytest.raises(NotFoundError):
            client.rollout("nope")


def test_shadow_first_over_rest_and_the_remote_client(
    http: httpx.Client, base_url: str, deployed: str
) -> None:
    made = http.post(f"/api/v1/deployments/{deployed}/rollouts", json=start_body(deployed, shadow_seconds=60))
    assert made.status_code == 201 and (made.json()["step"], made.json()["weight"]) == (-1, 0.0)
    spec_now = http.get(f"/api/v1/deployments/{deployed}").json()["spec"]
    assert spec_now["shadows"] == [f"{deployed}/2"] and len(spec_now["routes"]) == 1
    with Client(base_url, actor="carol") as client:
        client.abort_rollout(deployed, reason="later")
        assert client.get_deployment(deployed).spec.shadows == ()
        again = client.start_rollout(deployed, f"{deployed}/2", shadow_first="2m")
        assert again.shadowing and again.plan.shadow_seconds == 120.0
