"""Drift on N rows x (20 numeric + 5 categorical) per side: Steward's profiles vs Evidently 0.7.

    python benchmarks/monitoring.py --rows 1000000 --evidently-python /tmp/evidently-venv/bin/python
    python benchmarks/monitoring.py --rows 20000000 --mode streaming

The same generated data (seeded; the current side has 4 numeric features and 1 categorical drifted) is
written to Parquet once; then each tool runs in its own child process, so each one's CPU time (user +
system, from ``os.wait4``) and peak RSS are its own. Each child also reports the CPU seconds of the
computation alone (after the Parquet files are read). Modes for Steward:

- ``memory``: both files read into Arrow tables, ``build_reference`` + ``profile_like`` + ``compare``;
- ``streaming``: the reference profile's edges fixed on the first ``--sample`` rows, then both files
  streamed record batch by record batch (``profile_parquet``) and compared: memory stays flat.

Evidently (``DataDriftPreset``, its defaults: normed Wasserstein for numeric, Jensen-Shannon for
categorical columns above 1,000 rows) runs with ``--evidently-python``, a Python that has
``evidently==0.7.*`` and ``pandas<3`` (Evidently 0.7 does not run on pandas 3)::

    python3 -m venv /tmp/evidently-venv
    /tmp/evidently-venv/bin/pip install 'evidently==0.7.*' 'pandas<3' pyarrow

This file imports only the standard library at the top, so the Evidently child can run it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NUMERIC, CATEGORICAL = 20, 5
CATEGORIES = ["a", "b", "c", "d", "e"]
SHARES = [0.4, 0.25, 0.15, 0.12, 0.08]
MOVED = [0.32, 0.25, 0.15, 0.12, 0.16]  # 8 points of c0's mass moved
DRIFTED = ["n0", "n1", "n2", "n3", "c0"]
CHUNK = 500_000


def generate(path: Path, rows: int, seed: int, drift: bool) -> None:
    """Write *rows* rows to *path* in chunks (generation memory stays flat too)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for part, start in enumerate(range(0, rows, CHUNK)):
        size = min(CHUNK, rows - start)
        rng = np.random.default_rng([seed, part])
        columns: dict[str, Any] = {f"n{i}": rng.normal(size=size) for i in range(NUMERIC)}
        for i in range(CATEGORICAL):
            codes = rng.choice(len(CATEGORIES), size, p=MOVED if drift and i == 0 else SHARES)
            columns[f"c{i}"] = pa.DictionaryArray.from_arrays(
                pa.array(codes, pa.int32()), pa.array(CATEGORIES)
            )
        if drift:
            columns["n0"] = columns["n0"] + 0.5
            columns["n1"] = columns["n1"] + 0.2
            columns["n2"] = columns["n2"] * 1.5
            tail = rng.random(size) < 0.05
            columns["n3"] = np.where(tail, 4.0 + 0.1 * rng.normal(size=size), columns["n3"])
        table = pa.table(columns)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def work_steward(reference: str, current: str, mode: str, sample: int, batch_size: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from steward.core.monitoring.drift import compare
    from steward.core.monitoring.parquet import profile_parquet
    from steward.core.monitoring.profile import build_reference, profile_like

    if mode == "memory":  # Arrow tables as read: profiles need no pandas
        ref_table, cur_table = pq.read_table(reference), pq.read_table(current)
        start = time.process_time()
        profile = build_reference(ref_table)
        report = compare(profile, profile_like(profile, cur_table))
    else:
        start = time.process_time()
        head = pq.ParquetFile(reference).read_row_group(0).slice(0, sample)
        edges = build_reference(head)
        report = compare(
            profile_parquet(edges, reference, batch_size=batch_size),
            profile_parquet(edges, current, batch_size=batch_size),
        )
    seconds = time.process_time() - start
    return {"compute_cpu_s": seconds, "drifted": sorted(f.feature for f in report.features if f.drifted)}


def work_evidently(reference: str, current: str) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref_frame, cur_frame = pq.read_table(reference).to_pandas(), pq.read_table(current).to_pandas()
    for frame in (ref_frame, cur_frame):  # plain object strings, as a user's frame would have
        for name in frame.columns:
            if str(frame[name].dtype) == "category":
                frame[name] = frame[name].astype(object)
    start = time.process_time()
    result = Report([DataDriftPreset()]).run(current_data=cur_frame, reference_data=ref_frame)
    seconds = time.process_time() - start
    drifted = []
    for metric in result.dict()["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift") and metric["value"] >= config.get("threshold", 0.1):
            drifted.append(config["column"])
    return {"compute_cpu_s": seconds, "drifted": sorted(drifted)}


def child(python: str, args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run this file as a worker; its own CPU seconds and peak RSS from wait4, its JSON from stdout."""
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen([python, __file__, *args], stdout=out, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        raise SystemExit(f"worker {args[:2]} failed with exit code {process.returncode}")
    found: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    found["total_cpu_s"] = usage.ru_utime + usage.ru_stime
    found["peak_rss_mb"] = usage.ru_maxrss / 1024
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per side")
    parser.add_argument("--mode", choices=["memory", "streaming"], default="memory")
    parser.add_argument("--sample", type=int, default=200_000, help="streaming: rows that fix the edges")
    parser.add_argument("--batch-size", type=int, default=65_536)
    parser.add_argument("--evidently-python", help="a Python with evidently==0.7.* and pandas<3")
    parser.add_argument("--folder", help="where to write the Parquet files (default: a temporary folder)")
    parser.add_argument("--worker", choices=["steward", "evidently"], help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    parser.add_argument("--current", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "steward":
        found = work_steward(args.reference, args.current, args.mode, args.sample, args.batch_size)
        print(json.dumps(found))
        return
    if args.worker == "evidently":
        print(json.dumps(work_evidently(args.reference, args.current)))
        return

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.folder or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        reference, current = (
            folder / f"reference-{args.rows}.parquet",
            folder / f"current-{args.rows}.parquet",
        )
        if not reference.exists():
            generate(reference, args.rows, seed=1, drift=False)
        if not current.exists():
            generate(current, args.rows, seed=2, drift=True)
        files = ["--reference", str(reference), "--current", str(current)]
        tuning = ["--mode", args.mode, "--sample", str(args.sample), "--batch-size", str(args.batch_size)]
        results = {"steward": child(sys.executable, ["--worker", "steward", *files, *tuning])}
        if args.evidently_python:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            results["evidently"] = child(args.evidently_python, ["--worker", "evidently", *files], env)
    print(f"{args.rows:,} rows x ({NUMERIC} numeric + {CATEGORICAL} categorical) per side, mode {args.mode}")
    print(f"{'tool':<10} {'compute CPU s':>14} {'total CPU s':>12} {'peak RSS MB':>12}  drifted")
    for tool, found in results.items():
        print(
            f"{tool:<10} {found['compute_cpu_s']:>14.2f} {found['total_cpu_s']:>12.2f} "
            f"{found['peak_rss_mb']:>12.0f}  {', '.join(found['drifted'])}"
        )
    if "evidently" in results:
        s, e = results["steward"], results["evidently"]
        print(
            f"Evidently / Steward: compute CPU {e['compute_cpu_s'] / s['compute_cpu_s']:.1f}x, "
            f"total CPU {e['total_cpu_s'] / s['total_cpu_s']:.1f}x, "
            f"peak RSS {e['peak_rss_mb'] / s['peak_rss_mb']:.1f}x"
        )
    print(json.dumps({"rows": args.rows, "mode": args.mode, **results}))


if __name__ == "__main__":
    main()
