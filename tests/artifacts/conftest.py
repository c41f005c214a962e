"""Artifact-store backends for the contract suite: a folder, fsspec memory://,
fsspec over a local folder (the folder-with-rename path), and S3 on a real
moto server on a free loopback port."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

from steward.artifacts import FsspecArtifactStore, LocalArtifactStore
from steward.ports import ArtifactStore

BACKENDS = ["local", "memory", "fsspec-file", "s3"]


@dataclass
class Backend:
    """A store, plus raw access to its bytes that bypasses the store (to tamper with them)."""

    name: str
    store: ArtifactStore
    raw_write: Callable[[str, bytes], None]
    raw_read: Callable[[str], bytes]
    url: str
    storage_options: dict[str, Any]


def layout(digest: str) -> str:
    return f"sha256/{digest[:2]}/{digest}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug.setLevel(level)


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    """A fresh bucket on the moto server, and the storage options that reach it."""
    import boto3

    # Keep the developer's own AWS configuration out of the tests.
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/steward-test-aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/steward-test-aws-credentials")
    options: dict[str, Any] = {
        "endpoint_url": s3_endpoint,
        "key": "steward-test",
        "secret": "steward-test-secret",
        "client_kwargs": {"region_name": "us-east-1"},
    }
    bucket = f"steward-{uuid.uuid4().hex[:20]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=options["key"],
        aws_secret_access_key=options["secret"],
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    client.close()
    return bucket, options


def _fsspec_backend(name: str, url: str, options: dict[str, Any]) -> Backend:
    fs, root = fsspec.core.url_to_fs(url, **options)
    root = root.rstrip("/")

    def raw_write(digest: str, data: bytes) -> None:
        fs.pipe_file(f"{root}/{layout(digest)}", data)

    def raw_read(digest: str) -> bytes:
        return bytes(fs.cat_file(f"{root}/{layout(digest)}"))

    return Backend(name, FsspecArtifactStore(url, options), raw_write, raw_read, url, options)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    name = request.param
    if name == "local":
        root = tmp_path / "store"

        def raw_write(digest: str, data: bytes) -> None:
            path = root / layout(digest)
            path.chmod(0o644)  # blobs are read-only
            path.write_bytes(data)

        def raw_read(digest: str) -> bytes:
            return (root / layout(digest)).read_bytes()

        yield Backend(name, LocalArtifactStore(root), raw_write, raw_read, str(root), {})
    elif name == "memory":
        # memory:// is one process-wide dict: a private root, removed afterwards.
        url = f"memory://steward-test-{uuid.uuid4().hex}"
        yield _fsspec_backend(name, url, {})
        fs, root = fsspec.core.url_to_fs(url)
        if fs.exists(root):
            fs.rm(root, recursive=True)
    elif name == "fsspec-file":
        yield _fsspec_backend(name, (tmp_path / "store").as_uri(), {})
    else:
        bucket, options = request.getfixturevalue("s3_bucket")
        yield _fsspec_backend(name, f"s3://{bucket}/models", options)


@pytest.fixture
def store(backend: Backend) -> ArtifactStore:
    return backend.store
