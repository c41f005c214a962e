"""Registry benchmark: Steward vs MLflow's model registry, same machine, same run.

    python benchmarks/registry.py [--versions 1000 100000] [--repeat 200]

Measures, on the embedded SQLite default:
  register   a small scikit-learn model: artifact + version + audit (Client.register),
             a new model each time (register same: the same model again, its blobs deduplicated)
  get        a version by number
  load       a model by alias, files verified against their digests
  search     a tag filter over N versions (newest first, 100 per page)
Where MLflow is importable (``pip install 'steward-mlops[bench]'``) it measures
MLflow's create_model_version (a database row only: no artifact is written),
get_model_version_by_alias and search_model_versions on a SQLite tracking store
in the same run, and prints the ratios. With --mlflow-python PATH the MLflow half
runs in that interpreter (a separate virtualenv), still in the same run.
Figures are p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from _timing import summary, timed
from mlflow_registry import bench_mlflow, bench_mlflow_in_subprocess
from steward import Client
from steward.core.audit import AuditEvent
from steward.core.registry import VersionDraft
from steward.store import open_store


def small_model() -> tuple[LogisticRegression, pd.DataFrame]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(500, 8)), columns=[f"f{i}" for i in range(8)])
    y = (x["f0"] + x["f1"] > 0).astype(int)
    return LogisticRegression().fit(x, y), x


def distinct_models(model: LogisticRegression, count: int) -> Iterator[LogisticRegression]:
    """*count* copies of *model*, each with slightly different weights (made before timing)."""
    made = []
    for i in range(count):
        variant = copy.deepcopy(model)
        variant.coef_ = variant.coef_ + i * 1e-9
        made.append(variant)
    return iter(made)


def bulk_versions(uri: str, name: str, count: int, digest: str) -> None:
    """Insert *count* versions through the store in large transactions (setup, not measured)."""
    store = open_store(uri)
    now = datetime.now(UTC)
    done = 0
    while done < count:
        with store.write() as tx:
            for i in range(done, min(count, done + 5000)):
                draft = VersionDraft(
                    model=name,
                    artifact_digest=digest,
                    flavor="sklearn",
                    metrics={"auc": (i % 1000) / 1000},
                    tags={"team": f"team-{i % 50}", "batch": str(i // 1000)},
                )
                number = tx.models.allocate_version(name, now)
                version = tx.models.insert_version(draft, version=number, created_by="bench", at=now)
                tx.audit.append(AuditEvent("version.register", "version", version.ref, "bench", now))
        done = min(count, done + 5000)
    store.close()


def bench_steward(folder: Path, sizes: list[int], repeat: int) -> dict[str, tuple[float, float]]:
    model, _ = small_model()
    results: dict[str, tuple[float, float]] = {}
    uri = f"sqlite:///{folder / 'steward.db'}"
    with Client(uri, actor="bench") as client:
        variants = distinct_models(model, repeat + 5)  # new content each time: blobs are really written
        results["register"] = summary(timed(lambda: client.register(next(variants), "bench-model"), repeat))
        results["register same"] = summary(timed(lambda: client.register(model, "bench-model"), repeat))
        client.set_alias("bench-model", "champion", 3)
        results["get"] = summary(timed(lambda: client.get("bench-model/2"), repeat))
        results["get by alias"] = summary(timed(lambda: client.get("bench-model@champion"), repeat))
        results["load by alias"] = summary(timed(lambda: client.load("bench-model@champion"), repeat))
        digest = client.get("bench-model/1").artifact_digest
        have = 0
        for size in sizes:
            name = "search-target"
            if have == 0:
                client.create_model(name)
            bulk_versions(uri, name, size - have, digest)
            have = size
            query = f"name = '{name}' AND tags.team = 'team-7'"
            assert len(client.search(query).items) == min(100, size // 50)
            results[f"search {size:,}"] = summary(timed(lambda q=query: client.search(q), repeat))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--versions", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--mlflow-python", help="a Python interpreter with MLflow installed, when it is not importable here"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours = bench_steward(folder, sorted(args.versions), args.repeat)
        if args.mlflow_python:
            theirs = bench_mlflow_in_subprocess(args.mlflow_python, sorted(args.versions), args.repeat)
        else:
            theirs = bench_mlflow(folder, sorted(args.versions), args.repeat)
    print(f"{'operation':<18} {'steward p50':>12} {'p95':>8} {'mlflow p50':>12} {'p95':>8} {'ratio':>7}")
    for op, (p50, p95) in ours.items():
        other = (theirs or {}).get(op)
        if other:
            ratio = other[0] / p50
            print(f"{op:<18} {p50:>12.3f} {p95:>8.3f} {other[0]:>12.3f} {other[1]:>8.3f} {ratio:>6.1f}x")
        else:
            print(f"{op:<18} {p50:>12.3f} {p95:>8.3f} {'-':>12} {'-':>8} {'-':>7}")
    if theirs is None:
        print("MLflow is not installed: pip install 'steward-mlops[bench]' to compare.")
    else:
        print("ratio = MLflow p50 / Steward p50 (higher is better for Steward).")
        print("MLflow's create_model_version writes a row only; Steward's register also packages the")
        print("model, writes and verifies its blobs, and records lineage and an audit event.")


if __name__ == "__main__":
    main()
