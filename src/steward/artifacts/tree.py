"""Folders as trees of blobs, named by a manifest blob.

A manifest is canonical JSON (sorted keys, no spaces, ASCII) so the same
folder always gives the same digest::

    {"files":{"model.pkl":{"sha256":"…","size":1234}},"steward_manifest":1}

Paths are POSIX and relative. A manifest read back from a store is untrusted:
absolute paths, ``..``, backslashes, drive letters and entries that are not
plain files are refused before anything touches the filesystem.
"""

from __future__ import annotations

import errno
import json
import ntpath
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from steward.artifacts import blob
from steward.core.errors import (
    ConflictError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
)
from steward.ports import ArtifactStore

MANIFEST_VERSION = 1
# A larger blob is not read as a manifest (a client may name a model file by mistake or on purpose).
MAX_MANIFEST_SIZE = 64 << 20


@dataclass(frozen=True)
class ManifestFile:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """The files of a folder: relative POSIX path -> file, in path order (read-only)."""

    files: Mapping[str, ManifestFile]

    def __post_init__(self) -> None:
        if any(path != f.path for path, f in self.files.items()):
            raise InvalidInputError("A manifest maps each file's path to that file.")
        object.__setattr__(self, "files", MappingProxyType(dict(sorted(self.files.items()))))

    def __hash__(self) -> int:
        return hash(tuple(self.files.values()))

    @classmethod
    def of(cls, entries: Iterable[ManifestFile]) -> Manifest:
        return cls({e.path: e for e in entries})

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files.values())

    def to_bytes(self) -> bytes:
        doc = {
            "steward_manifest": MANIFEST_VERSION,
            "files": {f.path: {"sha256": f.sha256, "size": f.size} for f in self.files.values()},
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes, digest: str | None = None) -> Manifest:
        """Parse and check a manifest; InvalidInputError if it is not one or is unsafe."""
        name = f"Artifact {blob.short(digest)}" if digest else "This blob"

        def refuse(reason: str) -> InvalidInputError:
            return InvalidInputError(f"{name} is not a valid Steward manifest: {reason}.")

        try:
            doc = json.loads(data)
        except ValueError:  # includes UnicodeDecodeError
            raise refuse("it is not JSON") from None
        if not isinstance(doc, dict) or set(doc) != {"steward_manifest", "files"}:
            raise refuse("it is not a manifest object")
        version, files = doc["steward_manifest"], doc["files"]
        if type(version) is not int or version != MANIFEST_VERSION:
            raise refuse(f"unsupported version {version!r} (a newer Steward may have written it)")
        if not isinstance(files, dict):
            raise refuse("'files' is not an object")
        entries = []
        for path, entry in sorted(files.items()):
            problem = path_problem(path)
            if problem:
                raise refuse(f"unsafe path {path!r} ({problem})")
            if not isinstance(entry, dict) or set(entry) != {"sha256", "size"}:
                raise refuse(f"entry {path!r} is not a plain file with 'sha256' and 'size'")
            sha, size = entry["sha256"], entry["size"]
            if not (isinstance(sha, str) and blob.DIGEST_RE.fullmatch(sha)):
                raise refuse(f"entry {path!r} has a malformed sha256")
            if type(size) is not int or size < 0:
                raise refuse(f"entry {path!r} has a malformed size")
            entries.append(ManifestFile(path, sha, size))
        clash = _file_and_folder(entries)
        if clash:
            raise refuse(f"{clash!r} is both a file and a folder")
        return cls.of(entries)


def path_problem(path: object) -> str | None:
    """Why *path* is not a safe relative POSIX path, or None if it is."""
    if not isinstance(path, str) or not path:
        return "empty"
    if path.startswith("/") or ntpath.splitdrive(path)[0]:
        return "absolute"
    if "\\" in path or "\x00" in path:
        return "backslash or NUL character"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "empty, '.' or '..' component"
    return None


def _file_and_folder(entries: Iterable[ManifestFile]) -> str | None:
    paths = {e.path for e in entries}
    for path in paths:
        parts = path.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in paths:
                return "/".join(parts[:i])
    return None


# -- storing -----------------------------------------------------------------


def put_tree(store: ArtifactStore, folder: Path) -> str:
    """Store every file under *folder* and a manifest of them; return the manifest's digest.

    Symbolic links to files are stored as the files they point to; empty
    folders are not recorded.
    """
    folder = Path(folder)
    if not folder.is_dir():
        if not folder.exists():
            raise NotFoundError(f"Cannot store the folder {folder}: it does not exist.")
        raise InvalidInputError(f"Cannot store {folder} as a tree: it is not a folder.")
    entries = [_put_one(store, rel, path, size) for rel, path, size in _walk(folder, "")]
    return store.put_bytes(Manifest.of(entries).to_bytes())


def put_files(store: ArtifactStore, files: Mapping[str, bytes]) -> str:
    """Store in-memory files and their manifest: the digest :func:`put_tree` gives for the same folder."""
    entries = []
    for rel, data in files.items():
        if problem := path_problem(rel):
            raise InvalidInputError(f"Cannot store the file {rel!r}: its path is {problem}.")
        entries.append(ManifestFile(rel, store.put_bytes(data), len(data)))
    if clash := _file_and_folder(entries):
        raise InvalidInputError(f"Cannot store {clash!r} both as a file and as a folder.")
    return store.put_bytes(Manifest.of(entries).to_bytes())


