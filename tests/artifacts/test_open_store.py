"""open_artifact_store: which backend a URL gives, and how S3 is configured."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import fsspec
import pytest

from steward.artifacts import FsspecArtifactStore, LocalArtifactStore, open_artifact_store
from steward.artifacts.remote import redact
from steward.core.errors import InvalidInputError, MissingDependencyError, NotFoundError


def test_a_plain_path_is_a_local_folder(tmp_path: Path) -> None:
    store = open_artifact_store(str(tmp_path / "artifacts"))
    assert isinstance(store, LocalArtifactStore)
    assert store.root == tmp_path / "artifacts"


def test_a_relative_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_artifact_store("artifacts")
    assert isinstance(store, LocalArtifactStore)
    assert store.root == tmp_path / "artifacts"


def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    store = open_artifact_store("~/steward/artifacts")
    assert isinstance(store, LocalArtifactStore)
    assert store.root == tmp_path / "steward" / "artifacts"


@pytest.mark.parametrize("prefix", ["file://", "file://localhost"])
def test_file_urls_are_local_folders(tmp_path: Path, prefix: str) -> None:
    folder = tmp_path / "with space"
    store = open_artifact_store(prefix + folder.as_uri().removeprefix("file://"))
    assert isinstance(store, LocalArtifactStore)
    assert store.root == folder
    digest = store.put_bytes(b"x")
    assert (folder / "sha256" / digest[:2] / digest).read_bytes() == b"x"


@pytest.mark.parametrize("url", ["file://fileserver/share/artifacts", "file://"])
def test_file_urls_without_a_local_folder_are_refused(url: str) -> None:
    with pytest.raises(InvalidInputError, match="file:///absolute/path"):
        open_artifact_store(url)


def test_memory_url_is_an_fsspec_store() -> None:
    url = f"memory://steward-test-{uuid.uuid4().hex}"
    store = open_artifact_store(url + "/")
    assert isinstance(store, FsspecArtifactStore)
    assert store.url == url
    try:
        digest = store.put_bytes(b"in memory")
        assert open_artifact_store(url).get_bytes(digest) == b"in memory"
    finally:
        fs, root = fsspec.core.url_to_fs(url)
        fs.rm(root, recursive=True)


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown scheme 'nosuchfs'"):
        open_artifact_store("nosuchfs://bucket/prefix")


def test_s3_without_s3fs_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if it were not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[s3\]'"):
        open_artifact_store("s3://bucket/prefix")


def test_s3_with_storage_options(s3_bucket: tuple[str, dict[str, Any]]) -> None:
    bucket, options = s3_bucket
    store = open_artifact_store(f"s3://{bucket}/artifacts", options)
    assert isinstance(store, FsspecArtifactStore)
    digest = store.put_bytes(b"on s3")
    assert store.fs.cat_file(f"{bucket}/artifacts/sha256/{digest[:2]}/{digest}") == b"on s3"
    assert "steward-test-secret" not in repr(store) + store.url


def test_s3_honours_fsspec_configuration(
    s3_bucket: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What FSSPEC_S3_* variables and fsspec's config files fill in.
    bucket, options = s3_bucket
    monkeypatch.setitem(fsspec.config.conf, "s3", options)
    store = open_artifact_store(f"s3://{bucket}")
    assert store.get_bytes(store.put_bytes(b"configured")) == b"configured"


def test_s3_missing_bucket_says_so(s3_bucket: tuple[str, dict[str, Any]]) -> None:
    _, options = s3_bucket
    store = open_artifact_store("s3://steward-no-such-bucket/prefix", options)
    with pytest.raises(NotFoundError, match="Create the bucket"):
        store.put_bytes(b"x")


def test_redact_hides_passwords() -> None:
    assert redact("sftp://me:hunter2@host:22/x") == "sftp://me:***@host:22/x"
    assert redact("s3://bucket/prefix") == "s3://bucket/prefix"


def test_local_fsync_option(tmp_path: Path) -> None:
    fast = open_artifact_store(str(tmp_path), {"fsync": False})
    assert isinstance(fast, LocalArtifactStore) and fast._fsync is False
    assert fast.get_bytes(fast.put_bytes(b"abc")) == b"abc"
    assert open_artifact_store(str(tmp_path))._fsync is True  # type: ignore[attr-defined]
    with pytest.raises(InvalidInputError, match="one option, fsync"):
        open_artifact_store(str(tmp_path), {"endpoint_url": "http://x"})
    with pytest.raises(InvalidInputError, match="one option, fsync"):
        open_artifact_store(str(tmp_path), {"fsync": "no"})
