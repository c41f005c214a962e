"""Content-addressed blobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol


class ArtifactStore(Protocol):
    """Content-addressed blobs (sha256 hex digests). Every read verifies the digest."""

    url: str

    def put_bytes(self, data: bytes) -> str: ...

    def put_stream(self, stream: BinaryIO) -> str: ...

    def put_file(self, path: Path) -> str: ...

    def get_bytes(self, digest: str) -> bytes:
        """Raises NotFoundError, or IntegrityError if the blob does not match."""
        ...

    def get_file(self, digest: str, dest: Path) -> None:
        """Write the verified blob to *dest* (atomically)."""
        ...

    def open_chunks(self, digest: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream the blob; raises IntegrityError at the end if it does not match."""
        ...

    def exists(self, digest: str) -> bool: ...

    def delete(self, digest: str) -> None: ...
