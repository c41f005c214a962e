from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.servers import control_plane


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with control_plane(tmp_path_factory.mktemp("api")) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"X-Steward-User": "bob"}, timeout=30) as c:
        yield c


@pytest.fixture
def name() -> str:
    return f"api-{uuid.uuid4().hex[:10]}"


def upload_tree(http: httpx.Client, files: dict[str, bytes]) -> str:
    """Upload files and a manifest the way the SDK does; return the manifest digest."""
    manifest: dict[str, object] = {"steward_manifest": 1, "files": {}}
    for path, content in files.items():
        digest = hashlib.sha256(content).hexdigest()
        assert http.put(f"/api/v1/artifacts/{digest}", content=content).status_code in (200, 201)
        manifest["files"][path] = {"sha256": digest, "size": len(content)}  # type: ignore[index]
    blob = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(blob).hexdigest()
    assert http.put(f"/api/v1/artifacts/{digest}", content=blob).status_code in (200, 201)
    return digest


@pytest.fixture
def manifest(http: httpx.Client) -> str:
    return upload_tree(http, {"model.txt": b"just bytes " + uuid.uuid4().bytes})


def audit_count(http: httpx.Client) -> int:
    total, token = 0, None
    while True:
        params: dict[str, object] = {"max_results": 1000}
        if token:
            params["page_token"] = token
        page = http.get("/api/v1/audit", params=params).json()
        total += len(page["items"])
        token = page["next_page_token"]
        if not token:
            return total
