"""``steward validate`` and ``steward validations``: gate exit codes, reports, bad input is one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from tests.cli.conftest import Registry, assert_clean_failure

USAGE, NOT_FOUND, GATE_FAILED = 2, 3, 8


@pytest.fixture
def holdout(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    label = (x["a"] - x["b"] + rng.normal(0, 0.5, 300) > 0).astype(int)
    frame = x.assign(label=label, region=rng.choice(["n", "s"], size=300))
    path = tmp_path / "holdout.parquet"
    frame.to_parquet(path)
    return path


@pytest.fixture
def model(registry: Registry, holdout: Path) -> Registry:
    frame = pd.read_parquet(holdout)
    fitted = LogisticRegression().fit(frame[["a", "b", "c"]], frame["label"])
    with registry.client() as client:
        client.register(fitted, "churn", input_example=frame[["a", "b", "c"]].head(), capture_code=False)
    return registry


def suite(tmp_path: Path, text: str) -> str:
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return str(path)


def runs(registry: Registry) -> int:
    with registry.client() as client:
        return len(client.validation_runs("churn/1"))


def test_passing_run_exits_0_and_writes_the_report(model: Registry, holdout: Path, tmp_path: Path) -> None:
    report = tmp_path / "out.html"
    result = model.run(
        "validate", "churn/1", "--data", str(holdout), "--target", "label",
        "--sensitive", "region", "--report", str(report),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Validation run 1 of churn/1" in result.stdout and "metric:roc_auc" in result.stdout
    assert "fairness:demographic_parity_ratio[region]" in result.stdout
    assert "passed" in result.stderr and report.read_text().startswith("<!doctype html>")
    listed = model.run("validations", "churn/1", "--json")
    assert listed.exit_code == 0 and [r["id"] for r in json.loads(listed.stdout)] == [1]
    shown = model.run("validations", "churn/1", "--run", "1")
    assert shown.exit_code == 0 and "metric:roc_auc" in shown.stdout


def test_failed_gate_exits_8_and_stores_the_run(model: Registry, holdout: Path, tmp_path: Path) -> None:
    path = suite(tmp_path, "checks:\n  - {check: metric, metric: accuracy, min: 0.99}\n")
    result = model.run(
        "validate", "churn/1", "--data", str(holdout), "--target", "label", "--suite", path, "--json"
    )
    assert result.exit_code == GATE_FAILED, result.output
    body = json.loads(result.stdout)
    assert body["passed"] is False and body["failed"] == ["metric:accuracy"]
    assert runs(model) == 1
    listed = model.run("validations", "churn/1")
    assert listed.exit_code == 0 and "failed" in listed.stdout and "metric:accuracy" in listed.stdout


@pytest.mark.parametrize(
    ("extra", "suite_text", "code", "fragment"),
    [
        (["--target", "y"], None, USAGE, "no target column 'y'"),
        (["--target", "label", "--sensitive", "nope"], None, USAGE, "no sensitive column 'nope'"),
        (["--target", "label"], "- check: acuracy\n", USAGE, "unknown check 'acuracy'; use one of metric"),
        (["--target", "label", "--against", "churn/9"], None, NOT_FOUND, "has no version 9"),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(
    model: Registry,
    holdout: Path,
    tmp_path: Path,
    extra: list[str],
    suite_text: str | None,
    code: int,
    fragment: str,
) -> None:
    args = ["validate", "churn/1", "--data", str(holdout), *extra]
    if suite_text is not None:
        args += ["--suite", suite(tmp_path, suite_text)]
    result = model.run(*args)
    assert_clean_failure(result, code)
    assert fragment in result.stderr
    assert runs(model) == 0


def test_missing_files_and_bad_refs(model: Registry, holdout: Path, tmp_path: Path) -> None:
    missing = model.run("validate", "churn/1", "--data", str(tmp_path / "nope.parquet"), "--target", "label")
    assert_clean_failure(missing, USAGE)
    assert "No such data file" in missing.stderr
    no_suite = model.run(
        "validate",
        "churn/1",
        "--data",
        str(holdout),
        "--target",
        "label",
        "--suite",
        str(tmp_path / "s.yaml"),
    )
    assert_clean_failure(no_suite, USAGE)
    assert "No such suite file" in no_suite.stderr
    assert_clean_failure(model.run("validations", "churn/1", "--run", "5"), NOT_FOUND)
    assert_clean_failure(model.run("validations", "bad name!"), USAGE)
    assert runs(model) == 0
