"""What every artifact store agrees on: how a blob is named, laid out and verified.

A blob is addressed by the sha256 hex digest of its content and lives at
``sha256/<d[0:2]>/<digest>`` under the store's root. Digests are
checked against :data:`DIGEST_RE` before they are used to build a path, so a
crafted "digest" such as ``../../etc/passwd`` never reaches a filesystem.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from steward.core.errors import IntegrityError, InvalidInputError, NotFoundError

DIGEST_RE = re.compile(r"[0-9a-f]{64}")
CHUNK_SIZE = 1 << 20
# Files and streams up to this size are read into memory and stored in one go.
SMALL_BLOB = 8 << 20


def check_digest(digest: object) -> str:
    """Return *digest* if it is a sha256 hex digest; raise InvalidInputError otherwise."""
    if isinstance(digest, str) and DIGEST_RE.fullmatch(digest):
        return digest
    shown = repr(digest)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    raise InvalidInputError(
        f"{shown} is not an artifact digest: expected the 64 lowercase hexadecimal characters "
        "of a sha256 digest."
    )


def check_chunk_size(chunk_size: int) -> int:
    if chunk_size <= 0:
        raise InvalidInputError(f"chunk_size must be a positive number of bytes, not {chunk_size}.")
    return chunk_size


def blob_key(digest: str) -> str:
    """The blob's path relative to the store root (after :func:`check_digest`)."""
    return f"sha256/{digest[:2]}/{digest}"


def short(digest: str) -> str:
    return f"sha256:{digest[:12]}…"


def missing(digest: str, store_url: str) -> NotFoundError:
    return NotFoundError(
        f"Artifact {short(digest)} is not in the artifact store at {store_url}. "
        "Check that the store URL is the one the model was registered with, or register the model again."
    )


def corrupt(digest: str, actual: str) -> IntegrityError:
    return IntegrityError(
        f"Artifact {short(digest)} is corrupt: its content hashes to {actual[:12]}… "
        "(tampered with or truncated). Restore it from a backup or register the model again."
    )


def verify(digest: str, data: bytes) -> bytes:
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise corrupt(digest, actual)
    return data


def verified(digest: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Pass *chunks* through; raise IntegrityError after the last one if they do not hash to *digest*."""
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
        yield chunk
    actual = hasher.hexdigest()
    if actual != digest:
        raise corrupt(digest, actual)


def temp_name(final: str | Path) -> str:
    """A fresh hidden name beside *final*, for writing before an atomic rename."""
    folder, name = os.path.split(final)
    return os.path.join(folder, f".{name[:40]}.{os.urandom(6).hex()}.tmp")


def open_exclusive(path: str | Path, mode: int = 0o666) -> int:
    """Create *path* for writing (never following or reusing an existing entry).

    The file gets *mode* (less the umask) even when that is read-only: the
    returned descriptor can still write.
    """
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_file_atomically(dest: Path, chunks: Iterable[bytes]) -> None:
    """Write *chunks* to a temporary sibling of *dest*, then rename it over *dest*.

    If iterating *chunks* raises (an IntegrityError at the end, a network
    error), the temporary file is removed and *dest* is left as it was.
    Not fsynced: a downloaded copy can always be fetched again.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(dest)
    fd = open_exclusive(tmp)
    try:
        try:
            for chunk in chunks:
                write_all(fd, chunk)
        finally:
            os.close(fd)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
