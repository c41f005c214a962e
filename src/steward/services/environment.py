"""Capture the code and environment a model was trained in, cheaply.

Registration sits on a hot path (benchmarked), so nothing here starts a
subprocess: the git commit is read from ``.git`` files directly, and package
versions are looked up once per process.
"""

from __future__ import annotations

import functools
import platform
from importlib import metadata
from pathlib import Path

KEY_PACKAGES = ("numpy", "pandas", "scikit-learn", "scipy", "pyarrow")
FLAVOR_PACKAGES = {
    "sklearn": ("scikit-learn", "skops"),
    "xgboost": ("xgboost",),
    "lightgbm": ("lightgbm",),
    "onnx": ("onnx", "onnxruntime"),
    "pytorch": ("torch",),
    "python": ("cloudpickle",),
}


@functools.cache
def _version_of(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def package_versions(flavor: str) -> dict[str, str]:
    """Versions of the key packages and the flavor's framework that are installed."""
    names = (*KEY_PACKAGES, *FLAVOR_PACKAGES.get(flavor, ()), "steward-mlops")
    return {name: v for name in names if (v := _version_of(name)) is not None}


def python_version() -> str:
    return platform.python_version()


def _find_git_dir(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # worktree or submodule: "gitdir: <path>"
            text = candidate.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                return (folder / text[len("gitdir:") :].strip()).resolve()
    return None


def git_commit(start: Path | None = None) -> tuple[str | None, str | None]:
    """(commit sha, repository folder) of the checkout around *start*, if any."""
    try:
        git_dir = _find_git_dir((start or Path.cwd()).resolve())
        if git_dir is None:
            return None, None
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        repo = str(git_dir.parent)
        if not head.startswith("ref:"):
            return head or None, repo
        ref = head[len("ref:") :].strip()
        ref_file = git_dir / ref
        if ref_file.is_file():
            return ref_file.read_text(encoding="utf-8").strip() or None, repo
        common = git_dir / "commondir"
        base = (git_dir / common.read_text().strip()).resolve() if common.is_file() else git_dir
        if (base / ref).is_file():
            return (base / ref).read_text(encoding="utf-8").strip() or None, repo
        packed = base / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha, repo
        return None, repo  # a branch with no commits yet
    except OSError:
        return None, None
