"""``rows:N`` windows: every N rows of a version, in payload-log order, incrementally.

A run reads only the payload-log files no earlier run read, in order of their
earliest request, each file whole and in log order (time, then request id,
then row; one file is one writer's flush). Per version, its rows fill the
version's **open window**; when that holds N rows it closes, becomes a window
like an hour's (figures, alerts, performance) and the next row opens the next
one. A request's traffic (requests, errors, latency) counts in the window of
its first row; a failed request (no rows) in the window open at its time. A
file is first :func:`cut` into profiled *pieces*, one per window it touches
(here, or in a Ray task that knows how many rows each open window still
takes), and the pieces are then added to the windows in log order.

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

from steward.core.errors import InvalidInputError
from steward.core.monitoring.profile import Profile, profile_like
from steward.core.monitoring.reservoir import RowSample
from steward.core.windows import LatencyHistogram, window_of
from steward.services.payloads import Chunk, PayloadLogReader
from steward.services.references import Loaded
from steward.services.window_state import add_sample, add_traffic, new_window

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

    def absorb(self, piece: Piece) -> None:
        """Add a stretch of the version's rows (and requests) to this window."""
        mine, theirs = self.state, piece.state
        mine["requests"] += theirs["requests"]
        mine["errors"] += theirs["errors"]
        mine["latency"] = mine["latency"].merge(theirs["latency"])
        profile, more_rows = mine["profile"], theirs["profile"]
        if more_rows is not None:
            try:
                mine["profile"] = more_rows if profile is None else profile.merge(more_rows)
            except InvalidInputError:  # the reference was set again since the window opened
                mine["profile"] = theirs["profile"]
        sample, more = mine.get("sample"), theirs.get("sample")
        if more is not None:
            same = sample is not None and (sample.features, sample.size) == (more.features, more.size)
            mine["sample"] = sample.merge(more) if sample is not None and same else more
        if piece.rows:
            self.rows += piece.rows
            self.segments.append([piece.file, piece.span[0], piece.span[1]])
        if piece.first is not None and piece.last is not None:
            if self.start is None:
                after = self.after
                self.start = piece.first if after is None or piece.first > after else after + TICK
            self.end = max(piece.last, self.end or piece.last, self.start)

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


@dataclass
class Piece:
    """A stretch of one version's rows in one file that falls in one window, profiled."""

    version: str
    file: str
    span: tuple[int, int]  # the rows' first and past-the-last position among the version's in the file
    state: dict[str, Any]  # as new_window(): profile, sample, requests, errors, latency
    first: datetime | None
    last: datetime | None
    fills: bool  # the piece completes its window

    @property
    def rows(self) -> int:
        return self.span[1] - self.span[0]


#: What cutting a file gives: its row count, its pieces in order, rows of versions without a reference.
Cut = tuple[int, list["Piece"], dict[str, int]]


def cut(
    file: str,
    chunk: Chunk,
    fallback: datetime,
    room: Callable[[str], int],
    size: int,
    reference: Callable[[str], Loaded | None],
    sample_size: int,
) -> Cut:
    """Cut one file (in log order, see ``PayloadLogReader.ordered``) into pieces: per version, first
    the rows its open window still takes (``room(version)``), then windows of *size* rows."""
    pieces: list[Piece] = []
    skipped: dict[str, int] = defaultdict(int)
    naive = pd.Timestamp(fallback).tz_convert(None)  # the log's times are naive UTC
    requests = chunk.requests.assign(time=chunk.requests["time"].fillna(naive))
    rows = chunk.rows.assign(time=chunk.rows["time"].fillna(naive))
    for version in sorted(set(requests["version"])):
        mine = rows[rows["version"] == version].reset_index(drop=True)
        asked = requests[requests["version"] == version]
        found = reference(version)
        if found is None:
            skipped[version] += len(mine)
        positions = _positions(asked, mine)
        done, total, left = 0, len(mine), room(version)
        while True:
            upto = min(total, done + left)
            fills = upto - done == left
            mask = (positions >= done) & ((positions < upto) if fills else True)
            part, its = mine.iloc[done:upto], asked[mask]
            if fills or len(part) or len(its):
                pieces.append(_piece(version, file, (done, upto), part, its, found, sample_size, fills))
            done, left = upto, size
            if not fills:
                break
    return len(rows), pieces, dict(skipped)


def _piece(
    version: str,
    file: str,
    span: tuple[int, int],
    rows: pd.DataFrame,
    requests: pd.DataFrame,
    reference: Loaded | None,
    sample_size: int,
    fills: bool,
) -> Piece:
    state = new_window()
    add_traffic(state, requests)
    if reference is not None and len(rows):
        state["profile"] = profile_like(reference.profile, rows.drop(columns=META))
        if reference.multivariate is not None:
            add_sample(state, reference.multivariate.features_, sample_size, rows)
    times = (rows if len(rows) else requests)["time"]
    first = utc(times.iloc[0]) if len(times) else None
    last = utc(times.max()) if len(times) else None
    return Piece(version, file, span, state, first, last, fills)


class RowWindows:
    """Every version's open window during a run, filled piece by piece."""

    def __init__(self, size: int, last: Callable[[str], Mapping[str, Any] | None]) -> None:
        self.size, self.last = size, last
        self.open: dict[str, OpenWindow] = {}

    def window(self, version: str) -> OpenWindow:
        if version not in self.open:
            self.open[version] = OpenWindow.resume(version, self.last(version))
        return self.open[version]

    def room(self, version: str) -> int:
        """How many rows the version's open window still takes."""
        return self.size - self.window(version).rows

    def absorb(self, pieces: list[Piece]) -> tuple[list[OpenWindow], set[str]]:
        """Add a file's pieces: the windows they closed, and the versions whose open window changed."""
        closed: list[OpenWindow] = []
        for piece in pieces:
            window = self.window(piece.version)
            window.absorb(piece)
            if piece.fills:
                closed.append(window)
                self.open[piece.version] = OpenWindow(piece.version, after=window.start)
        return closed, {p.version for p in pieces}


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


def utc(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    result: datetime = stamp.to_pydatetime()
    return result


def cut_file(
    log: PayloadLogReader,
    deployment: str,
    name: str,
    room: Callable[[str], int],
    size: int,
    reference: Callable[[str], Loaded | None],
    sample_size: int,
) -> Cut:
    """Read one file in log order and cut it into pieces (the local engine, and each Ray task)."""
    fallback = window_of(log.partition_path(deployment, name), "hour")[0]  # for rows without a time
    return cut(name, log.ordered(deployment, name), fallback, room, size, reference, sample_size)
