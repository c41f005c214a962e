"""Batch scoring: ``steward score`` (chunks, checks, streaming writer) beside the plain pandas way.

The baseline, measured in the same run on the same file and model: read the
whole Parquet file with pandas, call the model's ``predict`` on the whole
frame, write the frame with its predictions to Parquet. Steward reads,
checks against the signature, predicts and writes in chunks of
``--batch-size`` rows. Both are timed end to end (file in, file out); peak
traced memory (tracemalloc: Python and numpy allocations) is measured in a
second pass so it does not slow the timed one.

    python benchmarks/scoring.py --rows 500000
    python benchmarks/scoring.py --rows 200000 --ray   # also Ray Data on a local Ray (slow to start)
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from steward import Client

FEATURES = 20


def make_data(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, FEATURES)), columns=[f"x{i}" for i in range(FEATURES)])
    frame["plan"] = rng.choice(["basic", "pro", "max"], rows).astype(object)
    frame["customer"] = np.arange(rows)
    return frame


def fit(data: pd.DataFrame) -> object:
    numbers = [f"x{i}" for i in range(FEATURES)]
    model = make_pipeline(
        ColumnTransformer([("num", StandardScaler(), numbers), ("cat", OneHotEncoder(), ["plan"])]),
        LogisticRegression(max_iter=200),
    )
    features = [*numbers, "plan"]
    return model.fit(data[features], (data["x0"] + (data["plan"] == "max") > 0.5).astype(int))


def timed(fn: Callable[[], object]) -> tuple[float, int]:
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--ray", action="store_true", help="also score with --engine ray (a local Ray)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="steward-bench-score-") as tmp:
        folder = Path(tmp)
        data = make_data(args.rows)
        model = fit(data.head(5_000))
        features = [f"x{i}" for i in range(FEATURES)] + ["plan"]
        src = folder / "in.parquet"
        data.to_parquet(src, row_group_size=args.batch_size)
        del data

        def baseline() -> None:
            frame = pd.read_parquet(src)
            frame["prediction"] = model.predict(frame[features])  # type: ignore[attr-defined]
            frame.to_parquet(folder / "pandas.parquet")

        with Client(f"sqlite:///{folder / 's.db'}") as client:
            client.register(model, "bench", input_example=make_data(50)[features], capture_code=False)

            def steward(engine: str = "local") -> None:
                client.score(
                    "bench", src, folder / "steward.parquet", batch_size=args.batch_size, engine=engine
                )  # type: ignore[arg-type]

            results = {"pandas: read all, predict, write": timed(baseline)}
            results[f"steward score (batch {args.batch_size:,})"] = timed(steward)
            if args.ray:
                started = time.perf_counter()
                steward("ray")
                results["steward score --engine ray (incl. Ray start)"] = (time.perf_counter() - started, 0)

    base_seconds = results["pandas: read all, predict, write"][0]
    print(f"{args.rows:,} rows, {FEATURES} numeric features + 1 categorical, LogisticRegression pipeline")
    print(f"{'':<48} {'rows/s':>12} {'vs pandas':>10} {'peak traced MB':>15}")
    for name, (seconds, peak) in results.items():
        memory = f"{peak / 1e6:15.1f}" if peak else f"{'-':>15}"
        print(f"{name:<48} {args.rows / seconds:12,.0f} {base_seconds / seconds:9.2f}x {memory}")


if __name__ == "__main__":
    main()
