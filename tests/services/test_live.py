"""Live traffic from the payload log: the last minutes, in buckets, at a bounded cost."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from steward.core.errors import InvalidInputError
from steward.services.live import LiveTrafficReader
from steward.serving.payload_log import PayloadLog, PayloadRecord

NOW = datetime(2026, 3, 1, 10, 7, 30, tzinfo=UTC)


def log(folder: Path, records: list[tuple[datetime, int, float, str]], deployment: str = "churn-api") -> None:
    """One payload-log file of (time, status, latency, role) records, written by the server's writer."""
    writer = PayloadLog(folder, flush_seconds=3600, flush_rows=100_000, max_queue=1_000_000)
    writer.start()
    try:
        for i, (at, status, latency, role) in enumerate(records):
            writer.submit(
                PayloadRecord(
                    f"r{i}", at.timestamp(), deployment, "churn/1", "v2", status, latency, 1,
                    {"a": np.array([1.0])}, {"predict": np.array([0])}, role=role,
                )
            )  # fmt: skip
    finally:
        writer.close()


def reader(folder: Path, **kwargs: int) -> LiveTrafficReader:
    return LiveTrafficReader(str(folder), clock=lambda: NOW, **kwargs)


def test_the_last_minutes_in_buckets_with_latency_quantiles_and_errors(tmp_path: Path) -> None:
    recent = [(NOW - timedelta(minutes=2), 200, float(ms), "primary") for ms in range(1, 101)]
    recent += [(NOW - timedelta(minutes=2), 503, 1.0, "primary")] * 5
    recent += [(NOW - timedelta(minutes=2), 200, 999.0, "shadow")] * 7  # copies, not answers
    older = [(NOW - timedelta(minutes=40), 200, 5.0, "primary")] * 9  # before the span, previous hour
    log(tmp_path, recent + older)

    live = reader(tmp_path).recent("churn-api", minutes=10, buckets=10)

    assert live.requests == 105 and live.errors == 5
    assert live.error_rate == pytest.approx(5 / 105)
    assert live.rate == pytest.approx(105 / 600)
    assert live.p99 is not None and live.p99 < 999  # the shadows' latency is left out
    assert live.bucket_seconds == 60 and len(live.buckets) == 10
    counted = [b for b in live.buckets if b.requests]
    assert len(counted) == 1 and counted[0].start == NOW - timedelta(minutes=2)
    assert counted[0].p50 == pytest.approx(np.quantile([*range(1, 101), *[1.0] * 5], 0.5))


def test_no_traffic_is_zero_not_an_error(tmp_path: Path) -> None:
    live = reader(tmp_path).recent("quiet-api")
    assert (live.requests, live.errors, live.p50, live.error_rate, live.files) == (0, 0, None, None, 0)
    assert all(b.requests == 0 for b in live.buckets)


def test_files_last_written_before_the_span_are_not_read(tmp_path: Path) -> None:
    log(tmp_path, [(NOW - timedelta(minutes=1), 200, 2.0, "primary")])
    (stale,) = tmp_path.rglob("part-*.parquet")
    old = (NOW - timedelta(hours=2)).timestamp()
    os.utime(stale, (old, old))  # as if written long ago: it cannot hold a record of the last minutes
    assert reader(tmp_path).recent("churn-api").files == 0
    log(tmp_path, [(NOW - timedelta(minutes=1), 200, 2.0, "primary")])
    assert reader(tmp_path).recent("churn-api").files == 1


def test_at_most_max_files_are_read_and_the_answer_says_so(tmp_path: Path) -> None:
    for _ in range(3):
        log(tmp_path, [(NOW - timedelta(minutes=1), 200, 2.0, "primary")])
    live = reader(tmp_path, max_files=2).recent("churn-api")
    assert live.files == 2 and live.truncated and live.requests == 2
    every = reader(tmp_path).recent("churn-api")
    assert every.files == 3 and not every.truncated and every.requests == 3


@pytest.mark.parametrize(("minutes", "buckets"), [(0, 10), (121, 10), (10, 0), (True, 10)])
def test_bad_spans_are_refused(tmp_path: Path, minutes: int, buckets: int) -> None:
    with pytest.raises(InvalidInputError):
        reader(tmp_path).recent("churn-api", minutes=minutes, buckets=buckets)


def test_a_bad_deployment_name_is_refused_before_any_listing(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        reader(tmp_path).recent("../etc")


def test_a_damaged_file_is_left_out_and_the_others_are_read(tmp_path: Path) -> None:
    log(tmp_path, [(NOW - timedelta(minutes=1), 200, 2.0, "primary")] * 3)
    (good,) = tmp_path.rglob("part-*.parquet")
    (good.parent / "part-broken.parquet").write_bytes(b"not parquet at all")
    live = reader(tmp_path).recent("churn-api")
    assert live.requests == 3 and live.files == 2
