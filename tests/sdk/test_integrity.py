"""A tampered or truncated artifact is refused on load, embedded and over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward import Client, IntegrityError
from steward.artifacts import read_manifest


def blob_path(artifacts_root: Path, digest: str) -> Path:
    found = [p for p in artifacts_root.rglob(digest) if p.is_file()]
    assert len(found) == 1, found
    return found[0]


def model_file_digest(client: Client, ref: str) -> str:
    manifest = read_manifest(client._artifacts, client.get(ref).artifact_digest)
    return next(entry.sha256 for path, entry in manifest.files.items() if not path.endswith(".json"))


@pytest.mark.parametrize("damage", ["tamper", "truncate"])
def test_damaged_artifact_is_refused_embedded(tmp_path: Path, model: object, damage: str) -> None:
    with Client(f"sqlite:///{tmp_path / 's.db'}", actor="a") as client:
        client.register(model, "m")
        path = blob_path(tmp_path / "artifacts", model_file_digest(client, "m/1"))
        content = path.read_bytes()
        path.chmod(0o644)
        middle = len(content) // 2
        flipped = content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1 :]
        path.write_bytes(content[:-10] if damage == "truncate" else flipped)
        with pytest.raises(IntegrityError, match="corrupt"):
            client.load("m/1")


def test_damaged_artifact_is_refused_remote(
    server_url: str, server_dir: Path, model: object, name: str
) -> None:
    with Client(server_url, actor="a") as client:
        client.register(model, name)
        path = blob_path(server_dir / "artifacts", model_file_digest(client, f"{name}/1"))
        path.chmod(0o644)
        path.write_bytes(path.read_bytes() + b"extra")
        with pytest.raises(IntegrityError, match="corrupt"):
            client.load(f"{name}/1")
