"""Monitoring windows and the figures they produce: pure values, no I/O.

A *monitor* watches one deployment's payload log in fixed windows (an hour or a
day, in UTC, as the log is partitioned; or every N rows of a version, ``rows:N``).
Each window, per served version, gets a merged profile and a set of *figures*:
named numbers such as ``drift.share``, ``drift.age``, ``quality.missing.age``, ``performance.accuracy``,
``estimated.roc_auc``, ``latency.p99`` and ``error_rate``, stored as small
time-series rows. :class:`LatencyHistogram` is the mergeable latency summary a
window keeps to answer percentiles without the raw requests.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.core.errors import InvalidInputError

WINDOWS: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
TASKS = ("classification", "regression")
FIGURE_NAME_RE = re.compile(r"^[A-Za-z0-9_.:*?\[\]\-]{1,300}$")
#: The payload log's partition folders: ``deployment=<name>/date=YYYY-MM-DD/hour=HH``.
PARTITION_RE = re.compile(r"deployment=([^/]+)/date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/")


#: ``rows:N`` windows: every N rows of a version, N in this range.
ROW_WINDOW_RE = re.compile(r"^rows:([0-9]{1,9})$")
MIN_WINDOW_ROWS, MAX_WINDOW_ROWS = 10, 10_000_000


def check_window(window: str) -> str:
    """*window* if it names a window: ``hour``, ``day`` or ``rows:N`` (every N rows)."""
    if window not in WINDOWS and window_rows(window) is None:
        raise InvalidInputError(
            f"Unknown window {window!r}: use hour, day or rows:N "
            f"(every N rows, N from {MIN_WINDOW_ROWS} to {MAX_WINDOW_ROWS:,})."
        )
    return window


def window_rows(window: str) -> int | None:
    """N for a ``rows:N`` window, None for a time window or anything else."""
    match = ROW_WINDOW_RE.match(window)
    if match is None:
        return None
    size = int(match.group(1))
    return size if MIN_WINDOW_ROWS <= size <= MAX_WINDOW_ROWS else None


def window_of(path: str, window: str) -> tuple[datetime, datetime]:
    """The window (start, end) a payload-log file belongs to, read from its partition folders."""
    match = PARTITION_RE.search(path.replace("\\", "/"))
    if match is None:
        raise InvalidInputError(
            f"{path} is not in a payload-log partition (deployment=…/date=YYYY-MM-DD/hour=HH/)."
        )
    hour = datetime.strptime(f"{match.group(2)} {match.group(3)}", "%Y-%m-%d %H").replace(tzinfo=UTC)
    start = hour if window == "hour" else hour.replace(hour=0)
    return start, start + WINDOWS[window]


@dataclass(frozen=True)
class Figure:
    """One number of one window of one version of a deployment; ``value`` None means "not computable"."""

    deployment: str
    version: str
    start: datetime
    end: datetime
    name: str
    value: float | None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "version": self.version,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "name": self.name,
            "value": self.value,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Figure:
        value = data.get("value")
        return cls(
            deployment=str(data["deployment"]),
            version=str(data["version"]),
            start=datetime.fromisoformat(str(data["start"])),
            end=datetime.fromisoformat(str(data["end"])),
            name=str(data["name"]),
            value=None if value is None else float(value),
            details=dict(data.get("details") or {}),
        )


def finite(value: Any) -> float | None:
    """*value* as a float, or None when it is missing, NaN or infinite (figures store JSON-safe numbers)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class ReferenceInfo:
    """A version's stored reference: what monitoring compares its traffic with."""

    ref: str
    task: str
    rows: int
    fingerprint: str
    features: tuple[str, ...]
    has_labels: bool
    created_by: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "task": self.task,
            "rows": self.rows,
            "fingerprint": self.fingerprint,
            "features": list(self.features),
            "has_labels": self.has_labels,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceInfo:
        return cls(
            ref=str(data["ref"]),
            task=str(data["task"]),
            rows=int(data["rows"]),
            fingerprint=str(data["fingerprint"]),
            features=tuple(data["features"]),
            has_labels=bool(data["has_labels"]),
            created_by=str(data["created_by"]),
            created_at=datetime.fromisoformat(str(data["created_at"])),
        )


