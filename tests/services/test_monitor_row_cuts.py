"""Cutting files into ``rows:N`` windows, as a property: however the rows are split into files and
requests, every closed window holds exactly N rows, windows take the rows in order without gaps or
overlaps, and every request counts exactly once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.services.payloads import Chunk
from steward.services.row_windows import OpenWindow, RowWindows, cut

T = datetime(2026, 3, 1, 10, tzinfo=UTC)


def chunk(requests: list[tuple[str, int, int]], start: int) -> Chunk:
    """A file of (request id, rows, status) requests, one second apart from *start* seconds, in log order."""
    times = [
        np.datetime64((T + timedelta(seconds=start + i)).replace(tzinfo=None), "us")
        for i in range(len(requests))
    ]
    asked = pd.DataFrame(
        {
            "request_id": [r for r, _, _ in requests],
            "time": np.asarray(times, dtype="datetime64[us]"),
            "version": "m/1",
            "status": [s for _, _, s in requests],
            "latency_ms": 1.0,
        }
    )
    rows = [
        (r, n, t) for (r, count, s), t in zip(requests, times, strict=True) if s < 400 for n in range(count)
    ]
    frame = pd.DataFrame(
        {
            "request_id": [r for r, _, _ in rows],
            "row": np.asarray([n for _, n, _ in rows], dtype=np.int64),
            "version": "m/1",
            "x": np.arange(len(rows), dtype=float),
            "time": np.asarray([t for _, _, t in rows], dtype="datetime64[us]"),
        }
    )
    return Chunk(requests=asked, rows=frame)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=12),
    files=st.lists(
        st.lists(st.tuples(st.integers(1, 5), st.booleans()), min_size=0, max_size=8), min_size=1, max_size=5
    ),
)
def test_windows_partition_the_rows_in_order(size: int, files: list[list[tuple[int, bool]]]) -> None:
    windows = RowWindows(size, lambda version: None)
    closed: list[OpenWindow] = []
    total_rows = total_requests = clock = 0
    for f, requests in enumerate(files):
        spec = [(f"f{f}r{i:02d}", rows, 500 if failed else 200) for i, (rows, failed) in enumerate(requests)]
        data = chunk(spec, clock)
        clock += len(spec)
        total_rows += len(data.rows)
        total_requests += len(spec)
        _, pieces, _ = cut(f"file{f}", data, T, windows.room, size, lambda version: None, 10)
        done, _ = windows.absorb(pieces)
        closed += done

    tail = windows.open.get("m/1")
    assert all(w.rows == size for w in closed)
    assert tail is None or tail.rows < size
    assert len(closed) * size + (tail.rows if tail else 0) == total_rows
    segments = [(file, lo, hi) for w in [*closed, *([tail] if tail else [])] for file, lo, hi in w.segments]
    for (file, lo, hi), (next_file, next_lo, _) in itertools.pairwise(segments):
        assert lo < hi
        assert (next_file, next_lo) == (file, hi) or (next_file > file and next_lo == 0)  # no gap, no overlap
    requests = sum(w.state["requests"] for w in closed) + (tail.state["requests"] if tail else 0)
    assert requests == total_requests
    starts = [w.start for w in closed]
    assert all(a is not None and b is not None and a < b for a, b in itertools.pairwise(starts))
