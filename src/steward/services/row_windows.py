"""``rows:N`` windows: every N rows of a version, in payload-log order, incrementally.

A run reads only the payload-log files no earlier run read, in order of their
earliest request, each file whole and in log order (time, then request id,
then row; one file is one writer's flush). Per version, its rows fill the
version's **open window**; when that holds N rows it closes, becomes a window
like an hour's (figures, alerts, performance) and the next row opens the next
one. A request's traffic (requests, errors, latency) counts in the window of
its first row; a failed request (no rows) in the window open at its time.

A window's start and end are its first and last row's times (a window without
rows yet: its requests'), the start moved on by a microsecond when it would not
follow the version's previous window's start (rows of one request share a
time), so starts stay unique per version. The open window is stored like any
window, flagged open in its traffic JSON (``block``), with no figures; later
runs load it and keep filling it. Each window also keeps its *segments*
(file, first and last position of the version's rows in that file), so labels
join to exactly its rows. Every file commits in one transaction with the
windows it closed or changed: an interrupted run loses nothing and counts
nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from steward.core.errors import InvalidInputError
from steward.core.monitoring.drift import DriftConfig
from steward.core.monitoring.profile import Profile, profile_like
from steward.core.monitoring.reservoir import RowSample
from steward.core.windows import Figure, LatencyHistogram, window_of
from steward.ports import Store
from steward.services.payloads import Chunk, PayloadLogReader
from steward.services.references import Loaded
from steward.services.window_state import RunTally, add_sample, add_traffic, new_window, window_figures

#: The key of a row window's bookkeeping in its stored traffic JSON.
BLOCK = "block"
#: Columns of the exploded rows that are not data.
META = ["request_id", "row", "version", "time"]
TICK = timedelta(microseconds=1)


@dataclass
class OpenWindow:
    """A version's window being filled: its running state, row count, times and segments."""

    version: str
    state: dict[str, Any] = field(default_factory=new_window)
    rows: int = 0
    start: datetime | None = None
    end: datetime | None = None
    segments: list[list[Any]] = field(default_factory=list)
    #: The start of the version's previous window (this one's start must come after it).
    after: datetime | None = None

    @classmethod
    def resume(cls, version: str, last: Mapping[str, Any] | None) -> OpenWindow:
        """The version's open window from its newest stored window (a new one when that one is closed)."""
        if last is None:
            return cls(version)
        block = dict(last["traffic"].get(BLOCK) or {})
        if not block.get("open"):
            return cls(version, after=last["start"])
        traffic, stored = last["traffic"], last["profile"]
        state = new_window()
        state["requests"], state["errors"] = int(traffic["requests"]), int(traffic["errors"])
        state["latency"] = LatencyHistogram(traffic.get("latency") or {})
        try:
            state["profile"] = Profile.from_dict(stored) if stored.get("features") else None
            state["sample"] = RowSample.from_dict(stored["sample"]) if stored.get("sample") else None
        except InvalidInputError:  # stored unreadably: the window goes on with the new rows only
            state["profile"] = state["sample"] = None
        after = datetime.fromisoformat(block["after"]) if block.get("after") else None
        return cls(
            version, state, int(block["rows"]), last["start"], last["end"], list(block["segments"]), after
        )  # fmt: skip

    def add(
        self,
        file: str,
        span: tuple[int, int],
        rows: pd.DataFrame,
        requests: pd.DataFrame,
        reference: Loaded | None,
        sample_size: int,
    ) -> None:
        """Add the version's rows at positions *span* of *file*, and *requests*, to this window."""
        if rows.empty and requests.empty:
            return
        add_traffic(self.state, requests)
        if not rows.empty:
            self.rows += len(rows)
            self.segments.append([file, span[0], span[1]])
            if reference is not None:
                self._profile(rows, reference, sample_size)
        times = (rows if not rows.empty else requests)["time"]
        first, last = _utc(times.iloc[0]), _utc(times.max())
        if self.start is None:
            self.start = first if self.after is None or first > self.after else self.after + TICK
        self.end = max(last, self.end or last, self.start)

    def _profile(self, rows: pd.DataFrame, reference: Loaded, sample_size: int) -> None:
        part = profile_like(reference.profile, rows.drop(columns=META))
        earlier = self.state["profile"]
        try:
            self.state["profile"] = part if earlier is None else earlier.merge(part)
        except InvalidInputError:  # the reference was set again since the window opened
            self.state["profile"] = part
        if reference.multivariate is not None:
            features = reference.multivariate.features_
            sample = self.state.get("sample")
            if sample is not None and (sample.features != features or sample.size != sample_size):
                self.state["sample"] = None
            add_sample(self.state, features, sample_size, rows)

    @property
    def empty(self) -> bool:
        return self.start is None

    def traffic(self, *, open: bool) -> dict[str, Any]:
        """The window's traffic JSON, with its bookkeeping under ``block``."""
        return {
            "requests": self.state["requests"],
            "errors": self.state["errors"],
            "rows": self.rows,
            "latency": self.state["latency"].to_dict(),
            BLOCK: {
                "open": open,
                "rows": self.rows,
                "segments": self.segments,
                "after": self.after.isoformat() if self.after is not None else None,
            },
        }

    def profile_json(self) -> dict[str, Any]:
        profile, sample = self.state["profile"], self.state.get("sample")
        stored: dict[str, Any] = profile.to_dict() if profile is not None else {}
        if sample is not None and stored:
            stored["sample"] = sample.to_dict()
        return stored


