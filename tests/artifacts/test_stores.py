"""The ArtifactStore contract, run against every backend (see conftest.BACKENDS)."""

from __future__ import annotations

import hashlib
import io
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from steward.artifacts import blob
from steward.core.errors import IntegrityError, InvalidInputError, NotFoundError
from steward.ports import ArtifactStore

from .conftest import Backend

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_bytes_round_trip(store: ArtifactStore) -> None:
    data = b"a model, pickled"
    assert not store.exists(sha(data))
    digest = store.put_bytes(data)
    assert digest == sha(data)
    assert store.exists(digest)
    assert store.get_bytes(digest) == data


def test_put_stream_and_put_file_agree_with_put_bytes(store: ArtifactStore, tmp_path: Path) -> None:
    data = random.Random(1).randbytes(70_000)
    source = tmp_path / "model.bin"
    source.write_bytes(data)
    assert store.put_stream(io.BytesIO(data)) == sha(data)
    assert store.put_file(source) == sha(data)
    assert store.get_bytes(sha(data)) == data


def test_empty_blob(store: ArtifactStore, tmp_path: Path) -> None:
    assert store.put_bytes(b"") == EMPTY_SHA256
    assert store.put_stream(io.BytesIO(b"")) == EMPTY_SHA256
    assert store.get_bytes(EMPTY_SHA256) == b""
    assert list(store.open_chunks(EMPTY_SHA256)) == []
    store.get_file(EMPTY_SHA256, tmp_path / "out" / "empty")
    assert (tmp_path / "out" / "empty").read_bytes() == b""


def test_five_megabytes_in_chunks(store: ArtifactStore, tmp_path: Path) -> None:
    data = random.Random(5).randbytes(5 * 1024 * 1024 + 17)
    digest = store.put_stream(io.BytesIO(data))
    chunks = list(store.open_chunks(digest, chunk_size=1 << 20))
    assert len(chunks) == 6
    assert max(len(c) for c in chunks) <= 1 << 20
    assert b"".join(chunks) == data
    store.get_file(digest, tmp_path / "big.bin")
    assert (tmp_path / "big.bin").read_bytes() == data


