"""MLflow's model registry, measured the way benchmarks/registry.py measures Steward.

Imports nothing of Steward, so it also runs in a separate virtualenv with MLflow:
    /path/to/mlflow-venv/bin/python benchmarks/mlflow_registry.py --versions 1000 --repeat 200
prints the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import summary, timed


def bench_mlflow(folder: Path, sizes: list[int], repeat: int) -> dict[str, tuple[float, float]] | None:
    try:
        import mlflow
        from mlflow.tracking import MlflowClient
    except ImportError:
        return None
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, uri)
    client.create_registered_model("bench-model")
    source = str(folder / "mlflow-artifacts" / "model")
    results = {}
    results["register"] = summary(timed(lambda: client.create_model_version("bench-model", source), repeat))
    client.set_registered_model_alias("bench-model", "champion", "3")
    results["get"] = summary(timed(lambda: client.get_model_version("bench-model", "2"), repeat))
    results["get by alias"] = summary(
        timed(lambda: client.get_model_version_by_alias("bench-model", "champion"), repeat)
    )
    client.create_registered_model("search-target")
    client.create_model_version("search-target", source, tags={"team": "team-0"})
    have = 1
    for size in sizes:
        bulk_copy_versions(folder / "mlflow.db", "search-target", have, size)
        have = size
        query = "name = 'search-target' AND tags.team = 'team-7'"
        results[f"search {size:,}"] = summary(
            timed(lambda q=query: client.search_model_versions(q, max_results=100), min(repeat, 50))
        )
    return results


def bulk_copy_versions(db: Path, name: str, have: int, size: int) -> None:
    """Add versions have+1..size by copying version 1's rows in SQL (setup, not measured).

    MLflow registers about 100 versions a second here, so 100,000 through its API
    would take a quarter of an hour; the rows are the same either way.
    """
    import sqlite3

    con = sqlite3.connect(db)
    with con:
        for table, tag in (("model_versions", False), ("model_version_tags", True)):
            columns = [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
            template = con.execute(
                f"SELECT {', '.join(columns)} FROM {table} WHERE name = ? AND version = 1", (name,)
            ).fetchone()
            rows = []
            for version in range(have + 1, size + 1):
                row = dict(zip(columns, template, strict=True))
                row["version"] = version
                if tag:
                    row["value"] = f"team-{(version - 1) % 50}"
                rows.append(tuple(row[c] for c in columns))
            marks = ", ".join("?" for _ in columns)
            con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    con.close()


def bench_mlflow_in_subprocess(python: str, sizes: list[int], repeat: int) -> dict[str, tuple[float, float]]:
    script = Path(__file__).resolve()
    args = [python, str(script), "--repeat", str(repeat), "--versions", *map(str, sizes)]
    output = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return {k: (v[0], v[1]) for k, v in json.loads(output.strip().splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, nargs="+", default=[1_000])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = bench_mlflow(Path(tmp), sorted(args.versions), args.repeat)
    if results is None:
        sys.exit("MLflow is not installed in this interpreter.")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
