"""Where payload-log files go: a local folder, or any fsspec URL (``s3://bucket/prefix``, ``memory://…``).

Readers never see half a file. In a folder, a file is written under a
dot-name (``.part-….parquet.tmp``, which Hive-style readers skip) and renamed.
On an object store (S3, GCS, Azure, ``memory://``) the file is encoded in
memory and sent in one PUT, which lands whole or not at all; on other fsspec
filesystems with folders it is uploaded under the dot-name and moved.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from steward.artifacts.local import local_root_from_url
from steward.core.errors import InvalidInputError, MissingDependencyError, require_extra


class PayloadSink(Protocol):
    """Writes one finished Parquet file at a path relative to the log's root."""

    location: str

    def prepare(self) -> None: ...

    def write(self, folder: str, name: str, table: pa.Table) -> None: ...


class FolderSink:
    """Files in a local folder: written under a dot-name, then renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def write(self, folder: str, name: str, table: pa.Table) -> None:
        target = self.root / folder
        target.mkdir(parents=True, exist_ok=True)
        temporary = target / f".{name}.tmp"
        try:
            pq.write_table(table, temporary)  # pyarrow releases the GIL while it encodes and writes
            os.replace(temporary, target / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


class FsspecSink:
    """Files on an fsspec filesystem: one PUT of the finished file on object stores."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        from steward.artifacts.remote import OBJECT_STORES, redact

        self.location = redact(url.rstrip("/"))
        self.fs, root = _filesystem(url, dict(storage_options or {}))
        self._root = str(root).rstrip("/")
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self._object_store = not OBJECT_STORES.isdisjoint(protocols)

    def prepare(self) -> None:
        return None  # object stores have no folders to create; others get them on each write

    def write(self, folder: str, name: str, table: pa.Table) -> None:
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer)
        data = buffer.getvalue().to_pybytes()
        path = f"{self._root}/{folder}" if self._root else folder
        if self._object_store:
            self.fs.pipe_file(f"{path}/{name}", data)
            return
        self.fs.makedirs(path, exist_ok=True)
        temporary = f"{path}/.{name}.tmp"
        self.fs.pipe_file(temporary, data)
        self.fs.mv(temporary, f"{path}/{name}")


def open_sink(
    location: str | Path, storage_options: Mapping[str, Any] | None = None
) -> FolderSink | FsspecSink:
    """The sink for a folder path, a ``file://`` URL, or any other fsspec URL."""
    text = str(location)
    if not text.strip():
        raise InvalidInputError(
            "The payload log location is empty: give a folder or a URL such as s3://bucket/payloads."
        )
    root = local_root_from_url(text)
    if root is not None:
        return FolderSink(Path(root).expanduser())
    return FsspecSink(text, storage_options)


def _filesystem(url: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    import fsspec

    from steward.artifacts.remote import redact

    protocol = url.split("://", 1)[0].lower()
    if protocol in ("s3", "s3a"):
        require_extra("s3fs", "s3", "Writing payload logs to S3")
    try:
        fs, root = fsspec.core.url_to_fs(url, **storage_options)
    except ImportError as exc:
        raise MissingDependencyError(
            f"The payload log at {redact(url)} needs an fsspec filesystem that is not installed: {exc}"
        ) from exc
    except ValueError as exc:
        if "Protocol not known" not in str(exc):
            raise
        raise InvalidInputError(
            f"The payload log URL {redact(url)} has an unknown scheme {protocol!r}: "
            "use a folder path, file://, s3:// or another fsspec URL."
        ) from exc
    return fs, str(root)
