"""Content-addressed artifact storage: blobs named by their sha256, verified on every read.

``open_artifact_store(url)`` picks the backend: a folder path or ``file://``
URL gives a :class:`LocalArtifactStore`; any other fsspec URL (``s3://bucket/
prefix``, ``memory://…``) an :class:`FsspecArtifactStore`. Folders are stored
as trees: one blob per file plus a manifest blob (:mod:`steward.artifacts.tree`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from steward.artifacts.local import LocalArtifactStore, local_root_from_url
from steward.artifacts.tree import (
    Manifest,
    ManifestFile,
    check_tree,
    get_tree,
    put_files,
    put_tree,
    read_manifest,
)
from steward.core.errors import InvalidInputError

if TYPE_CHECKING:
    from steward.artifacts.remote import FsspecArtifactStore
    from steward.ports import ArtifactStore

__all__ = [
    "FsspecArtifactStore",
    "LocalArtifactStore",
    "Manifest",
    "ManifestFile",
    "check_tree",
    "get_tree",
    "open_artifact_store",
    "put_files",
    "put_tree",
    "read_manifest",
]


def open_artifact_store(url: str, storage_options: Mapping[str, Any] | None = None) -> ArtifactStore:
    """The artifact store at *url*: a folder path, ``file://…``, or any fsspec URL.

    *storage_options* are passed to the fsspec filesystem (for example
    ``{"endpoint_url": "http://127.0.0.1:9000", "key": …, "secret": …}``);
    a local folder takes only ``{"fsync": False}``, which skips flushing each new
    blob to disk (faster registration; a power cut may then lose blobs written
    just before it, which later reads report as missing or corrupt).
    """
    root = local_root_from_url(url)
    if root is not None:
        options = dict(storage_options or {})
        fsync = options.pop("fsync", True)
        if options or not isinstance(fsync, bool):
            raise InvalidInputError(
                "A local artifact folder takes one option, fsync (true or false), "
                f"not {sorted(options) or fsync!r}."
            )
        return LocalArtifactStore(root, fsync=fsync)
    from steward.artifacts.remote import FsspecArtifactStore

    return FsspecArtifactStore(url, storage_options)


def __getattr__(name: str) -> Any:
    # fsspec is imported only by those who use a remote store.
    if name == "FsspecArtifactStore":
        from steward.artifacts.remote import FsspecArtifactStore

        return FsspecArtifactStore
    raise AttributeError(f"module 'steward.artifacts' has no attribute {name!r}")
