"""A monitoring run in ``rows:N`` windows (see :mod:`steward.services.row_windows`): the files in log
order, each cut into pieces (here, or as Ray tasks) and committed with the windows it closed or
changed in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import pyarrow as pa

from steward.core.monitoring.drift import DriftConfig
from steward.core.windows import Figure, window_of
from steward.ports import Store, Transaction
from steward.services.monitoring_engines import row_cutter
from steward.services.payloads import PayloadLogReader
from steward.services.references import Loaded
from steward.services.row_windows import OpenWindow, RowWindows, utc
from steward.services.window_state import RunTally, window_figures


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
    engine: str = "local",
    address: str | None = None,
) -> RunTally:
    """Window the *new* files (not yet read) into every-*size*-rows windows; one transaction per file."""
    with store.read() as tx:
        last = {w["version"]: w for w in tx.monitoring.last_windows(deployment)}
    windows = RowWindows(size, last.get)
    order = in_log_order(log, deployment, new)
    tally = RunTally()
    with row_cutter(
        log, deployment, order, windows.room, size, reference, config, engine, address
    ) as cut_file:
        for name in order:
            try:
                rows, pieces, skipped = cut_file(name)
            except (pa.ArrowException, OSError) as exc:  # a damaged file: left for a later run
                tally.notes.append(f"Cannot read {name} ({exc}); it stays unprocessed for the next run.")
                continue
            closed, changed = windows.absorb(pieces)
            with store.write() as tx:
                figures = _commit(tx, deployment, windows, closed, changed, reference, config, clock())
                tx.monitoring.add_files(deployment, [(name, rows)], clock())
            tally.files += 1
            tally.rows += rows
            tally.starts += [w.start for w in closed if w.start is not None]
            tally.figures += figures
            for version, count in skipped.items():
                tally.skipped[version] += count
            if progress is not None:
                progress(tally.files, len(new), name)
    return tally


def _commit(
    tx: Transaction,
    deployment: str,
    windows: RowWindows,
    closed: list[OpenWindow],
    changed: set[str],
    reference: Callable[[str], Loaded | None],
    config: DriftConfig,
    at: datetime,
) -> int:
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
    return len(figures)


def _put(tx: Transaction, deployment: str, window: OpenWindow, *, open: bool, at: datetime) -> None:
    assert window.start is not None and window.end is not None
    tx.monitoring.put_window(
        deployment, window.start, window.end, window.version, rows=window.rows,
        profile=window.profile_json(), traffic=window.traffic(open=open), at=at,
    )  # fmt: skip


def in_log_order(log: PayloadLogReader, deployment: str, names: list[str]) -> list[str]:
    """Files by their earliest request (Parquet statistics; the partition's hour when unknown), then path."""
    keyed = []
    for name in names:
        try:
            first = log.first_time(deployment, name)
        except (pa.ArrowException, OSError):
            first = None  # unreadable: sorted by its partition, and reported when read
        if first is None:
            first = pd.Timestamp(window_of(log.partition_path(deployment, name), "hour")[0])
        keyed.append((utc(first), name))
    return [name for _, name in sorted(keyed)]
