"""Data files by location: a local path or any fsspec URL (``s3://bucket/key.parquet``).

Batch scoring reads its input and writes its output through these, and the
inference server reads its explanation background rows. Which storage options
(endpoint, keys) a URL gets is decided once, here: a URL on the same kind of
storage as the artifacts (both ``s3://``…) gets the ``artifacts_options``
setting, any other one none (fsspec then finds credentials the usual way: the
environment, ``~/.aws``, instance roles).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.core.errors import InvalidInputError, NotFoundError

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_url(location: str | Path) -> bool:
    """Whether *location* is an fsspec URL (``s3://…``, ``memory://…``) rather than a local path."""
    return isinstance(location, str) and _URL.match(location) is not None


def scheme(location: str) -> str:
    return location.split("://", 1)[0].lower() if is_url(location) else ""


def storage_options_for(
    location: str | Path, artifacts: str, artifacts_options: Mapping[str, Any]
) -> dict[str, Any]:
    """The fsspec options for *location*: the artifacts' own when both are on the same kind of storage."""
    if not is_url(location) or scheme(str(location)) in ("", "file"):
        return {}
    return dict(artifacts_options) if scheme(str(location)) == scheme(artifacts) else {}


@dataclass(frozen=True)
class Location:
    """A file on some storage: its URL (or local path) as given, the filesystem and the path on it."""

    shown: str
    fs: Any  # fsspec.AbstractFileSystem
    path: str

    def __str__(self) -> str:
        return self.shown

    @property
    def protocol(self) -> str:
        found = self.fs.protocol
        return str(found if isinstance(found, str) else found[0])

    def bucket_exists(self) -> bool:
        """Whether the first component of the path (an object store's bucket) exists."""
        bucket = self.path.strip("/").split("/", 1)[0]
        try:
            return bool(self.fs.exists(bucket))
        except OSError as exc:
            raise InvalidInputError(f"Cannot reach {self.shown}: {_first_line(exc)}.") from None

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        name = self.name
        return "." + name.rsplit(".", 1)[1] if "." in name else ""

    def is_file(self) -> bool:
        try:
            return bool(self.fs.isfile(self.path))
        except OSError as exc:  # the storage refused or could not be reached
            raise InvalidInputError(f"Cannot reach {self.shown}: {_first_line(exc)}.") from None


def open_location(url: str, options: Mapping[str, Any] | None = None) -> Location:
    """*url* on its fsspec filesystem; an unknown scheme or missing driver says what to install."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url, **dict(options or {}))
    except (ImportError, ValueError) as exc:
        raise InvalidInputError(
            f"Cannot open {url}: {_first_line(exc)} (s3:// needs the s3fs package: "
            "pip install 'steward-mlops[s3]')."
        ) from None
    return Location(url, fs, path)


def read_frame(
    location: str | Path, options: Mapping[str, Any] | None = None, *, max_rows: int | None = None
) -> Any:
    """A Parquet or CSV file (by extension), local or at a URL, as a pandas DataFrame: all of it, or
    its first *max_rows* rows (reading only as much of the file as they need)."""
    import pandas as pd
    import pyarrow.parquet as pq

    shown = str(location)
    suffix = (Path(shown).suffix if not is_url(location) else open_location(shown, options).suffix).lower()
    if suffix not in (".parquet", ".pq", ".csv"):
        raise InvalidInputError(f"Cannot read {shown}: use a Parquet (.parquet, .pq) or CSV (.csv) file.")
    if not is_url(location):
        if not Path(shown).is_file():
            raise NotFoundError(f"No such data file: {shown}. Check the path.")
        opened: Any = open(shown, "rb")  # noqa: SIM115 - closed below
    else:
        found = open_location(shown, options)
        if not found.is_file():
            raise NotFoundError(f"No such data file: {shown}. Check the URL.")
        opened = found.fs.open(found.path, "rb")
    try:
        with opened as f:
            if suffix == ".csv":
                return pd.read_csv(f, nrows=max_rows)
            if max_rows is None:
                return pd.read_parquet(f)
            first = next(pq.ParquetFile(f).iter_batches(batch_size=max_rows), None)
            return first.to_pandas() if first is not None else pd.read_parquet(f)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Cannot read {shown}: {_first_line(exc)}.") from None


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.rstrip(".") or type(exc).__name__
