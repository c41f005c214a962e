"""``steward retrain`` against an embedded registry: config, run --wait, runs, status, logs, cancel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from tests.cli.conftest import Registry


@pytest.fixture
def champion(registry: Registry, tmp_path: Path) -> str:
    """``churn/1`` as champion; the path of a training table with label ``y``."""
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    y = (x["a"] + 0.3 * rng.normal(size=600) > 0).astype(int).to_numpy()
    with registry.client() as client:
        client.register(LogisticRegression().fit(x, y), "churn", input_example=x.head(5), capture_code=False)
        client.set_alias("churn", "champion", 1)
    path = tmp_path / "train.parquet"
    x.assign(y=y).to_parquet(path)
    return str(path)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--entry", "tests.retrain_entry:fit", "--target", "y", "--schedule", "61 * * * *"], "cron"),
        (["--entry", "tests.retrain_entry:fit", "--target", "y", "--after", "promote"], "alias:NAME"),
        (["--entry", "tests.retrain_entry:fit", "--target", "y", "--engine", "spark"], "engine"),
        (["--entry", "python 'x", "--target", "y"], "split"),
        (["--entry", "tests.retrain_entry:fit", "--target", "y", "--performance", "auc low"], "FIGURE OP"),
        (["--entry", "tests.retrain_entry:fit", "--target", "y", "--param", "novalue"], "KEY=VALUE"),
    ],
)
def test_bad_config_exits_2_and_writes_nothing(
    registry: Registry, champion: str, args: list[str], says: str
) -> None:
    before = registry.counts()
    result = registry.run("retrain", "config", "churn", "--data", champion, *args)
    assert result.exit_code == 2, result.output
    assert says in result.output and result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert registry.counts() == before
    assert json.loads(registry.run("retrain", "show", "--json").stdout) == {"items": []}


def test_unknown_model_and_run_are_not_found(registry: Registry, champion: str) -> None:
    result = registry.run("retrain", "config", "nope", "--entry", "m:f", "--data", champion, "--target", "y")
    assert result.exit_code == 3 and "nope" in result.output, result.output
    result = registry.run("retrain", "run", "churn")
    assert result.exit_code == 3 and "no retraining config" in result.output
    assert registry.run("retrain", "status", "9").exit_code == 3


def test_config_run_wait_status_logs_and_cancel(registry: Registry, champion: str) -> None:
    made = registry.run(
        "retrain", "config", "churn", "--entry", "tests.retrain_entry:fit", "--data", champion,
        "--target", "y", "--schedule", "0 3 * * *", "--after", "alias:challenger", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    stored = json.loads(made.stdout)
    assert stored["schedule"] == "0 3 * * *" and stored["next_due"].endswith("T03:00:00.000000+00:00")
    shown = registry.run("retrain", "show", "churn")
    assert "tests.retrain_entry:fit" in shown.stdout and "cron 0 3 * * *" in shown.stdout

    ran = registry.run("retrain", "run", "churn", "--wait", "--reason", "fresh data")
    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.stdout and "churn/2" in ran.stdout
    listed = json.loads(registry.run("retrain", "runs", "--json").stdout)["items"]
    assert [(r["id"], r["state"], r["trigger"]) for r in listed] == [(1, "succeeded", "manual")]
    assert listed[0]["outcome"] == "Alias challenger set to churn/2."
    status = json.loads(registry.run("retrain", "status", "1", "--json").stdout)
    assert status["candidate"] == "churn/2" and status["validation_passed"] is True
    logs = registry.run("retrain", "logs", "1", "--tail", "50")
    assert "registered churn/2" in logs.stdout

    queued = registry.run("retrain", "run", "churn")
    assert queued.exit_code == 0 and "Queued run 2" in queued.stdout
    again = registry.run("retrain", "run", "churn")
    assert again.exit_code == 4 and "already has run 2 queued" in again.output, again.output
    cancelled = registry.run("retrain", "cancel", "2", "--reason", "not now")
    assert cancelled.exit_code == 0 and "Cancelled run 2" in cancelled.stdout
    twice = registry.run("retrain", "cancel", "2")
    assert twice.exit_code == 4 and "already cancelled" in twice.output

    removed = registry.run("retrain", "remove", "churn")
    assert removed.exit_code == 0
    assert json.loads(registry.run("retrain", "show", "--json").stdout) == {"items": []}


def test_a_failed_run_exits_1(registry: Registry, champion: str) -> None:
    made = registry.run(
        "retrain", "config", "churn", "--entry", "tests.retrain_entry:fit", "--data", champion,
        "--target", "y", "--param", "fail=true",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    ran = registry.run("retrain", "run", "churn", "--wait")
    assert ran.exit_code == 1 and "failed" in ran.stdout
    with registry.client() as client:
        assert client.get("churn/latest").version == 1
