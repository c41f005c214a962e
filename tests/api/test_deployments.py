"""Deployments over REST, against a real control plane: shapes, statuses, nothing written on bad input."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import audit_count
from tests.api.test_api import assert_error, register


def spec(routes: dict[str, float], **options: Any) -> dict[str, Any]:
    return {"routes": [{"ref": r, "weight": w} for r, w in routes.items()], **options}


@pytest.fixture
def deployed(http: httpx.Client, name: str, manifest: str) -> str:
    """Model *name* with versions 1 and 2, champion -> 1, and deployment *name* (revision 1)."""
    for _ in range(2):
        assert register(http, name, manifest).status_code == 201
    assert http.put(f"/api/v1/models/{name}/aliases/champion", json={"version": 1}).status_code == 200
    body = {"name": name, "spec": spec({f"{name}@champion": 90, f"{name}/2": 10}), "reason": "launch"}
    created = http.post("/api/v1/deployments", json=body)
    assert created.status_code == 201, created.text
    return name


def test_openapi_lists_the_routes(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for suffix in (
        "",
        "/{name}",
        "/{name}/history",
        "/{name}/rollback",
        "/{name}/promote",
        "/{name}/kill",
        "/{name}/revive",
        "/{name}/resolved",
    ):
        assert f"/api/v1/deployments{suffix}" in paths


def test_lifecycle(http: httpx.Client, deployed: str) -> None:
    n = deployed
    base = f"/api/v1/deployments/{n}"
    current = http.get(base).json()
    assert (current["name"], current["revision"], current["created_by"], current["reason"]) == (
        n, 1, "bob", "launch",
    )  # fmt: skip
    assert current["spec"]["routes"] == [
        {"ref": f"{n}@champion", "weight": 90.0},
        {"ref": f"{n}/2", "weight": 10.0},
    ]
    assert current["spec"]["batching"] == {"enabled": False, "max_batch_size": 32, "max_wait_ms": 5.0}
    assert n in [d["name"] for d in http.get("/api/v1/deployments").json()["items"]]

    before = audit_count(http)
    new = spec({f"{n}@champion": 50, f"{n}/2": 50}, shadows=[f"{n}/1"], sticky_header="X-User",
                batching={"enabled": True, "max_batch_size": 8, "max_wait_ms": 2})  # fmt: skip
    updated = http.put(base, json={"spec": new, "reason": "even split"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["revision"] == 2 and updated.json()["spec"]["shadows"] == [f"{n}/1"]
    promoted = http.post(f"{base}/promote", json={"ref": f"{n}/2", "reason": "canary wins"})
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["spec"]["routes"] == [{"ref": f"{n}/2", "weight": 100.0}]
    back = http.post(f"{base}/rollback", json={})
    assert back.status_code == 200 and back.json()["revision"] == 4
    assert back.json()["spec"] == updated.json()["spec"] and back.json()["reason"] == "rollback"
    assert audit_count(http) == before + 3
    actions = [e["action"] for e in http.get("/api/v1/audit", params={"target": n}).json()["items"]]
    assert actions[-4:] == [
        "deployment.create",
        "deployment.update",
        "deployment.promote",
        "deployment.rollback",
    ]

    history = http.get(f"{base}/history").json()["items"]
    assert [h["revision"] for h in history] == [1, 2, 3, 4]
    assert http.get(base, params={"revision": 3}).json() == promoted.json()

    resolved = http.get(f"{base}/resolved").json()
    assert resolved["deployment"]["revision"] == 4
    routes = [(r["ref"], r["weight"], r["version"]["ref"]) for r in resolved["routes"]]
    assert routes == [(f"{n}@champion", 50.0, f"{n}/1"), (f"{n}/2", 50.0, f"{n}/2")]
    version = resolved["routes"][0]["version"]
    assert version["flavor"] == "python" and len(version["artifact_digest"]) == 64
    assert [v["ref"] for v in resolved["shadows"]] == [f"{n}/1"] and resolved["fallback"] is None

    assert http.put(f"/api/v1/models/{n}/aliases/champion", json={"version": 2}).status_code == 200
    moved = http.get(f"{base}/resolved").json()
    assert moved["routes"][0]["version"]["ref"] == f"{n}/2" and moved["deployment"]["revision"] == 4


GOOD = {"routes": [{"ref": "{n}/1", "weight": 100}]}

CASES = [
    ("GET", "/deployments/nope-{n}", None, 404, "not_found", "No deployment named 'nope-{n}'"),
    ("GET", "/deployments/Bad%20Name", None, 422, "invalid_input", "Invalid deployment name"),
    ("GET", "/deployments/{n}?revision=9", None, 404, "not_found", "has no revision 9 (current is 1)"),
    ("GET", "/deployments/{n}?revision=0", None, 422, "invalid_input", "revision"),
    ("GET", "/deployments/{n}?revision=abc", None, 422, "invalid_input", "revision"),
    ("GET", "/deployments/nope-{n}/history", None, 404, "not_found", "No deployment named"),
    ("GET", "/deployments/nope-{n}/resolved", None, 404, "not_found", "No deployment named"),
    ("GET", "/deployments/UPPER/resolved", None, 422, "invalid_input", "Invalid deployment name"),
    ("POST", "/deployments", {"name": "{n}", "spec": GOOD}, 409, "conflict", "already exists"),
    ("POST", "/deployments", {"name": "Bad_Name", "spec": GOOD}, 422, "invalid_input", "Invalid deployment"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}/1": 60, "{n}/2": 30})},
     422, "invalid_input", "add up to 90, not 100"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}/1": 110, "{n}/2": -10})},
     422, "invalid_input", "outside 0-100"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}@ghost": 100})},
     404, "not_found", "Route {n}@ghost does not resolve"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}/9": 100})},
     404, "not_found", "no version 9 (latest is 2)"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"ghost-{n}/1": 100})},
     404, "not_found", "No model named"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}/1": 100}, shadows=["{n}@ghost"])},
     404, "not_found", "Shadow {n}@ghost"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}": 100})},
     422, "invalid_input", "not just a model"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}/1": "ninety"})},
     422, "invalid_input", "spec.routes.0.weight"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": spec({"{n}/1": True})},
     422, "invalid_input", "weight"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": {"routes": "{n}/1"}}, 422, "invalid_input", "routes"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": {"routes": []}}, 422, "invalid_input", "at least one"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": {**GOOD, "colour": "red"}}, 422, "invalid_input",
     "colour"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": {**GOOD, "batching": {"max_batch_size": "8"}}},
     422, "invalid_input", "max_batch_size"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": {**GOOD, "batching": {"max_batch_size": 0}}},
     422, "invalid_input", "max_batch_size"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": {**GOOD, "log_sample_rate": 1.5}},
     422, "invalid_input", "log_sample_rate"),
    ("POST", "/deployments", {"name": "x-{n}", "spec": {**GOOD, "sticky_header": "no spaces"}},
     422, "invalid_input", "sticky header"),
    ("POST", "/deployments", {"name": "x-{n}"}, 422, "invalid_input", "spec"),
    ("POST", "/deployments", {"name": 7, "spec": GOOD}, 422, "invalid_input", "name"),
    ("PUT", "/deployments/nope-{n}", {"spec": GOOD}, 404, "not_found", "No deployment named"),
    ("PUT", "/deployments/{n}", {"spec": spec({"{n}/1": 50})}, 422, "invalid_input", "add up to 50"),
    ("PUT", "/deployments/{n}", {"spec": spec({"{n}@ghost": 100})}, 404, "not_found", "no alias 'ghost'"),
    ("PUT", "/deployments/{n}", {"spec": GOOD, "extra": 1}, 422, "invalid_input", "extra"),
    ("POST", "/deployments/{n}/rollback", {}, 409, "conflict", "no earlier revision"),
    ("POST", "/deployments/nope-{n}/rollback", {}, 404, "not_found", "No deployment named"),
    ("POST", "/deployments/{n}/rollback", {"reason": 5}, 422, "invalid_input", "reason"),
    ("POST", "/deployments/{n}/promote", {"ref": "{n}/1"}, 422, "invalid_input", "is not a route"),
    ("POST", "/deployments/{n}/promote", {"ref": "{n}"}, 422, "invalid_input", "is not a route"),
    ("POST", "/deployments/{n}/promote", {"ref": "{n}/x"}, 422, "invalid_input", "Invalid model reference"),
    ("POST", "/deployments/{n}/promote", {}, 422, "invalid_input", "ref"),
    ("POST", "/deployments/nope-{n}/promote", {"ref": "{n}/2"}, 404, "not_found", "No deployment named"),
    ("DELETE", "/deployments/{n}", None, 405, "method_not_allowed", ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "fragment"),
    CASES,
    ids=[f"{c[0]} {c[1]} {c[3]}" for c in CASES],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    http: httpx.Client,
    deployed: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str,
    fragment: str,
) -> None:
    n = deployed
    before = audit_count(http)
    listed = http.get("/api/v1/deployments").json()
    payload = None if body is None else json.loads(json.dumps(body).replace("{n}", n))
    response = http.request(method, "/api/v1" + path.replace("{n}", n), json=payload)
    assert_error(response, status, code, fragment.replace("{n}", n))
    assert audit_count(http) == before
    assert http.get("/api/v1/deployments").json() == listed
    assert http.get(f"/api/v1/deployments/{n}").json()["revision"] == 1


def test_oversized_and_malformed_bodies(http: httpx.Client, deployed: str) -> None:
    before = audit_count(http)
    huge = b'{"name": "big", "spec": {"routes": [], "description": "' + b"x" * (9 * 1024 * 1024) + b'"}}'
    assert_error(http.post("/api/v1/deployments", content=huge), 413, "payload_too_large", "larger than")
    headers = {"content-type": "application/json"}
    for path in ("/api/v1/deployments", f"/api/v1/deployments/{deployed}/promote"):
        assert_error(http.post(path, content=b"{not json", headers=headers), 422, "invalid_input")
    assert_error(
        http.put(f"/api/v1/deployments/{deployed}", content=b"[1,", headers=headers), 422, "invalid_input"
    )
    long = {"name": "x" * 64, "spec": {"routes": [{"ref": "a/1", "weight": 100}]}}
    assert_error(http.post("/api/v1/deployments", json=long), 422, "invalid_input", "name")
    many = {"name": "many", "spec": {"routes": [{"ref": f"a/{i}", "weight": 0.5} for i in range(1, 201)]}}
    assert_error(http.post("/api/v1/deployments", json=many), 422, "invalid_input", "routes")
    assert audit_count(http) == before


def test_kill_and_revive(http: httpx.Client, deployed: str) -> None:
    base = f"/api/v1/deployments/{deployed}"
    before = audit_count(http)
    killed = http.post(f"{base}/kill", json={"reason": "incident 42"})
    assert killed.status_code == 200, killed.text
    assert (killed.json()["revision"], killed.json()["spec"]["killed"]) == (2, "incident 42")
    resolved = http.get(f"{base}/resolved").json()
    assert resolved["routes"] == [] and resolved["stopped"] == "incident 42"
    revived = http.post(f"{base}/revive", json={"reason": "fixed"})
    assert revived.status_code == 200 and "killed" not in revived.json()["spec"]
    assert audit_count(http) == before + 2


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "fragment"),
    [
        ("/kill", {"reason": ""}, 422, "invalid_input", "needs a reason"),
        ("/kill", {}, 422, "invalid_input", "needs a reason"),
        ("/kill", {"reason": "x" * 1001}, 422, "invalid_input", "reason"),
        ("/revive", {"reason": "x"}, 409, "conflict", "nothing to revive"),
    ],
)
def test_kill_bad_input(
    http: httpx.Client, deployed: str, path: str, body: dict[str, Any], status: int, code: str, fragment: str
) -> None:
    before = audit_count(http)
    assert_error(http.post(f"/api/v1/deployments/{deployed}{path}", json=body), status, code, fragment)
    assert http.get(f"/api/v1/deployments/{deployed}").json()["revision"] == 1
    assert audit_count(http) == before


def test_kill_an_unknown_deployment(http: httpx.Client) -> None:
    assert_error(http.post("/api/v1/deployments/nope/kill", json={"reason": "x"}), 404, "not_found", "nope")


def test_kill_a_version(http: httpx.Client, deployed: str) -> None:
    base = "/api/v1/kill-switch/versions"
    before = audit_count(http)
    killed = http.post(base, json={"ref": f"{deployed}/2", "reason": "bad weights"})
    assert killed.status_code == 201, killed.text
    assert (killed.json()["ref"], killed.json()["killed_by"]) == (f"{deployed}/2", "bob")
    assert killed.json() in http.get(base).json()["items"]
    routes = http.get(f"/api/v1/deployments/{deployed}/resolved").json()["routes"]
    assert [r["version"]["version"] for r in routes] == [1]  # no fallback: the killed route left out
    assert_error(http.post(base, json={"ref": f"{deployed}/2", "reason": "x"}), 409, "conflict", "already")
    revived = http.post(f"{base}/revive", json={"ref": f"{deployed}/2", "reason": "fine"})
    assert revived.status_code == 200 and revived.json() == killed.json()
    assert audit_count(http) == before + 2


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        ({"ref": "ghost/1", "reason": "x"}, 404, "not_found", "ghost"),
        ({"ref": "ghost", "reason": "x"}, 422, "invalid_input", "version"),
        ({"ref": "ghost/1", "reason": ""}, 422, "invalid_input", "needs a reason"),
        ({"reason": "x"}, 422, "invalid_input", "ref"),
    ],
)
def test_kill_a_version_bad_input(
    http: httpx.Client, body: dict[str, Any], status: int, code: str, fragment: str
) -> None:
    before = audit_count(http)
    assert_error(http.post("/api/v1/kill-switch/versions", json=body), status, code, fragment)
    assert audit_count(http) == before
