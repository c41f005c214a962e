"""What only the folder store promises: its layout, atomic writes, no stray files."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, cast

import pytest

from steward.artifacts import LocalArtifactStore, blob


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_layout_has_two_level_fan_out(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    digest = store.put_bytes(b"hello")
    assert files_under(tmp_path) == [f"sha256/{digest[:2]}/{digest}"]
    assert store.path(digest) == tmp_path / "sha256" / digest[:2] / digest
    assert store.url == tmp_path.as_uri()


def test_root_is_created_on_first_write(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "not" / "yet")
    assert not (tmp_path / "not").exists()
    assert not store.exists(sha(b"x"))
    store.put_stream(io.BytesIO(b"x"))
    assert store.get_bytes(sha(b"x")) == b"x"


def test_existing_blob_is_not_rewritten(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    digest = store.put_bytes(b"weights")
    before = os.stat(store.path(digest))
    store.put_bytes(b"weights")
    source = tmp_path / "w.bin"
    source.write_bytes(b"weights")
    store.put_file(source)
    after = os.stat(store.path(digest))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_big_existing_file_is_hashed_in_place_not_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blob, "SMALL_BLOB", 10)
    store = LocalArtifactStore(tmp_path / "store")
    source = tmp_path / "big.bin"
    source.write_bytes(b"b" * 5000)
    digest = store.put_file(source)
    inode = os.stat(store.path(digest)).st_ino
    assert store.put_file(source) == digest
    assert os.stat(store.path(digest)).st_ino == inode


def test_blobs_are_read_only_and_downloads_are_not(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    umask = os.umask(0o022)
    try:
        digest = store.put_bytes(b"shared")
        big = store.put_stream(io.BytesIO(b"streamed"))
        store.get_file(digest, tmp_path / "copy")
    finally:
        os.umask(umask)
    assert os.stat(store.path(digest)).st_mode & 0o777 == 0o444
    assert os.stat(store.path(big)).st_mode & 0o777 == 0o444
    assert os.stat(tmp_path / "copy").st_mode & 0o777 == 0o644


def test_no_temporary_files_left_after_concurrent_writes(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    barrier = threading.Barrier(6)
    payload = b"p" * 200_000

    def write(i: int) -> str:
        barrier.wait()
        store.put_stream(io.BytesIO(payload))
        return store.put_bytes(payload + bytes([i % 2]))

    with ThreadPoolExecutor(6) as pool:
        digests = set(pool.map(write, range(6)))
    expected = {sha(payload), *digests}
    assert len(expected) == 3
    stored = {Path(p).name for p in files_under(tmp_path)}
    assert stored == expected


def test_fsync_can_be_turned_off(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path, fsync=False)
    assert store.get_bytes(store.put_bytes(b"scratch")) == b"scratch"


def test_stream_error_leaves_no_blob_and_no_temporary_file(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("connection reset")
            return b"partial data"

    store = LocalArtifactStore(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        store.put_stream(cast(BinaryIO, Broken()))
    assert files_under(tmp_path) == []
