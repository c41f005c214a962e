"""What the console's audit page costs on a big log: a page with the chain check reused against one
that checks the whole chain again (``?verify=now``), and the search behind deep and filtered pages.

    python benchmarks/console_audit.py [--events 10000]

Runs the console in process (auth off) on a temporary SQLite store filled with
one chained transaction of events.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _timing import summary, timed
from steward.app import Steward
from steward.core.audit import AuditEvent
from steward.settings import Settings
from steward.ui import create_console


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # starlette's TestClient warns about httpx
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.resolve(uri=f"sqlite:///{folder}/bench.db", artifacts=str(Path(folder) / "a"))
        with Steward.open(settings) as steward:
            start = datetime(2026, 1, 1, tzinfo=UTC)
            with steward.store.write() as tx:
                for i in range(args.events):
                    at = start + timedelta(minutes=i)
                    target, actor = f"model-{i % 37}@champion", f"user-{i % 7}"
                    before, after = {"version": i}, {"version": i + 1}
                    tx.audit.append(
                        AuditEvent("alias.set", "alias", target, actor, at, before, after, f"move {i}")
                    )
            client = TestClient(create_console(steward))
            pages = {
                "first page, check reused": "/audit",
                "page 200, check reused": f"/audit?page={min(200, args.events // 50)}",
                "filtered (actor, model)": "/audit?actor=user-3&target=model-5",
                "first page, full check": "/audit?verify=now",
            }
            print(f"events: {args.events}")
            results = {}
            for label, url in pages.items():
                assert client.get(url).status_code == 200
                results[label] = summary(timed(lambda url=url: client.get(url), args.repeat, warmup=2))
                print(f"{label:28s} median {results[label][0]:8.1f} ms  p95 {results[label][1]:8.1f} ms")
            ratio = results["first page, full check"][0] / results["first page, check reused"][0]
            print(f"full check / reused check: {ratio:.1f}x")


if __name__ == "__main__":
    main()
