"""What a retraining run costs beyond the training itself, and what evaluating triggers costs.

    python benchmarks/retraining.py [--runs 3] [--events 2000] [--rows 2000]

Run from the repository root (the entry point is ``tests.retrain_entry:fit``,
a LogisticRegression on *rows* rows). For each manual run it prints the wall
time of ``run_next`` split into: the entry point's process (start, imports,
data load, fit, save), and what Steward does after it (store the artifact,
register, validate against the champion, request approval), as the run's log
records them. Then it appends
*events* audit events (half of them ``alert.fire`` on another deployment) and
times one ``evaluate()`` reading them all through the alert cursor.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.app import Steward
from steward.core.audit import AuditEvent
from steward.core.retraining import RetrainConfig
from steward.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rng = np.random.default_rng(1)
        x = pd.DataFrame(rng.normal(size=(args.rows, 3)), columns=["a", "b", "c"])
        y = (x["a"] + 0.3 * rng.normal(size=args.rows) > 0).astype(int)
        x.assign(y=y).to_parquet(folder / "train.parquet")
        settings = Settings.resolve(
            f"sqlite:///{folder / 's.db'}",
            artifacts=str(folder / "a"),
            actor="bench",
            env={"STEWARD_HOME": tmp},
        )
        with Client(settings=settings) as client:
            client.register(
                LogisticRegression().fit(x, y), "churn", input_example=x.head(5), capture_code=False
            )
            client.set_alias("churn", "champion", 1)
        with Steward.open(settings) as app:
            service = app.retraining
            config = RetrainConfig(
                model="churn", entry="tests.retrain_entry:fit", data=str(folder / "train.parquet"), target="y"
            )
            service.configure(config, actor="bench")
            for _ in range(args.runs):
                run = service.start("churn", actor="bench")
                started = time.perf_counter()
                done = service.run_next(run.id)
                total = time.perf_counter() - started
                assert done is not None and done.state == "succeeded", done
                process = _process_seconds(Path(done.log_path))
                print(
                    f"run {done.id}: {total:.2f} s in all; the entry point's process {process:.2f} s; "
                    f"Steward before and after it {total - process:.2f} s (register, validate, approval)"
                )
            at = datetime.now(UTC)
            with app.store.write() as tx:
                for i in range(args.events):
                    action = "alert.fire" if i % 2 else "model.update"
                    after = {"id": i, "rule": "r", "deployment": "elsewhere", "version": "other/1"}
                    tx.audit.append(AuditEvent(action, "alert", f"elsewhere/{i}", "bench", at, after=after))
            started = time.perf_counter()
            made = service.evaluate()
            seconds = time.perf_counter() - started
            print(
                f"evaluate() over {args.events} new events: {seconds * 1000:.0f} ms ({len(made)} runs queued)"
            )


def _process_seconds(log: Path) -> float:
    """The entry point's process time, as the runner logged it."""
    found = re.search(r"the entry point ended \(exit code 0\) after ([\d.]+) s", log.read_text())
    assert found, log.read_text()
    return float(found.group(1))


if __name__ == "__main__":
    main()