def _put_one(store: ArtifactStore, rel: str, path: str, size: int) -> ManifestFile:
    if size <= blob.SMALL_BLOB:
        data = Path(path).read_bytes()
        return ManifestFile(rel, store.put_bytes(data), len(data))
    before = os.stat(path)
    digest = store.put_file(Path(path))
    after = os.stat(path)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise ConflictError(f"The file {path} changed while it was being stored; store the folder again.")
    return ManifestFile(rel, digest, after.st_size)


def _walk(folder: Path | str, prefix: str) -> Iterator[tuple[str, str, int]]:
    """(relative POSIX path, filesystem path, size) of every file under *folder*."""
    with os.scandir(folder) as it:
        entries = list(it)
    for entry in entries:
        rel = prefix + entry.name
        problem = path_problem(rel)
        if problem:
            raise InvalidInputError(f"Cannot store {entry.path}: its name has a {problem}.")
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, rel + "/")
        elif entry.is_file():  # follows a symlink to a file
            yield rel, entry.path, entry.stat().st_size
        elif entry.is_symlink():
            raise InvalidInputError(
                f"Cannot store {entry.path}: it is a symbolic link to a folder or to nothing. "
                "Replace it with the files themselves."
            )
        else:
            raise InvalidInputError(f"Cannot store {entry.path}: it is not a regular file.")


# -- reading -----------------------------------------------------------------


def read_manifest(store: ArtifactStore, digest: str) -> Manifest:
    """The verified manifest *digest*; InvalidInputError if that blob is not a manifest."""
    blob.check_digest(digest)
    data = bytearray()
    chunks = store.open_chunks(digest)
    try:
        for chunk in chunks:
            data += chunk
            if len(data) > MAX_MANIFEST_SIZE:
                raise InvalidInputError(
                    f"Artifact {blob.short(digest)} is not a Steward manifest: it is larger than "
                    f"{MAX_MANIFEST_SIZE >> 20} MiB."
                )
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return Manifest.from_bytes(bytes(data), digest)


def check_tree(store: ArtifactStore, digest: str) -> Manifest:
    """Check that the manifest and every file it lists are in *store* (without reading the files).

    Raises NotFoundError naming the missing files.
    """
    manifest = read_manifest(store, digest)
    present: dict[str, bool] = {}
    missing = []
    for f in manifest.files.values():
        if f.sha256 not in present:
            present[f.sha256] = store.exists(f.sha256)
        if not present[f.sha256]:
            missing.append(f.path)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise NotFoundError(
            f"{len(missing)} of the {len(manifest.files)} files of manifest {blob.short(digest)} "
            f"are missing from the artifact store at {store.url}: {shown}. Upload them and try again."
        )
    return manifest


def get_tree(store: ArtifactStore, digest: str, dest: Path) -> Manifest:
    """Materialise the tree *digest* as the folder *dest*, verifying every file.

    *dest* must not exist or be an empty folder. The files are written into a
    temporary sibling folder that is renamed to *dest* at the end, so a failure
    (IntegrityError, NotFoundError) leaves nothing behind.
    """
    manifest = read_manifest(store, digest)
    dest = Path(dest)
    if (dest.exists() or dest.is_symlink()) and not _is_empty_folder(dest):
        raise ConflictError(f"Cannot write the files to {dest}: it exists and is not an empty folder.")
    tmp = dest.with_name(f".{dest.name}.{os.urandom(6).hex()}.tmp")
    try:
        os.mkdir(tmp)
    except FileNotFoundError:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(tmp)
    try:
        made = {""}
        for f in manifest.files.values():
            folder, _, _ = f.path.rpartition("/")
            if folder not in made:
                tmp.joinpath(*folder.split("/")).mkdir(parents=True, exist_ok=True)
                made.add(folder)
            if f.size <= blob.SMALL_BLOB:
                chunks: Iterable[bytes] = (store.get_bytes(f.sha256),)
            else:
                chunks = store.open_chunks(f.sha256)
            written = _write_new(tmp.joinpath(*f.path.split("/")), chunks)
            if written != f.size:
                raise IntegrityError(
                    f"Manifest {blob.short(digest)} says {f.path} has {f.size} bytes, but its blob has "
                    f"{written}. Register the model again."
                )
        _rename_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _write_new(path: Path, chunks: Iterable[bytes]) -> int:
    try:
        fd = blob.open_exclusive(path)
    except FileExistsError:  # e.g. 'A' and 'a' on a case-insensitive filesystem
        raise InvalidInputError(f"Two files of the manifest would both be written to {path}.") from None
    written = 0
    try:
        for chunk in chunks:
            blob.write_all(fd, chunk)
            written += len(chunk)
    finally:
        os.close(fd)
    return written


def _rename_dir(tmp: Path, dest: Path) -> None:
    clash = f"Cannot write the files to {dest}: something else created it meanwhile."
    try:
        os.rename(tmp, dest)  # POSIX replaces an empty folder
        return
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
            raise
    # Windows does not replace an empty folder the caller prepared: remove it first.
    if not _is_empty_folder(dest):
        raise ConflictError(clash)
    try:
        dest.rmdir()
        os.rename(tmp, dest)
    except (FileExistsError, FileNotFoundError, NotADirectoryError) as exc:
        raise ConflictError(clash) from exc
