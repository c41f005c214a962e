"""Blobs on any fsspec filesystem: ``s3://bucket/prefix``, ``gs://…``, ``memory://…``.

Object stores have no rename, but a PUT (single or multipart) is atomic: the
object appears whole or not at all. So a blob is hashed first (in memory when
small, through a local temporary file when large) and then uploaded straight
to its final key. On fsspec filesystems with real folders (``sftp://``,
``file://``), the upload goes to a temporary name that is then moved into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit, urlunsplit

import fsspec

from steward.artifacts import blob
from steward.core.errors import InvalidInputError, MissingDependencyError, NotFoundError, require_extra

# Filesystems whose writes land whole at the final key and need no parent folders.
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "oci", "memory"})


class FsspecArtifactStore:
    """Content-addressed blobs under an fsspec URL.

    *storage_options* go to the fsspec filesystem (for an S3-compatible
    service: ``endpoint_url``, ``key``, ``secret``); fsspec's own
    configuration (``FSSPEC_S3_…`` variables, its config files) fills in the rest.
    """

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.url = redact(url.rstrip("/"))
        self.fs, root = _filesystem(url, dict(storage_options or {}))
        self._root = root.rstrip("/")
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self._object_store = not OBJECT_STORES.isdisjoint(protocols)

    def __repr__(self) -> str:
        return f"FsspecArtifactStore({self.url!r})"

    def key(self, digest: str) -> str:
        """The blob's path on :attr:`fs` (whether or not it exists)."""
        return self._key(blob.check_digest(digest))

    def _key(self, digest: str) -> str:
        return f"{self._root}/{blob.blob_key(digest)}" if self._root else blob.blob_key(digest)

    # -- writing ---------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        key = self._key(digest)
        if self._size(key) != len(data):
            self._upload(key, len(data), data=data)
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        buffered: list[bytes] = []
        size = 0
        while size <= blob.SMALL_BLOB and (chunk := stream.read(blob.CHUNK_SIZE)):
            buffered.append(chunk)
            size += len(chunk)
        if size <= blob.SMALL_BLOB:  # the whole stream is in memory
            return self.put_bytes(b"".join(buffered))
        fd, spool = tempfile.mkstemp(prefix="steward-", suffix=".blob")
        try:
            hasher = hashlib.sha256()
            with os.fdopen(fd, "wb") as f:
                for chunk in buffered:
                    hasher.update(chunk)
                    f.write(chunk)
                buffered.clear()
                while chunk := stream.read(blob.CHUNK_SIZE):
                    hasher.update(chunk)
                    f.write(chunk)
                    size += len(chunk)
            digest = hasher.hexdigest()
            key = self._key(digest)
            if self._size(key) != size:
                self._upload(key, size, local_path=spool)
            return digest
        finally:
            os.unlink(spool)

    def put_file(self, path: Path) -> str:
        path = Path(path)
        size = path.stat().st_size
        if size <= blob.SMALL_BLOB:
            return self.put_bytes(path.read_bytes())
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        if self._size(self._key(digest)) == size:
            return digest
        # Upload a hashed copy, so a file changing meanwhile cannot be stored under the wrong name.
        with path.open("rb") as f:
            return self.put_stream(f)

    def _size(self, key: str) -> int | None:
        """The stored object's size, or None if there is none."""
        try:
            info = self.fs.info(key)
        except FileNotFoundError:
            return None
        size = info.get("size")
        return size if info.get("type") == "file" and isinstance(size, int) else None

    def _upload(
        self, key: str, size: int, *, data: bytes | None = None, local_path: str | None = None
    ) -> None:
        try:
            if self._object_store:
                self._send(key, data, local_path)
                return
            # A filesystem with folders: upload beside the final name, then move into place.
            self.fs.makedirs(key.rsplit("/", 1)[0], exist_ok=True)
            tmp = f"{key}.{os.urandom(6).hex()}.tmp"
            try:
                self._send(tmp, data, local_path)
                try:
                    self.fs.mv(tmp, key)
                    return
                except OSError:
                    # Some filesystems (SFTP) refuse to rename over a file: fine if a
                    # concurrent writer has just stored the same blob.
                    if self._size(key) != size:
                        raise
                with contextlib.suppress(FileNotFoundError):
                    self.fs.rm_file(tmp)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    self.fs.rm_file(tmp)
                raise
        except FileNotFoundError as exc:  # e.g. S3's "The specified bucket does not exist"
            raise NotFoundError(
                f"Cannot write to the artifact store at {self.url} ({exc}). "
                "Create the bucket or folder first, or check the store URL."
            ) from exc

    def _send(self, target: str, data: bytes | None, local_path: str | None) -> None:
        if data is not None:
            self.fs.pipe_file(target, data)
        else:
            self.fs.put_file(local_path, target)

    # -- reading ---------------------------------------------------------

    def get_bytes(self, digest: str) -> bytes:
        key = self.key(digest)
        try:
            data = self.fs.cat_file(key)
        except FileNotFoundError:
            raise blob.missing(digest, self.url) from None
        return blob.verify(digest, bytes(data))

    def get_file(self, digest: str, dest: Path) -> None:
        blob.write_file_atomically(Path(dest), self.open_chunks(digest))

    def open_chunks(self, digest: str, chunk_size: int = blob.CHUNK_SIZE) -> Iterator[bytes]:
        key = self.key(digest)
        blob.check_chunk_size(chunk_size)
        if self._size(key) is None:
            raise blob.missing(digest, self.url)
        return blob.verified(digest, self._read(digest, key, chunk_size))

    def _read(self, digest: str, key: str, chunk_size: int) -> Iterator[bytes]:
        try:
            f = self.fs.open(key, "rb")
        except FileNotFoundError:
            raise blob.missing(digest, self.url) from None
        with f:
            while chunk := f.read(chunk_size):
                yield chunk

    def exists(self, digest: str) -> bool:
        return self._size(self.key(digest)) is not None

    def delete(self, digest: str) -> None:
        """Remove the blob; deleting a blob that is not there is not an error."""
        key = self.key(digest)
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(key)


def _filesystem(url: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    protocol = url.split("://", 1)[0].lower()
    if protocol in ("s3", "s3a"):
        require_extra("s3fs", "s3", "Storing artifacts on S3")
    try:
        fs, root = fsspec.core.url_to_fs(url, **storage_options)
    except ImportError as exc:
        raise MissingDependencyError(
            f"The artifact store {redact(url)} needs an fsspec filesystem that is not installed: {exc}"
        ) from exc
    except ValueError as exc:
        if "Protocol not known" not in str(exc):
            raise
        raise InvalidInputError(
            f"The artifact store URL {redact(url)} has an unknown scheme '{protocol}': "
            "use a folder path, file://, s3:// or another fsspec URL."
        ) from exc
    return fs, str(root)


def redact(url: str) -> str:
    """*url* without a password (safe to show in messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
