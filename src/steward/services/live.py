"""Live traffic of a deployment: request rate, latency and error rate over the last minutes.

Read straight from the payload log (``deployment=<name>/date=…/hour=…/part-*.parquet``), not from
monitoring windows, so the console shows traffic seconds after it happens. The cost is bounded:
only the hour partitions the span touches are listed, a file last modified before the span began
is skipped (it cannot hold a later record), at most :data:`MAX_FILES` of the newest files are read,
and only four small columns (``time``, ``status``, ``latency_ms``, ``role``) are decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from steward.core.deployment import check_deployment_name
from steward.core.errors import InvalidInputError
from steward.services.registry import utcnow

#: Files read at most per call (the newest first); ``LiveTraffic.truncated`` says when more existed.
MAX_FILES = 400
MINUTES = (1, 120)
COLUMNS = ("time", "status", "latency_ms", "role")


@dataclass(frozen=True)
class Bucket:
    """One slice of the span: its requests, errors (status >= 500) and latency quantiles (ms)."""

    start: datetime
    requests: int
    errors: int
    p50: float | None
    p99: float | None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


@dataclass(frozen=True)
class LiveTraffic:
    """The last *minutes* of a deployment's primary requests, in buckets of *bucket_seconds*."""

    deployment: str
    start: datetime
    end: datetime
    bucket_seconds: int
    buckets: tuple[Bucket, ...]
    requests: int
    errors: int
    p50: float | None
    p99: float | None
    files: int
    truncated: bool

    @property
    def rate(self) -> float:
        """Requests per second over the span."""
        return self.requests / max((self.end - self.start).total_seconds(), 1e-9)

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


