"""The REST control plane as a real process: shapes, statuses, and nothing written on bad input."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from steward.api.errors import STATUS, status_for
from steward.core.errors import ERROR_CLASSES
from tests.api.conftest import audit_count


def assert_error(response: httpx.Response, status: int, code: str, fragment: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert fragment in body["error"]["message"]
    return body


def register(http: httpx.Client, name: str, manifest: str, **extra: Any) -> httpx.Response:
    body = {"artifact_digest": manifest, "flavor": "python", **extra}
    return http.post(f"/api/v1/models/{name}/versions", json=body)


def test_every_error_class_has_a_status() -> None:
    for cls in ERROR_CLASSES:
        assert cls in STATUS
        assert 400 <= status_for(cls("x")) < 600


def test_openapi_lists_the_routes(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/models",
        "/api/v1/models/{name}/versions",
        "/api/v1/models/{name}/aliases/{alias}",
        "/api/v1/versions",
        "/api/v1/artifacts/{digest}",
        "/api/v1/audit",
    ):
        assert path in paths
    assert http.get("/docs").status_code == 200


def test_register_and_read(http: httpx.Client, name: str, manifest: str) -> None:
    created = register(http, name, manifest, metrics={"auc": 0.8}, tags={"team": "x"})
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1 and created.json()["created_by"] == "bob"
    assert http.get(f"/api/v1/models/{name}/versions/latest").json()["metrics"] == {"auc": 0.8}
    assert http.get(f"/api/v1/refs/{name}/1").json()["ref"] == f"{name}/1"
    moved = http.put(f"/api/v1/models/{name}/aliases/champion", json={"version": 1, "reason": "go"})
    assert moved.status_code == 200 and moved.json()["version"] == 1
    assert http.get(f"/api/v1/models/{name}/aliases/champion").json()["version"] == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "fragment"),
    [
        ("GET", "/api/v1/models/nope-{n}", None, 404, "not_found", "No model named"),
        ("GET", "/api/v1/models/{n}/versions/7", None, 404, "not_found", "latest is 1"),
        ("GET", "/api/v1/models/{n}/versions/abc", None, 422, "invalid_input", "Invalid version"),
        ("GET", "/api/v1/models/{n}/versions/0", None, 422, "invalid_input", "Invalid version"),
        ("GET", "/api/v1/models/bad%20name/versions/1", None, 422, "invalid_input", "Invalid model name"),
        ("GET", "/api/v1/models/{n}/aliases/ghost", None, 404, "not_found", "has no alias"),
        ("GET", "/api/v1/versions?filter=name%20%3D", None, 422, "invalid_input", "Bad filter"),
        ("GET", "/api/v1/versions?filter=x%20%3D%201", None, 422, "invalid_input", "unknown field"),
        ("GET", "/api/v1/versions?max_results=0", None, 422, "invalid_input", "max_results"),
        ("GET", "/api/v1/versions?page_token=%21%21", None, 422, "invalid_input", "page token"),
        ("GET", "/api/v1/audit?since=yesterday", None, 422, "invalid_input", "ISO 8601"),
        ("GET", "/api/v1/models/{n}/aliases/champion/at?time=soon", None, 422, "invalid_input", "ISO"),
        ("POST", "/api/v1/models", {"name": "{n}"}, 409, "conflict", "already exists"),
        ("POST", "/api/v1/models", {"name": 5}, 422, "invalid_input", "name"),
        ("POST", "/api/v1/models", {"name": "x", "colour": "red"}, 422, "invalid_input", "colour"),
        ("POST", "/api/v1/models", {"name": "a b"}, 422, "invalid_input", "Invalid model name"),
        ("PATCH", "/api/v1/models/{n}", {"tags": {"k": [1]}}, 422, "invalid_input", "tags"),
        ("PUT", "/api/v1/models/{n}/aliases/champion", {"version": 9}, 404, "not_found", "no version 9"),
        ("PUT", "/api/v1/models/{n}/aliases/champion", {"version": "one"}, 422, "invalid_input", "version"),
        ("PUT", "/api/v1/models/{n}/aliases/9x", {"version": 1}, 422, "invalid_input", "Invalid alias"),
        ("DELETE", "/api/v1/models/{n}/aliases/ghost", None, 404, "not_found", "ghost"),
        ("POST", "/api/v1/models/{n}/aliases/ghost/rollback", {}, 404, "not_found", "roll back"),
        ("POST", "/api/v1/models/{n}/versions", {"artifact_digest": "0" * 64, "flavor": "python"},
         404, "not_found", ""),
        ("POST", "/api/v1/models/{n}/versions", {"artifact_digest": "short", "flavor": "python"},
         422, "invalid_input", "artifact_digest"),
        ("POST", "/api/v1/models/{n}/versions", {"artifact_digest": "{m}", "flavor": "nosuch"},
         422, "invalid_input", "Unknown flavor 'nosuch'"),
        ("POST", "/api/v1/models/{n}/versions", {"artifact_digest": "{m}", "flavor": "python",
         "metrics": {"auc": "high"}}, 422, "invalid_input", "metrics"),
        ("POST", "/api/v1/models/{n}/versions", {"artifact_digest": "{m}", "flavor": "python",
         "signature": {"inputs": [{"name": "a", "type": "complex"}]}}, 422, "invalid_input", "complex"),
        ("POST", "/api/v1/models/{n}/versions", {"artifact_digest": "{m}", "flavor": "python",
         "lineage": {"parent": "{n}/99"}}, 404, "not_found", "no version 99"),
        ("PUT", "/api/v1/artifacts/xyz", b"data", 422, "invalid_input", "Invalid artifact digest"),
        ("PUT", "/api/v1/artifacts/" + "a" * 64, b"data", 422, "invalid_input", "hashes to"),
        ("GET", "/api/v1/artifacts/" + "b" * 64, None, 404, "not_found", ""),
        ("GET", "/api/v1/nothing-here", None, 404, "not_found", "No such endpoint"),
        ("DELETE", "/api/v1/models", None, 405, "method_not_allowed", ""),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    http: httpx.Client,
    name: str,
    manifest: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str,
    fragment: str,
) -> None:
    assert register(http, name, manifest).status_code == 201
    before = audit_count(http)
    path = path.replace("{n}", name)
    fragment = fragment.replace("{n}", name)
    if isinstance(body, dict):
        body = {
            k: (v.replace("{n}", name).replace("{m}", manifest) if isinstance(v, str) else v)
            for k, v in body.items()
        }
        if isinstance(body.get("lineage"), dict):
            body["lineage"] = {"parent": f"{name}/99"}
    if isinstance(body, bytes):
        response = http.request(method, path, content=body)
    else:
        response = http.request(method, path, json=body)
    assert_error(response, status, code, fragment)
    assert audit_count(http) == before
    assert http.get(f"/api/v1/models/{name}").json()["latest_version"] == 1


def test_oversized_and_malformed_bodies(http: httpx.Client, name: str) -> None:
    before = audit_count(http)
    huge = b'{"name": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    assert_error(http.post("/api/v1/models", content=huge), 413, "payload_too_large", "larger than")

    def chunks() -> Any:  # no Content-Length: the limit is enforced while streaming
        for _ in range(10):
            yield b"x" * (1024 * 1024)

    assert_error(http.post("/api/v1/models", content=chunks()), 413, "payload_too_large")
    bad_json = http.post("/api/v1/models", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(bad_json, 422, "invalid_input")
    assert audit_count(http) == before


def test_artifact_upload_is_verified_and_idempotent(http: httpx.Client) -> None:
    content = b"model bytes for upload test"
    digest = hashlib.sha256(content).hexdigest()
    first = http.put(f"/api/v1/artifacts/{digest}", content=content)
    assert first.status_code == 201 and first.json()["created"] is True
    again = http.put(f"/api/v1/artifacts/{digest}", content=content)
    assert again.json()["created"] is False
    assert http.head(f"/api/v1/artifacts/{digest}").status_code == 200
    assert http.get(f"/api/v1/artifacts/{digest}").content == content
