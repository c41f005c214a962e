"""One monitoring run over the payload log, against reading the same files with pyarrow alone.

    PYTHONPATH=src python benchmarks/monitoring_runs.py [--rows 100000]

Writes ROWS rows (1,000-row requests, 10 numeric features, a logistic
regression's outputs) into a payload log with the inference server's writer,
then times (a) ``pyarrow.parquet.read_table`` of every file plus exploding the
inputs to a pandas frame, the floor any monitor pays, and (b) a fresh
``MonitoringService.run`` over the same files (profiling, drift, quality,
estimates, one transaction per window). Prints both, their ratio, the process's
peak resident memory, and the report's size at 1,000 rows and at ROWS rows.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.payloads import write_payloads

from steward import Client
from steward.app import Steward
from steward.services.monitoring_report import build_report, render_html
from steward.settings import Settings

T = datetime(2026, 1, 1, tzinfo=UTC)


def raw_read(folder: Path) -> int:
    rows = 0
    for path in sorted(folder.rglob("part-*.parquet")):
        table = pq.read_table(path, columns=["inputs", "outputs"])
        inputs = table["inputs"].combine_chunks()
        frame = pd.DataFrame(
            {
                inputs.type.field(i).name: pc.list_flatten(inputs.field(i)).to_numpy()
                for i in range(inputs.type.num_fields)
            }
        )
        rows += len(frame)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    folder = Path(tempfile.mkdtemp(prefix="steward-monitoring-bench-"))
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(5_000, 10)), columns=[f"f{i}" for i in range(10)])
    y = (x["f0"] > 0).astype(int).to_numpy()
    model = LogisticRegression().fit(x, y)
    env = {"STEWARD_HOME": str(folder / "home")}
    settings = Settings.resolve(
        f"sqlite:///{folder}/s.db", artifacts=str(folder / "a"), actor="bench", env=env
    )
    with Client(settings=settings) as client:
        client.register(model, "m", input_example=x.head(5), capture_code=False)
        for name in ("small", "large"):
            client.create_deployment(name, "m/1")
    payloads = folder / "home" / "payloads"
    with Steward.open(settings) as app:
        app.monitoring.set_reference("m/1", x, labels=y, actor="bench")
        sizes = {}
        for name, n in (("small", 1_000), ("large", rows)):
            frame = pd.DataFrame(rng.normal(size=(n, 10)), columns=x.columns)
            write_payloads(
                payloads, name, "m/1", frame, model, T + timedelta(hours=1), rows_per_request=1_000
            )
            if name == "large":
                start = time.perf_counter()
                assert raw_read(payloads / f"deployment={name}") == n
                raw = time.perf_counter() - start
                start = time.perf_counter()
                summary = app.monitoring.run(name, actor="bench")
                run = time.perf_counter() - start
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                assert summary.rows == n
            else:
                app.monitoring.run(name, actor="bench")
            sizes[name] = len(render_html(build_report(app.monitoring, name)).encode())
    print(f"rows: {rows:,}")
    print(f"pyarrow read + explode: {raw:.2f} s   monitoring run: {run:.2f} s   ratio: {run / raw:.1f}x")
    print(f"run throughput: {rows / run:,.0f} rows/s   peak RSS of the whole process: {peak / 1e6:.0f} MB")
    print(f"report size: {sizes['small']:,} bytes at 1,000 rows, {sizes['large']:,} bytes at {rows:,} rows")


if __name__ == "__main__":
    main()
