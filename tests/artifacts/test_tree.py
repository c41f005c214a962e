"""Folders as trees: put_tree, read_manifest, get_tree, check_tree."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from steward.artifacts import (
    LocalArtifactStore,
    Manifest,
    ManifestFile,
    blob,
    check_tree,
    get_tree,
    put_tree,
    read_manifest,
    tree,
)
from steward.core.errors import ConflictError, IntegrityError, InvalidInputError, NotFoundError
from steward.ports import ArtifactStore

from .conftest import Backend


def make_model_folder(root: Path) -> dict[str, bytes]:
    files = {
        "MLmodel": b"flavor: sklearn\n",
        "model.pkl": random.Random(7).randbytes(20_000),
        "empty.txt": b"",
        "data/sample/train.csv": b"a,b\n1,2\n",
        "data/sample/deeper/still/x.json": b"{}",
        "données/é.bin": b"unicode names",
        "same-as-mlmodel": b"flavor: sklearn\n",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def read_folder(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def crafted(files: dict[str, Any], version: Any = 1) -> bytes:
    return json.dumps({"steward_manifest": version, "files": files}).encode()


def test_tree_round_trip(store: ArtifactStore, tmp_path: Path) -> None:
    files = make_model_folder(tmp_path / "model")
    digest = put_tree(store, tmp_path / "model")
    manifest = get_tree(store, digest, tmp_path / "out" / "model")
    assert read_folder(tmp_path / "out" / "model") == files
    assert list(manifest.files) == sorted(files)
    pkl_digest = store.put_bytes(files["model.pkl"])
    assert manifest.files["model.pkl"] == ManifestFile("model.pkl", pkl_digest, 20_000)
    assert os.stat(tmp_path / "out" / "model" / "model.pkl").st_mode & 0o200  # a normal, writable copy
    assert manifest.total_size == sum(len(d) for d in files.values())
    assert read_manifest(store, digest) == manifest
    assert check_tree(store, digest) == manifest


def test_manifest_is_canonical_and_deterministic(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    (tmp_path / "a" / "z").mkdir(parents=True)
    (tmp_path / "a" / "z" / "w.bin").write_bytes(b"w")
    (tmp_path / "a" / "b.txt").write_bytes(b"b")
    (tmp_path / "copy" / "z").mkdir(parents=True)
    (tmp_path / "copy" / "b.txt").write_bytes(b"b")  # created in the other order
    (tmp_path / "copy" / "z" / "w.bin").write_bytes(b"w")
    digest = put_tree(store, tmp_path / "a")
    assert put_tree(store, tmp_path / "copy") == digest
    b, w = store.put_bytes(b"b"), store.put_bytes(b"w")
    assert store.get_bytes(digest) == (
        b'{"files":{"b.txt":{"sha256":"' + b.encode() + b'","size":1},'
        b'"z/w.bin":{"sha256":"' + w.encode() + b'","size":1}},"steward_manifest":1}'
    )


def test_empty_folder_round_trips(store: ArtifactStore, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    manifest = get_tree(store, put_tree(store, tmp_path / "empty"), tmp_path / "out")
    assert dict(manifest.files) == {}
    assert list((tmp_path / "out").iterdir()) == []


def test_put_tree_follows_file_symlinks_and_refuses_folder_symlinks(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    (tmp_path / "outside.bin").write_bytes(b"target")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "link.bin").symlink_to(tmp_path / "outside.bin")
    digest = put_tree(store, tmp_path / "m")
    get_tree(store, digest, tmp_path / "out")
    assert not (tmp_path / "out" / "link.bin").is_symlink()
    assert (tmp_path / "out" / "link.bin").read_bytes() == b"target"

    (tmp_path / "m" / "dir-link").symlink_to(tmp_path / "store", target_is_directory=True)
    with pytest.raises(InvalidInputError, match="symbolic link to a folder"):
        put_tree(store, tmp_path / "m")


def test_put_tree_needs_a_folder(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    with pytest.raises(NotFoundError, match="does not exist"):
        put_tree(store, tmp_path / "nope")
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(InvalidInputError, match="not a folder"):
        put_tree(store, tmp_path / "file")


def test_put_tree_of_a_big_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blob, "SMALL_BLOB", 100)
    store = LocalArtifactStore(tmp_path / "store")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "weights").write_bytes(b"w" * 3000)
    digest = put_tree(store, tmp_path / "m")
    assert read_manifest(store, digest).files["weights"].size == 3000
    get_tree(store, digest, tmp_path / "out")
    assert (tmp_path / "out" / "weights").read_bytes() == b"w" * 3000


@pytest.mark.parametrize(
    "blob_content",
    [
        b"not json at all \xff",
        b"[1, 2]",
        b'{"files": {}}',
        crafted({}, version=2),
        crafted({}, version=True),
        crafted({}, version="1"),
        b'{"files": [], "steward_manifest": 1}',
        b'{"files": {}, "steward_manifest": 1, "extra": 0}',
    ],
)
def test_read_manifest_refuses_what_is_not_a_manifest(tmp_path: Path, blob_content: bytes) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    digest = store.put_bytes(blob_content)
    with pytest.raises(InvalidInputError, match="is not a valid Steward manifest"):
        read_manifest(store, digest)
    with pytest.raises(InvalidInputError):
        get_tree(store, digest, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_read_manifest_refuses_a_large_blob_without_reading_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tree, "MAX_MANIFEST_SIZE", 1000)
    store = LocalArtifactStore(tmp_path / "store")
    digest = store.put_bytes(b"x" * (3 << 20))
    with pytest.raises(InvalidInputError, match="larger than"):
        read_manifest(store, digest)


GOOD = {"sha256": "0" * 64, "size": 1}
UNSAFE_ENTRIES = [
    {"../evil": GOOD},
    {"a/../../evil": GOOD},
    {"/etc/passwd": GOOD},
    {"C:/Windows/evil": GOOD},
    {"c:evil": GOOD},
    {"a\\..\\..\\evil": GOOD},
    {"./a": GOOD},
    {"a//b": GOOD},
    {"a/": GOOD},
    {"": GOOD},
    {"a\u0000b": GOOD},
    {"a": GOOD, "a/b": GOOD},
    {"link": {"sha256": "0" * 64, "size": 1, "symlink": "/etc"}},
    {"link": {"type": "symlink", "target": "/etc/passwd"}},
    {"a": {"sha256": "../../etc/passwd", "size": 1}},
    {"a": {"sha256": "0" * 64, "size": -1}},
    {"a": {"sha256": "0" * 64, "size": "1"}},
    {"a": ["0" * 64, 1]},
]


@pytest.mark.parametrize("files", UNSAFE_ENTRIES)
def test_unsafe_manifests_are_refused_before_writing(tmp_path: Path, files: dict[str, Any]) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    digest = store.put_bytes(crafted(files))
    with pytest.raises(InvalidInputError, match="is not a valid Steward manifest"):
        read_manifest(store, digest)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(InvalidInputError):
        get_tree(store, digest, work / "out")
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store", "work"]


def test_get_tree_failure_leaves_nothing(backend: Backend, tmp_path: Path) -> None:
    store = backend.store
    make_model_folder(tmp_path / "model")
    digest = put_tree(store, tmp_path / "model")
    work = tmp_path / "work"
    work.mkdir()
    # model.pkl is written after four other files, which are on disk when it fails.
    victim = read_manifest(store, digest).files["model.pkl"]
    backend.raw_write(victim.sha256, b"evil" + b"\0" * victim.size)
    with pytest.raises(IntegrityError):
        get_tree(store, digest, work / "model")
    assert list(work.iterdir()) == []
    store.delete(victim.sha256)
    with pytest.raises(NotFoundError):
        get_tree(store, digest, work / "model")
    assert list(work.iterdir()) == []


def test_get_tree_checks_sizes(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    digest = store.put_bytes(crafted({"model.pkl": {"sha256": store.put_bytes(b"four"), "size": 5}}))
    with pytest.raises(IntegrityError, match=r"says model\.pkl has 5 bytes"):
        get_tree(store, digest, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_get_tree_into_an_existing_folder(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    make_model_folder(tmp_path / "model")
    digest = put_tree(store, tmp_path / "model")
    (tmp_path / "empty").mkdir()
    get_tree(store, digest, tmp_path / "empty")
    assert (tmp_path / "empty" / "MLmodel").exists()
    with pytest.raises(ConflictError, match="not an empty folder"):
        get_tree(store, digest, tmp_path / "empty")
    (tmp_path / "a-file").write_bytes(b"")
    with pytest.raises(ConflictError):
        get_tree(store, digest, tmp_path / "a-file")
    (tmp_path / "a-link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConflictError):
        get_tree(store, digest, tmp_path / "a-link")
    assert not (tmp_path / "elsewhere").exists()


def test_get_tree_of_a_missing_manifest(store: ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        get_tree(store, "ab" * 32, tmp_path / "out")
    with pytest.raises(InvalidInputError):
        get_tree(store, "../../etc", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_check_tree_reports_missing_blobs(store: ArtifactStore, tmp_path: Path) -> None:
    files = make_model_folder(tmp_path / "model")
    digest = put_tree(store, tmp_path / "model")
    check_tree(store, digest)
    store.delete(store.put_bytes(files["model.pkl"]))
    store.delete(store.put_bytes(files["MLmodel"]))  # shared by two paths
    with pytest.raises(NotFoundError, match=r"3 of the 7 files") as caught:
        check_tree(store, digest)
    assert "MLmodel, model.pkl, same-as-mlmodel" in str(caught.value)
    with pytest.raises(NotFoundError, match="is not in the artifact store"):
        check_tree(store, "cd" * 32)


def test_check_tree_shortens_a_long_list(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    entries = {f"f{i:02}": {"sha256": f"{i:064x}", "size": 1} for i in range(12)}
    with pytest.raises(NotFoundError, match=r"12 of the 12 files .*: f00, f01, f02, f03, f04 and 7 more\."):
        check_tree(store, store.put_bytes(crafted(entries)))


def test_manifest_value() -> None:
    manifest = Manifest.of([ManifestFile("c", "2" * 64, 0), ManifestFile("a/b", "1" * 64, 3)])
    assert list(manifest.files) == ["a/b", "c"]
    assert Manifest.from_bytes(manifest.to_bytes()) == manifest
    assert hash(Manifest.from_bytes(manifest.to_bytes())) == hash(manifest)
    assert manifest != Manifest.of([ManifestFile("c", "2" * 64, 0)])
    assert manifest.total_size == 3
    with pytest.raises(TypeError):
        manifest.files["d"] = ManifestFile("d", "3" * 64, 1)  # type: ignore[index]
    with pytest.raises(InvalidInputError):
        Manifest({"a": ManifestFile("b", "3" * 64, 1)})


def test_unstorable_names_are_refused_on_put(tmp_path: Path) -> None:
    if os.name == "nt":  # pragma: no cover
        pytest.skip("backslashes are separators on Windows")
    store = LocalArtifactStore(tmp_path / "store")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a\\b").write_bytes(b"")
    with pytest.raises(InvalidInputError, match="backslash"):
        put_tree(store, tmp_path / "m")
