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
    results["register"] = summary(
        timed(lambda: client.create_model_version("bench-model", source, tags={"team": "x"}), repeat)
    )
    client.set_registered_model_alias("bench-model", "champion", "3")
    results["get"] = summary(timed(lambda: client.get_model_version("bench-model", "2"), repeat))
    results["get by alias"] = summary(
        timed(lambda: client.get_model_version_by_alias("bench-model", "champion"), repeat)
    )
    client.create_registered_model("search-target")
    have = 0
    for size in sizes:
        if size > 20_000:  # MLflow registers ~100/s here: 100k versions would take over 15 minutes
            break
        for i in range(have, size):
            client.create_model_version("search-target", source, tags={"team": f"team-{i % 50}"})
        have = size
        query = "name = 'search-target' AND tags.team = 'team-7'"
        results[f"search {size:,}"] = summary(
            timed(lambda q=query: client.search_model_versions(q, max_results=100), min(repeat, 50))
        )
    return results


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