def test_large_puts_spill_through_a_temporary_file(
    store: ArtifactStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Above SMALL_BLOB, put_stream/put_file hash in a separate pass; lower it to exercise that path.
    monkeypatch.setattr(blob, "SMALL_BLOB", 1000)
    data = random.Random(2).randbytes(3 * blob.CHUNK_SIZE + 5)
    source = tmp_path / "weights.bin"
    source.write_bytes(data)
    assert store.put_file(source) == sha(data)
    assert store.put_file(source) == sha(data)  # already there
    other = data[::-1]
    assert store.put_stream(io.BytesIO(other)) == sha(other)
    assert store.put_stream(io.BytesIO(other)) == sha(other)
    assert store.get_bytes(sha(data)) == data
    assert store.get_bytes(sha(other)) == other


def test_put_is_idempotent(backend: Backend) -> None:
    store = backend.store
    first = store.put_bytes(b"same bytes")
    second = store.put_bytes(b"same bytes")
    third = store.put_stream(io.BytesIO(b"same bytes"))
    assert first == second == third
    assert backend.raw_read(first) == b"same bytes"


def test_put_repairs_a_truncated_blob(backend: Backend) -> None:
    data = b"0123456789" * 100
    digest = backend.store.put_bytes(data)
    backend.raw_write(digest, data[:-10])
    assert backend.store.put_bytes(data) == digest
    assert backend.store.get_bytes(digest) == data


def test_exists_and_delete(store: ArtifactStore) -> None:
    digest = store.put_bytes(b"to be deleted")
    assert store.exists(digest)
    store.delete(digest)
    assert not store.exists(digest)
    with pytest.raises(NotFoundError):
        store.get_bytes(digest)
    store.delete(digest)  # deleting again is not an error
    assert store.put_bytes(b"to be deleted") == digest
    assert store.get_bytes(digest) == b"to be deleted"


@pytest.mark.parametrize("damage", ["tampered", "truncated", "appended"])
def test_damaged_blob_fails_every_read(backend: Backend, tmp_path: Path, damage: str) -> None:
    store = backend.store
    data = b"model weights " * 1000
    digest = store.put_bytes(data)
    bad = {
        "tampered": data[:100] + b"X" + data[101:],
        "truncated": data[: len(data) // 2],
        "appended": data + b"!",
    }[damage]
    backend.raw_write(digest, bad)

    with pytest.raises(IntegrityError, match=rf"sha256:{digest[:12]}.* is corrupt: its content hashes to"):
        store.get_bytes(digest)

    chunks = store.open_chunks(digest, chunk_size=1024)
    assert next(chunks) == bad[:1024]  # streams first, raises at the end
    with pytest.raises(IntegrityError):
        list(chunks)

    dest = tmp_path / "out" / "model.bin"
    with pytest.raises(IntegrityError):
        store.get_file(digest, dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # no temporary file left either

    dest.write_bytes(b"previous download")
    with pytest.raises(IntegrityError):
        store.get_file(digest, dest)
    assert dest.read_bytes() == b"previous download"


def test_missing_blob_is_not_found(store: ArtifactStore, tmp_path: Path) -> None:
    digest = sha(b"never stored")
    assert not store.exists(digest)
    with pytest.raises(NotFoundError, match=rf"sha256:{digest[:12]}.* is not in the artifact store"):
        store.get_bytes(digest)
    with pytest.raises(NotFoundError):
        store.open_chunks(digest)  # at once, not on first iteration
    with pytest.raises(NotFoundError):
        store.get_file(digest, tmp_path / "model.bin")
    assert not (tmp_path / "model.bin").exists()


MALFORMED = [
    "../../etc/passwd",
    "",
    "abc123",
    "sha256:" + sha(b"x"),
    sha(b"x").upper(),
    sha(b"x")[:-1],
    sha(b"x") + "0",
    sha(b"x") + "\n",
    "../" + sha(b"x")[3:],
    "/" + sha(b"x")[1:],
    "g" * 64,
]


@pytest.mark.parametrize("digest", MALFORMED)
def test_malformed_digest_is_refused_everywhere(store: ArtifactStore, tmp_path: Path, digest: str) -> None:
    store.put_bytes(b"x")
    dest = tmp_path / "dest"
    calls: list[Callable[[], object]] = [
        lambda: store.get_bytes(digest),
        lambda: store.open_chunks(digest),
        lambda: store.get_file(digest, dest),
        lambda: store.exists(digest),
        lambda: store.delete(digest),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError, match="is not an artifact digest"):
            call()
    assert not dest.exists()
    assert store.get_bytes(sha(b"x")) == b"x"  # delete() of a malformed name removed nothing


def test_non_string_digest_is_refused(store: ArtifactStore) -> None:
    with pytest.raises(InvalidInputError):
        store.get_bytes(None)  # type: ignore[arg-type]


def test_bad_chunk_size_is_refused(store: ArtifactStore) -> None:
    digest = store.put_bytes(b"x")
    with pytest.raises(InvalidInputError, match="chunk_size"):
        store.open_chunks(digest, chunk_size=0)


def test_get_file_replaces_dest(store: ArtifactStore, tmp_path: Path) -> None:
    dest = tmp_path / "deep" / "er" / "model.bin"
    store.get_file(store.put_bytes(b"v1"), dest)
    assert dest.read_bytes() == b"v1"
    store.get_file(store.put_bytes(b"version two"), dest)
    assert dest.read_bytes() == b"version two"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.bin"]


def test_concurrent_writers(store: ArtifactStore) -> None:
    threads = 8
    same = random.Random(3).randbytes(300_000)
    different = [random.Random(10 + i).randbytes(50_000) for i in range(threads)]
    barrier = threading.Barrier(threads)

    def write(i: int) -> tuple[str, str]:
        barrier.wait()
        mine = store.put_bytes(different[i])
        if i % 2:
            return store.put_bytes(same), mine
        return store.put_stream(io.BytesIO(same)), mine

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(write, range(threads)))
    assert {shared for shared, _ in results} == {sha(same)}
    assert [mine for _, mine in results] == [sha(d) for d in different]
    assert store.get_bytes(sha(same)) == same
    for data in different:
        assert store.get_bytes(sha(data)) == data
