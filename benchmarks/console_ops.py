"""The console's live traffic and monitoring charts, against their floors.

    PYTHONPATH=src python benchmarks/console_ops.py [--files 300] [--records 1000]

(a) Live traffic: FILES payload-log files of RECORDS requests each, written in the last ten
minutes by the inference server's writer; times ``LiveTrafficReader.recent`` (list the hour
partitions, skip stale files, read four columns, bucket, quantiles) against the floor,
``pyarrow.dataset`` reading the same four columns of the same files. (b) Monitoring charts of
one deployment with two windows: the first draw (matplotlib) and a drawing seen again (the
console's chart cache, keyed by a digest of the charts' input). Prints medians in milliseconds and the ratios.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._timing import summary, timed

from steward.services.live import LiveTrafficReader
from steward.serving.payload_log import PayloadLog, PayloadRecord
from steward.ui import ops_charts
from steward.ui.chart_cache import ChartCache


def write_files(folder: Path, files: int, records: int) -> None:
    now = datetime.now(UTC).timestamp()
    rng = np.random.default_rng(0)
    for f in range(files):
        log = PayloadLog(folder, flush_seconds=3600, flush_rows=10**7, max_queue=10**7)
        log.start()
        try:
            at = now - 600 + 600 * f / files
            for i, latency in enumerate(rng.gamma(2.0, 2.0, records)):
                log.submit(
                    PayloadRecord(
                        f"{f}-{i}", at, "bench-api", "m/1", "v2", 500 if i % 97 == 0 else 200,
                        float(latency), 1,
                        {"a": np.array([1.0])}, {"predict": np.array([0])},
                    )
                )  # fmt: skip
        finally:
            log.close()


def live(files: int, records: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), files, records)
        reader = LiveTrafficReader(folder)
        paths = sorted(str(p) for p in Path(folder).rglob("part-*.parquet"))
        columns = ["time", "status", "latency_ms", "role"]
        floor, _ = summary(timed(lambda: ds.dataset(paths).to_table(columns=columns), 5, 1))
        ours, _ = summary(timed(lambda: reader.recent("bench-api", minutes=15, buckets=30), 5, 1))
        found = reader.recent("bench-api", minutes=15, buckets=30)
        print(f"live traffic, {files} files x {records} requests ({found.requests} read):")
        print(f"  pyarrow.dataset, 4 columns  {floor:8.1f} ms")
        print(f"  LiveTrafficReader.recent    {ours:8.1f} ms   ratio {ours / floor:.2f}")


def charts() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rng = np.random.default_rng(1)

    def series(n: int) -> dict[str, list[tuple[datetime, float | None]]]:
        return {
            f"feature_{k}": [(start + timedelta(hours=i), float(v)) for i, v in enumerate(rng.random(n))]
            for k in range(8)
        }

    drift = [("share", series(48), 0.5), ("m/1 scores", series(48), 1.0), ("m/2 scores", series(48), 1.0)]

    cache = ChartCache()
    drawn, _ = summary(timed(lambda: ops_charts.panels(drift, cache=ChartCache()), 3, 1))
    again, _ = summary(timed(lambda: ops_charts.panels(drift, cache=cache), 20, 1))
    print("monitoring drift charts (3 panels, 8 lines of 48 windows each):")
    print(f"  first draw                  {drawn:8.1f} ms")
    print(f"  seen again (cached)         {again:8.1f} ms   ratio {again / drawn:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    live(args.files, args.records)
    charts()


if __name__ == "__main__":
    main()
