"""Blobs in a local folder: ``<root>/sha256/ab/<digest>`` (one level of 256 folders, as git does).

A blob is written to a temporary name in its destination folder while being
hashed, fsynced, and renamed into place, so a reader sees a whole blob or
none, and concurrent writers of the same blob each rename identical content.
Blobs are read-only files (like Git's objects), so a model file is not
changed in place by mistake. The folder entry itself is not fsynced (a crash may lose a blob written just
before it, never leave a partial one); the metadata store's own commit, which
comes after, flushes the filesystem journal on common filesystems.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from steward.artifacts import blob
from steward.core.errors import InvalidInputError

BLOB_MODE = 0o444


class LocalArtifactStore:
    """Content-addressed blobs under *root* (created on first write)."""

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root = Path(root).expanduser().absolute()
        self.url = self.root.as_uri()
        self._fsync = fsync
        self._root = str(self.root)  # plain strings on the hot paths: pathlib costs microseconds a call

    def __repr__(self) -> str:
        return f"LocalArtifactStore({str(self.root)!r})"

    def path(self, digest: str) -> Path:
        """Where the blob *digest* lives (whether or not it exists)."""
        return Path(self._file(blob.check_digest(digest)))

    def _file(self, digest: str) -> str:
        return os.path.join(self._root, "sha256", digest[:2], digest)

    # -- writing ---------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        final = self._file(digest)
        if not self._has(final, len(data)):
            self._write_into(final, data)
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        incoming = self.root / ".incoming"
        tmp = incoming / f"{os.urandom(8).hex()}.tmp"
        try:
            fd = blob.open_exclusive(tmp, BLOB_MODE)
        except FileNotFoundError:
            incoming.mkdir(parents=True, exist_ok=True)
            fd = blob.open_exclusive(tmp, BLOB_MODE)
        try:
            hasher = hashlib.sha256()
            size = 0
            try:
                while chunk := stream.read(blob.CHUNK_SIZE):
                    hasher.update(chunk)
                    blob.write_all(fd, chunk)
                    size += len(chunk)
                if self._fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            digest = hasher.hexdigest()
            final = self._file(digest)
            if not self._has(final, size):
                self._rename_into(tmp, final)
            return digest
        finally:
            with contextlib.suppress(FileNotFoundError):
                _unlink(tmp)

    def put_file(self, path: Path) -> str:
        path = Path(path)
        size = path.stat().st_size
        if size <= blob.SMALL_BLOB:
            return self.put_bytes(path.read_bytes())
        # A big file: hash it in place first, so storing it again costs a read, not a copy.
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        if self._has(self._file(digest), size):
            return digest
        with path.open("rb") as f:
            # The digest of what is copied, should the file have changed in between.
            return self.put_stream(f)

    def _has(self, final: str, size: int) -> bool:
        # A blob of the wrong size (truncated) is rewritten rather than kept.
        try:
            return os.stat(final).st_size == size
        except FileNotFoundError:
            return False

    def _write_into(self, final: str, data: bytes) -> None:
        tmp = blob.temp_name(final)
        try:
            fd = blob.open_exclusive(tmp, BLOB_MODE)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(final), exist_ok=True)
            fd = blob.open_exclusive(tmp, BLOB_MODE)
        try:
            try:
                blob.write_all(fd, data)
                if self._fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            _replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                _unlink(tmp)
            raise

    def _rename_into(self, tmp: Path, final: str) -> None:
        try:
            _replace(tmp, final)
        except FileNotFoundError:
            if not tmp.exists():
                raise
            os.makedirs(os.path.dirname(final), exist_ok=True)
            _replace(tmp, final)

    # -- reading ---------------------------------------------------------

    def get_bytes(self, digest: str) -> bytes:
        path = self._file(blob.check_digest(digest))
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise blob.missing(digest, self.url) from None
        return blob.verify(digest, data)

    def get_file(self, digest: str, dest: Path) -> None:
        chunks = self.open_chunks(digest)
        blob.write_file_atomically(Path(dest), chunks)

    def open_chunks(self, digest: str, chunk_size: int = blob.CHUNK_SIZE) -> Iterator[bytes]:
        path = self._file(blob.check_digest(digest))
        blob.check_chunk_size(chunk_size)
        if not os.path.isfile(path):
            raise blob.missing(digest, self.url)
        return blob.verified(digest, self._read(digest, path, chunk_size))

    def _read(self, digest: str, path: str, chunk_size: int) -> Iterator[bytes]:
        try:
            f = open(path, "rb")  # noqa: SIM115 (closed by the with below, inside the generator)
        except FileNotFoundError:
            raise blob.missing(digest, self.url) from None
        with f:
            while chunk := f.read(chunk_size):
                yield chunk

    def exists(self, digest: str) -> bool:
        return os.path.isfile(self._file(blob.check_digest(digest)))

    def delete(self, digest: str) -> None:
        """Remove the blob; deleting a blob that is not there is not an error."""
        path = self._file(blob.check_digest(digest))
        with contextlib.suppress(FileNotFoundError):
            _unlink(path)


# Windows refuses to replace or remove a read-only file; POSIX only asks about the folder.


def _replace(src: str | Path, dst: str) -> None:
    try:
        os.replace(src, dst)
    except PermissionError:
        if os.name != "nt" or not os.path.exists(dst):
            raise
        os.chmod(dst, 0o666)
        os.replace(src, dst)


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except PermissionError:
        if os.name != "nt":
            raise
        os.chmod(path, 0o666)
        os.unlink(path)


def local_root_from_url(url: str) -> Path | None:
    """The folder a plain path or ``file://`` URL names; None for any other URL."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    if "://" not in url:
        return Path(url).expanduser()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("file", "local"):
        return None
    if parts.netloc not in ("", "localhost"):
        raise InvalidInputError(
            f"Artifact store URL {url!r} names a remote host; use file:///absolute/path for a local folder."
        )
    if not parts.path:
        raise InvalidInputError(f"Artifact store URL {url!r} names no folder: use file:///absolute/path.")
    return Path(url2pathname(parts.path))