class LiveTrafficReader:
    """Reads the recent end of the payload log under *root* (a folder or an fsspec URL)."""

    def __init__(
        self,
        root: str,
        storage_options: dict[str, Any] | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        max_files: int = MAX_FILES,
    ) -> None:
        self.root = root.rstrip("/")
        self.storage_options = dict(storage_options or {})
        self.clock = clock
        self.max_files = max_files

    def recent(self, deployment: str, *, minutes: int = 15, buckets: int = 30) -> LiveTraffic:
        """Request rate, latency (p50, p99) and errors of *deployment* over the last *minutes*."""
        check_deployment_name(deployment)
        if (
            isinstance(minutes, bool)
            or not isinstance(minutes, int)
            or not MINUTES[0] <= minutes <= MINUTES[1]
        ):
            raise InvalidInputError(f"minutes is a whole number from {MINUTES[0]} to {MINUTES[1]}.")
        if isinstance(buckets, bool) or not isinstance(buckets, int) or not 1 <= buckets <= 240:
            raise InvalidInputError("buckets is a whole number from 1 to 240.")
        end = self.clock().astimezone(UTC)
        start = end - timedelta(minutes=minutes)
        step = max(1, (minutes * 60) // buckets)
        fs, paths, truncated = self._files(deployment, start, end)
        times, statuses, latencies = _read(fs, paths, start, end)
        slots = np.floor_divide(times - _micros(start), step * 1_000_000).astype(np.int64)
        count = -(-(minutes * 60) // step)
        made = []
        for i in range(count):
            chosen = slots == i
            made.append(
                Bucket(
                    start + timedelta(seconds=i * step),
                    int(chosen.sum()),
                    int((statuses[chosen] >= 500).sum()),
                    *_quantiles(latencies[chosen]),
                )
            )
        return LiveTraffic(
            deployment,
            start,
            end,
            step,
            tuple(made),
            len(times),
            int((statuses >= 500).sum()),
            *_quantiles(latencies),
            len(paths),
            truncated,
        )

    def records(
        self, deployment: str, start: datetime, end: datetime | None = None, *, outputs: bool = False
    ) -> pa.Table:
        """Every record (primary and shadow) of *deployment* logged in [start, end) (end: now), with
        ``request_id``, ``version``, ``role``, ``time``, ``status``, ``latency_ms`` and, with *outputs*,
        the ``outputs`` struct: what rollouts judge versions on (bounded like :meth:`recent`)."""
        check_deployment_name(deployment)
        end = (end or self.clock()).astimezone(UTC)
        start = start.astimezone(UTC)
        fs, paths, _ = self._files(deployment, start, end)
        wanted = (*COLUMNS, "version", "request_id", *(("outputs",) if outputs else ()))
        table = _table(fs, paths, wanted)
        if table is None or table.num_rows == 0:
            return pa.table({name: pa.array([], pa.null()) for name in wanted})
        stamps = table["time"].cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
        keep = pc.and_(pc.greater_equal(stamps, _micros(start)), pc.less(stamps, _micros(end)))
        return table.filter(keep)

    def _files(self, deployment: str, start: datetime, end: datetime) -> tuple[Any, list[str], bool]:
        from fsspec.core import url_to_fs

        fs, root = url_to_fs(self.root, **self.storage_options)
        base = f"{str(root).rstrip('/')}/deployment={deployment}"
        found: list[tuple[float, str]] = []
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour <= end:
            folder = f"{base}/date={hour:%Y-%m-%d}/hour={hour:%H}"
            for info in fs.glob(f"{folder}/part-*.parquet", detail=True).values():
                modified = _modified(info)
                if modified is None or modified >= start.timestamp() - 1:
                    found.append((modified or float("inf"), str(info["name"])))
            hour += timedelta(hours=1)
        found.sort(reverse=True)
        chosen = [name for _, name in found[: self.max_files]]
        return fs, chosen, len(found) > len(chosen)


Arrays = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]


def _read(fs: Any, paths: list[str], start: datetime, end: datetime) -> Arrays:
    """The time (µs), status and latency of the primary requests in [start, end) of *paths*."""
    table = _table(fs, paths)
    if table is None or table.num_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    if "role" in table.column_names:
        table = table.filter(pc.fill_null(pc.equal(table["role"], "primary"), True))
    stamps = table["time"].cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    times = np.asarray(stamps.to_numpy(zero_copy_only=False), dtype=np.int64)
    keep = (times >= _micros(start)) & (times < _micros(end))
    statuses = np.asarray(table["status"].to_numpy(zero_copy_only=False), dtype=np.int64)
    latencies = np.asarray(table["latency_ms"].to_numpy(zero_copy_only=False), dtype=np.float64)
    return times[keep], statuses[keep], latencies[keep]


def _table(fs: Any, paths: list[str], columns: tuple[str, ...] = COLUMNS) -> pa.Table | None:
    """The *columns* of every file (the four of :data:`COLUMNS` by default), read as one dataset
    (threads, native I/O on a local folder); if a file is damaged or the files' types differ
    (outputs of different models), file by file, leaving the damaged ones out as monitoring runs do."""
    if not paths:
        return None
    native = pafs.LocalFileSystem() if "file" in _protocols(fs) else fs
    try:
        return ds.dataset(paths, filesystem=native, format="parquet").to_table(columns=list(columns))
    except (pa.ArrowException, OSError):
        pass
    tables = []
    for path in paths:
        try:
            with fs.open(path, "rb") as handle:
                parquet = pq.ParquetFile(handle)
                wanted = [c for c in columns if c in parquet.schema_arrow.names]
                tables.append(parquet.read(columns=wanted))
        except (pa.ArrowException, OSError):
            continue
    if not tables:
        return None
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowException:  # outputs typed differently by different models: keep the rest
        return pa.concat_tables(
            [t.drop_columns(["outputs"]) if "outputs" in t.column_names else t for t in tables],
            promote_options="permissive",
        )


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = getattr(fs, "protocol", ())
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _micros(at: datetime) -> int:
    return round(at.timestamp() * 1_000_000)


def _modified(info: dict[str, Any]) -> float | None:
    """A listed file's modification time (POSIX seconds), from a local or an object store listing."""
    value = info.get("mtime", info.get("LastModified", info.get("last_modified")))
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return None


def _quantiles(values: np.ndarray[Any, Any]) -> tuple[float | None, float | None]:
    if not len(values):
        return None, None
    p50, p99 = np.quantile(values, [0.5, 0.99])
    return float(p50), float(p99)
