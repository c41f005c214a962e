"""Time version search on a store of 100,000 versions (run by hand, not a test).

    python benchmarks/store_search.py                    # temporary SQLite file
    python benchmarks/store_search.py --url postgresql://postgres@127.0.0.1:5432/bench

The target: a tag filter, newest first, limit 100, under 20 ms p50 on SQLite.
The database is filled with bulk inserts (not the repository) to save time;
the URL's database must be empty or new.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from steward.core.search import parse_filter, parse_order_by
from steward.store import SqlStore, open_store
from steward.store.schema import (
    model_versions,
    registered_models,
    version_metrics,
    version_params,
    version_tags,
)

TEAMS = ["risk", "growth", "ops", "fraud", "search", "ads", "pricing", "support", "infra", "hr"]
STAGES = ["dev", "staging", "prod", "retired"]
QUERIES = [
    ("tag filter (10% match), newest first", "tags.team = 'risk'", None),
    ("two tags (2.5% match), newest first", "tags.team = 'risk' AND tags.stage = 'prod'", None),
    ("rare tag (1 match), newest first", "tags.run = 'run-77777'", None),
    ("metric range, by metric desc", "metrics.auc > 0.95", "metrics.auc DESC"),
    ("model name, newest first", "name = 'model-042'", None),
    ("no filter, newest first", None, None),
]


def fill(store: SqlStore, models: int, versions: int, *, analyze: bool, seed: int = 0) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(registered_models),
            [
                {
                    "id": m + 1,
                    "name": f"model-{m:03d}",
                    "description": "",
                    "owner": "bench",
                    "latest_version": versions // models,
                    "created_at": start,
                    "updated_at": start,
                }
                for m in range(models)
            ],
        )
        rows, tags, metrics, params = [], [], [], []
        for i in range(versions):
            vid = i + 1
            team, stage = TEAMS[i % len(TEAMS)], STAGES[rng.randrange(len(STAGES))]
            auc, f1 = rng.random(), rng.random()
            rows.append(
                {
                    "id": vid,
                    "model_id": i % models + 1,
                    "version": i // models + 1,
                    "artifact_digest": f"{vid:064x}",
                    "flavor": "sklearn",
                    "flavor_options": {},
                    "signature": None,
                    "metrics": {"auc": auc, "f1": f1},
                    "params": {"depth": str(i % 12), "lr": "0.1"},
                    "tags": {"team": team, "stage": stage, "run": f"run-{i}"},
                    "lineage": {},
                    "description": "",
                    "created_by": "bench",
                    "created_at": start + timedelta(seconds=i),
                }
            )
            tags += [
                {"version_id": vid, "key": "team", "value": team},
                {"version_id": vid, "key": "stage", "value": stage},
                {"version_id": vid, "key": "run", "value": f"run-{i}"},
            ]
            metrics += [
                {"version_id": vid, "key": "auc", "value": auc},
                {"version_id": vid, "key": "f1", "value": f1},
            ]
            params += [
                {"version_id": vid, "key": "depth", "value": str(i % 12)},
                {"version_id": vid, "key": "lr", "value": "0.1"},
            ]
        conn.execute(sa.insert(model_versions), rows)
        for table, values in ((version_tags, tags), (version_metrics, metrics), (version_params, params)):
            conn.execute(sa.insert(table), values)
        if conn.dialect.name == "postgresql":
            for table in ("registered_models", "model_versions"):  # ids were given explicitly
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def measure(store: SqlStore, filter_text: str | None, order_by: str | None, runs: int) -> list[float]:
    node = parse_filter(filter_text)
    order = parse_order_by(order_by)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with store.read() as tx:
            found = tx.models.search_versions(node, order, 0, 100)
        times.append((time.perf_counter() - started) * 1000)
    assert found or filter_text is not None
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="store URL (default: a temporary SQLite file)")
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after filling")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        store = open_store(url)
        started = time.perf_counter()
        fill(store, args.models, args.versions, analyze=not args.no_analyze)
        print(f"{store!r}: {args.versions:,} versions in {time.perf_counter() - started:.1f} s")
        try:
            for label, filter_text, order_by in QUERIES:
                measure(store, filter_text, order_by, 3)  # warm up
                times = measure(store, filter_text, order_by, args.runs)
                p50 = statistics.median(times)
                p95 = statistics.quantiles(times, n=20)[-1]
                print(f"  {label:<40} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   {filter_text or ''}")
        finally:
            store.close()


if __name__ == "__main__":
    main()