class RowWindows:
    """Every version's open window during a run, filled file by file."""

    def __init__(
        self,
        size: int,
        sample_size: int,
        reference: Callable[[str], Loaded | None],
        last: Callable[[str], Mapping[str, Any] | None],
    ) -> None:
        self.size, self.sample_size = size, sample_size
        self.reference, self.last = reference, last
        self.open: dict[str, OpenWindow] = {}

    def add(
        self, file: str, chunk: Chunk, fallback: datetime
    ) -> tuple[list[OpenWindow], set[str], dict[str, int]]:
        """Add one file (in log order, see ``PayloadLogReader.ordered``): the windows it closed, the
        versions whose open window changed, and rows of versions without a reference."""
        closed: list[OpenWindow] = []
        skipped: dict[str, int] = defaultdict(int)
        naive = pd.Timestamp(fallback).tz_convert(None)  # the log's times are naive UTC
        requests = chunk.requests.assign(time=chunk.requests["time"].fillna(naive))
        rows = chunk.rows.assign(time=chunk.rows["time"].fillna(naive))
        versions = sorted(set(requests["version"]))
        for version in versions:
            mine = rows[rows["version"] == version].reset_index(drop=True)
            asked = requests[requests["version"] == version]
            reference = self.reference(version)
            if reference is None:
                skipped[version] += len(mine)
            closed += self._fill(version, file, mine, asked, reference)
        return closed, set(versions), dict(skipped)

    def _fill(
        self, version: str, file: str, rows: pd.DataFrame, requests: pd.DataFrame, reference: Loaded | None
    ) -> list[OpenWindow]:
        window = self.open.get(version) or OpenWindow.resume(version, self.last(version))
        positions = _positions(requests, rows)
        closed: list[OpenWindow] = []
        done, total = 0, len(rows)
        while True:
            room = self.size - window.rows
            upto = min(total, done + room)
            fills = upto - done == room
            mask = (positions >= done) & ((positions < upto) if fills else True)
            window.add(file, (done, upto), rows.iloc[done:upto], requests[mask], reference, self.sample_size)
            done = upto
            if not fills:
                break
            closed.append(window)
            window = OpenWindow(version, after=window.start)
        self.open[version] = window
        return closed


def _positions(requests: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray[Any, Any]:
    """Per request, how many of the version's rows come before it in log order: its first row's
    position, or for a request without rows (failed) the number of rows logged no later than it."""
    if rows.empty:
        return np.zeros(len(requests), dtype=np.int64)
    first = rows.drop_duplicates("request_id").set_index("request_id").index
    first_at = pd.Series(np.flatnonzero(~rows["request_id"].duplicated().to_numpy()), index=first)
    found = requests["request_id"].map(first_at)
    times = rows["time"].to_numpy()
    later = np.searchsorted(times, requests["time"].to_numpy(), side="right")
    return np.where(found.isna().to_numpy(), later, found.fillna(0).to_numpy()).astype(np.int64)


def _utc(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    result: datetime = stamp.to_pydatetime()
    return result


def run_rows(
    store: Store,
    log: PayloadLogReader,
    deployment: str,
    new: list[str],
    size: int,
    config: DriftConfig,
    reference: Callable[[str], Loaded | None],
    clock: Callable[[], datetime],
    progress: Callable[[int, int, str], None] | None = None,
) -> RunTally:
    """Window *new* files (not yet read) into every-*size*-rows windows; one transaction per file."""
    with store.read() as tx:
        last = {w["version"]: w for w in tx.monitoring.last_windows(deployment)}
    windows = RowWindows(size, config.multivariate_sample, reference, last.get)
    result = RunTally()
    for name in _in_log_order(log, deployment, new):
        fallback = window_of(log.partition_path(deployment, name), "hour")[0]
        try:
            chunk = log.ordered(deployment, name)
        except (pa.ArrowException, OSError) as exc:  # a damaged file: left for a later run
            result.notes.append(f"Cannot read {name} ({exc}); it stays unprocessed for the next run.")
            continue
        closed, changed, skipped = windows.add(name, chunk, fallback)
        with store.write() as tx:
            at = clock()
            figures: list[Figure] = []
            for window in closed:
                assert window.start is not None and window.end is not None
                figures += window_figures(
                    deployment, window.version, (window.start, window.end), window.traffic(open=False),
                    window.state["profile"], window.state.get("sample"), reference(window.version), config,
                )  # fmt: skip
                _put(tx, deployment, window, open=False, at=at)
            for version in changed:
                if not windows.open[version].empty:
                    _put(tx, deployment, windows.open[version], open=True, at=at)
            keys = [(w.start, w.version) for w in closed if w.start is not None]
            tx.monitoring.replace_figures(deployment, keys, figures)
            tx.monitoring.add_files(deployment, [(name, len(chunk.rows))], at)
        result.files += 1
        result.rows += len(chunk.rows)
        result.starts += [start for start, _ in keys]
        result.figures += len(figures)
        for version, count in skipped.items():
            result.skipped[version] += count
        if progress is not None:
            progress(result.files, len(new), name)
    return result


def _put(tx: Any, deployment: str, window: OpenWindow, *, open: bool, at: datetime) -> None:
    assert window.start is not None and window.end is not None
    tx.monitoring.put_window(
        deployment, window.start, window.end, window.version, rows=window.rows,
        profile=window.profile_json(), traffic=window.traffic(open=open), at=at,
    )  # fmt: skip


def _in_log_order(log: PayloadLogReader, deployment: str, names: list[str]) -> list[str]:
    """Files by their earliest request (Parquet statistics; the partition's hour when unknown), then path."""
    keyed = []
    for name in names:
        try:
            first = log.first_time(deployment, name)
        except (pa.ArrowException, OSError):
            first = None  # unreadable: sorted by its partition, and reported when read
        if first is None:
            first = pd.Timestamp(window_of(log.partition_path(deployment, name), "hour")[0])
        keyed.append((_utc(first), name))
    return [name for _, name in sorted(keyed)]
