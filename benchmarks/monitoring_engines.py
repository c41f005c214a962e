"""Monitoring runs over the same payload log: hour windows, ``rows:N`` windows, and ``--engine ray``.

    PYTHONPATH=src python benchmarks/monitoring_engines.py [--rows 200000] [--files 10] [--window-rows 10000]
        [--ray-first]

Writes ROWS rows (100-row requests, 10 numeric features, a logistic
regression's outputs) as FILES payload-log files over two hours, copies them
to four deployments, and times one fresh run of each: hour windows on the
local engine, ``rows:N`` windows on the local engine, and both again with
``engine="ray"`` on a local Ray (started by each run, so its start-up counts,
unless ``--ray-first`` starts one before the timings).
Prints the times, their ratios to the hour run, and whether the Ray runs'
figures equal the local runs'.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.payloads import write_payloads

from steward import Client
from steward.app import Steward
from steward.core.windows import Figure
from steward.settings import Settings

T = datetime(2026, 1, 1, 9, tzinfo=UTC)


def equal(local: list[Figure], ray: list[Figure]) -> bool:
    return len(local) == len(ray) and all(
        (a.name, a.start) == (b.name, b.start)
        and (
            a.value == b.value
            or (a.value is not None and b.value is not None and abs(a.value - b.value) <= 1e-9)
        )
        for a, b in zip(local, ray, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--window-rows", type=int, default=10_000)
    parser.add_argument(
        "--ray-first", action="store_true", help="Start Ray before timing, so the runs only connect to it."
    )
    args = parser.parse_args()
    if args.ray_first:
        import ray

        ray.init(include_dashboard=False, configure_logging=False, log_to_driver=False)
    folder = Path(tempfile.mkdtemp(prefix="steward-monitoring-engines-"))
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(5_000, 10)), columns=[f"f{i}" for i in range(10)])
    y = (x["f0"] > 0).astype(int).to_numpy()
    model = LogisticRegression().fit(x, y)
    settings = Settings.resolve(
        f"sqlite:///{folder}/s.db", artifacts=str(folder / "a"), actor="bench",
        env={"STEWARD_HOME": str(folder / "home")},
    )  # fmt: skip
    rows_window = f"rows:{args.window_rows}"
    names = {"hour": "hour", "rows": rows_window, "ray": "hour", "ray-rows": rows_window}
    with Client(settings=settings) as client:
        client.register(model, "m", input_example=x.head(5), capture_code=False)
        for name in names:
            client.create_deployment(name, "m/1")
    payloads = folder / "home" / "payloads"
    per_file = args.rows // args.files
    for i in range(args.files):
        frame = pd.DataFrame(rng.normal(size=(per_file, 10)), columns=x.columns)
        at = T + timedelta(minutes=int(120 * i / args.files))
        write_payloads(payloads, "hour", "m/1", frame, model, at, rows_per_request=100, prefix=f"f{i}-")
    for name in ("rows", "ray", "ray-rows"):
        shutil.copytree(payloads / "deployment=hour", payloads / f"deployment={name}")
    timings = {}
    with Steward.open(settings) as app:
        app.monitoring.set_reference("m/1", x, labels=y, actor="bench")
        for name, window in names.items():
            app.monitoring.configure(name, window=window, actor="bench")
            start = time.perf_counter()
            engine = "ray" if name.startswith("ray") else "local"
            summary = app.monitoring.run(name, actor="bench", engine=engine)
            timings[name] = time.perf_counter() - start
            assert summary.rows == per_file * args.files, summary
        same = {
            f"{local} vs {ray}": equal(app.monitoring.figures(local), app.monitoring.figures(ray))
            for local, ray in (("hour", "ray"), ("rows", "ray-rows"))
        }
    rows = per_file * args.files
    print(f"rows: {rows:,} in {args.files} files; rows:N windows of {args.window_rows:,}")
    for name, seconds in timings.items():
        print(
            f"{name:>8}: {seconds:6.2f} s  ({rows / seconds:,.0f} rows/s, "
            f"{seconds / timings['hour']:.2f}x hour)"
        )
    print(f"figures equal (1e-9): {same}")


if __name__ == "__main__":
    main()
