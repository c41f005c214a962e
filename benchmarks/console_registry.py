"""Server time of the console's model, compare and version pages on a model with 10,000 versions.

    python benchmarks/console_registry.py [--versions 10000] [--repeat 30]

Runs the console in-process (auth off, temporary SQLite) and times whole
requests through Starlette's test client: routing, the service's queries, the
charts (matplotlib SVG) and the template. The catalog page is the baseline;
the issue's target is under 200 ms a page on this machine. Figures are p50/p95
in milliseconds, and each page's p50 as a ratio to the catalog's.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

from _timing import summary, timed
from registry import small_model
from steward import Client
from steward.app import Steward
from steward.core.audit import AuditEvent
from steward.core.registry import VersionDraft
from steward.settings import Settings
from steward.store import open_store
from steward.ui import create_console

NAME = "big"


def fill(uri: str, artifacts: str, count: int) -> None:
    model, frame = small_model()
    with Client(uri, artifacts=artifacts, actor="bench") as client:
        client.register(model, NAME, input_example=frame.head(3), training_data=frame, metrics={"auc": 0.5})
        digest = client.get(f"{NAME}/1").artifact_digest
    store = open_store(uri)
    start = datetime.now(UTC) - timedelta(days=1)
    with store.write() as tx:
        for i in range(1, count):
            at = start + timedelta(seconds=i)
            draft = VersionDraft(
                model=NAME,
                artifact_digest=digest,
                flavor="sklearn",
                metrics={"auc": (i % 997) / 997, "log_loss": 1 + (i % 13) / 13},
                params={"C": str(i % 7)},
            )
            number = tx.models.allocate_version(NAME, at)
            version = tx.models.insert_version(draft, version=number, created_by="bench", at=at)
            tx.audit.append(AuditEvent("version.register", "version", version.ref, "bench", at))
    store.close()
    with Client(uri, artifacts=artifacts, actor="bench") as client:
        holdout = frame.assign(y=(frame["f0"] + frame["f1"] > 0).astype(int), group=["a", "b"] * 250)
        client.validate(f"{NAME}/1", holdout, "y", sensitive=["group"])
        client.explain(f"{NAME}/1", holdout.drop(columns=["group"]), target="y", n_repeats=2)
        client.explain(f"{NAME}/1", frame, kind="pdp", features=["f0"], grid_size=10, ice_rows=10)
        for number in range(1, count, max(1, count // 40)):  # 40 alias moves for the timeline
            client.set_alias(NAME, "champion" if number % 2 else "challenger", number, reason="bench")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    assert LogisticRegression  # the model registered first is a real scikit-learn one
    with tempfile.TemporaryDirectory() as folder:
        uri, artifacts = f"sqlite:///{Path(folder) / 'console.db'}", str(Path(folder) / "artifacts")
        fill(uri, artifacts, args.versions)
        steward = Steward.open(Settings.resolve(uri=uri, artifacts=artifacts))
        pages = {
            "catalog /": "/",
            "model, page 1": f"/models/{NAME}",
            "model, middle page": f"/models/{NAME}?page={args.versions // 100}",
            "model, last page": f"/models/{NAME}?page={(args.versions + 49) // 50}",
            "compare": f"/models/{NAME}/compare?a=1&b={args.versions}",
            "version 1 (validated, explained)": f"/models/{NAME}/versions/1",
            "version": f"/models/{NAME}/versions/{args.versions // 2}",
        }
        first = pages["version 1 (validated, explained)"]
        with TestClient(create_console(steward)) as http:  # a new console: its charts are not drawn yet
            results = {
                "version 1, first view (charts drawn)": summary(timed(lambda: http.get(first), 1, warmup=0))
            }
        with TestClient(create_console(steward)) as http:
            for label, path in pages.items():
                assert http.get(path).status_code == 200, path
                results[label] = summary(timed(lambda path=path: http.get(path), args.repeat, warmup=3))
        steward.close()
    base = results["catalog /"][0]
    print(f"{args.versions:,} versions of one model; p50 / p95 ms; ratio = p50 / catalog p50")
    for label, (p50, p95) in results.items():
        print(f"  {label:<34} {p50:8.1f} {p95:8.1f}   x{p50 / base:.2f}")


if __name__ == "__main__":
    main()