@dataclass(frozen=True)
class RunSummary:
    """What one monitoring run did."""

    deployment: str
    files: int
    rows: int
    windows: tuple[str, ...]
    figures: int
    skipped_versions: Mapping[str, int] = field(default_factory=dict)
    alerts_fired: int = 0
    alerts_resolved: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "files": self.files,
            "rows": self.rows,
            "windows": list(self.windows),
            "figures": self.figures,
            "skipped_versions": dict(self.skipped_versions),
            "alerts_fired": self.alerts_fired,
            "alerts_resolved": self.alerts_resolved,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummary:
        return cls(
            deployment=str(data["deployment"]),
            files=int(data["files"]),
            rows=int(data["rows"]),
            windows=tuple(data["windows"]),
            figures=int(data["figures"]),
            skipped_versions={str(k): int(v) for k, v in dict(data.get("skipped_versions") or {}).items()},
            alerts_fired=int(data.get("alerts_fired", 0)),
            alerts_resolved=int(data.get("alerts_resolved", 0)),
            notes=tuple(data.get("notes") or ()),
        )


@dataclass(frozen=True)
class LabelSummary:
    """What one labels upload did: stored, replaced earlier labels, matched logged predictions."""

    deployment: str
    received: int
    replaced: int
    matched: int
    unknown: int
    unknown_examples: tuple[str, ...]
    figures: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "received": self.received,
            "replaced": self.replaced,
            "matched": self.matched,
            "unknown": self.unknown,
            "unknown_examples": list(self.unknown_examples),
            "figures": self.figures,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelSummary:
        return cls(
            deployment=str(data["deployment"]),
            received=int(data["received"]),
            replaced=int(data["replaced"]),
            matched=int(data["matched"]),
            unknown=int(data["unknown"]),
            unknown_examples=tuple(data.get("unknown_examples") or ()),
            figures=int(data["figures"]),
        )


class LatencyHistogram:
    """Request latencies in log-spaced bins (0.01 ms to ~28 h, 5% wide): mergeable, percentiles within 5%."""

    LOW, RATIO, BINS = 0.01, 1.05, 600

    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self.counts: dict[int, int] = {int(k): int(v) for k, v in (counts or {}).items() if int(v) > 0}

    def add(self, values: Sequence[float]) -> LatencyHistogram:
        import numpy as np

        array = np.asarray(values, dtype=float)
        array = array[np.isfinite(array)]
        if array.size:
            scaled = np.log(np.maximum(array, self.LOW) / self.LOW) / math.log(self.RATIO)
            bins = np.clip(np.floor(scaled).astype(int), 0, self.BINS - 1)
            found, counts = np.unique(bins, return_counts=True)
            for b, c in zip(found.tolist(), counts.tolist(), strict=True):
                self.counts[b] = self.counts.get(b, 0) + c
        return self

    def merge(self, other: LatencyHistogram) -> LatencyHistogram:
        merged = dict(self.counts)
        for b, c in other.counts.items():
            merged[b] = merged.get(b, 0) + c
        return LatencyHistogram(merged)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def quantile(self, q: float) -> float | None:
        """The upper edge of the bin holding the *q*-quantile (an over- rather than under-estimate)."""
        total = self.total
        if total == 0:
            return None
        wanted, seen = q * total, 0
        for b in sorted(self.counts):
            seen += self.counts[b]
            if seen >= wanted:
                return float(self.LOW * self.RATIO ** (b + 1))
        return float(self.LOW * self.RATIO**self.BINS)

    def to_dict(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(self.counts.items())}
