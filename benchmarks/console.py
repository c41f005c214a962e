"""Console benchmark: server time of the web console's pages on a big catalog, next to the JSON API.

    python benchmarks/console.py [--models 1000] [--versions-per-model 100] [--repeat 50]

Fills an embedded store with MODELS models of VERSIONS-PER-MODEL versions each
(100,000 versions by default; bulk inserts through the store, not measured),
with owners, risk tiers, an alias per model and a few deployments, starts a
real `steward server` process on loopback, and times page loads over HTTP
(p50/p95 ms): the catalog's first page, a deep page, a search, a filter, and
the model and version pages where they exist. Baselines in the same run:
`/api/v1/health` (the HTTP floor) and the JSON listing of the same 50 models
(`/api/v1/models?max_results=50`). The issue's target: under 200 ms per page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx

from _timing import summary, timed
from steward.core.audit import AuditEvent
from steward.core.deployment import DeploymentSpec, Route
from steward.core.registry import VersionDraft
from steward.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.servers import control_plane

DIGEST = "0" * 64


def populate(uri: str, models: int, per_model: int) -> None:
    store = open_store(uri)
    now = datetime.now(UTC)
    for start in range(0, models, 50):
        with store.write() as tx:
            for m in range(start, min(models, start + 50)):
                name = f"model-{m:04d}"
                tx.models.create_model(
                    name,
                    description=f"Benchmark model {m}",
                    owner=f"team-{m % 20}",
                    tags={"risk_tier": ("low", "medium", "high")[m % 3]},
                    at=now,
                )
                for i in range(per_model):
                    draft = VersionDraft(
                        model=name, artifact_digest=DIGEST, flavor="sklearn", metrics={"auc": i / per_model}
                    )
                    number = tx.models.allocate_version(name, now)
                    version = tx.models.insert_version(draft, version=number, created_by="bench", at=now)
                    tx.audit.append(AuditEvent("version.register", "version", version.ref, "bench", now))
                tx.models.set_alias(name, "champion", per_model, actor="bench", at=now, reason="")
        print(f"\r  populated {min(models, start + 50):,}/{models:,} models", end="", file=sys.stderr)
    print(file=sys.stderr)
    with store.write() as tx:
        for d in range(10):
            spec = DeploymentSpec(routes=(Route(f"model-{d:04d}@champion", 100),))
            tx.deployments.create(f"api-{d}", spec, actor="bench", at=now, reason="")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", type=int, default=1_000)
    parser.add_argument("--versions-per-model", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        uri = f"sqlite:///{folder / 'server.db'}"
        populate(uri, args.models, args.versions_per_model)
        total = args.models * args.versions_per_model
        mid = f"model-{args.models // 2:04d}"
        pages = {
            "floor: GET /api/v1/health": "/api/v1/health",
            "JSON: 50 models (/api/v1/models)": "/api/v1/models?max_results=50",
            "catalog, page 1": "/",
            "catalog, page 10": "/?page=10",
            "catalog, search 'model-05'": "/?q=model-05",
            "catalog, risk tier filter": "/?tier=high",
            f"model page ({args.versions_per_model} versions)": f"/models/{mid}",
            "version page": f"/models/{mid}/versions/{args.versions_per_model}",
        }
        with control_plane(folder, uri) as url, httpx.Client(base_url=url, timeout=60) as http:
            print(f"{args.models:,} models, {total:,} versions; p50 / p95 ms over {args.repeat} requests")
            floor = None
            for label, path in pages.items():
                if http.get(path).status_code != 200:
                    print(f"{label:<42} (not available: {path} answered {http.get(path).status_code})")
                    continue
                p50, p95 = summary(timed(lambda p=path: http.get(p), args.repeat))
                floor = floor or p50
                print(f"{label:<42} {p50:8.1f} {p95:8.1f}   {p50 / floor:6.1f}x floor")


if __name__ == "__main__":
    main()
