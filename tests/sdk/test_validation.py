"""client.validate and the run readers, embedded and over HTTP: same results, same errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.validation.suites import parse_suite


@pytest.fixture
def holdout(data: tuple[pd.DataFrame, np.ndarray]) -> pd.DataFrame:
    x, y = data
    rng = np.random.default_rng(1)
    return x.assign(y=y, region=rng.choice(["n", "s"], size=len(x)))


def test_validate_stores_a_run_both_ways(
    client: Client, name: str, model: LogisticRegression, holdout: pd.DataFrame, tmp_path: Path
) -> None:
    x = holdout[["a", "b", "c", "d"]]
    client.register(model, name, input_example=x.head())
    client.set_alias(name, "champion", 1)
    client.register(model, name, input_example=x.head())
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        "checks:\n"
        "  - {check: metric, metric: accuracy, min: 0.8, by: region}\n"
        "  - {check: no_regression, metric: accuracy, tolerance: 0.01, resamples: 200}\n"
        "  - {check: fairness, metric: demographic_parity_ratio, min: 0.5, min_group_size: 10}\n"
    )
    path = tmp_path / "holdout.parquet"
    holdout.to_parquet(path)
    run = client.validate(f"{name}/2", str(path), "y", suite=suite, sensitive="region")
    assert run.passed, run.failed
    assert run.against == f"{name}/1" and run.created_by == "alice"
    assert [c.name for c in run.checks] == [
        "metric:accuracy@region",
        "no_regression:accuracy",
        "fairness:demographic_parity_ratio[region]",
    ]
    assert run.checks[1].value == pytest.approx(0.0)
    assert client.validation_runs(f"{name}/2") == [run]
    assert client.validation_run(f"{name}/2", run.id) == run
    assert client.latest_passed(f"{name}/2", ["fairness:demographic_parity_ratio"]) == run
    assert client.latest_passed(f"{name}/1") is None
    page = client.validation_report(f"{name}/2", run.id)
    assert page.startswith("<!doctype html>") and "<svg" in page


def test_default_suite_from_a_dataframe(
    client: Client, name: str, model: LogisticRegression, holdout: pd.DataFrame
) -> None:
    client.register(model, name, input_example=holdout[["a", "b", "c", "d"]].head())
    run = client.validate(f"{name}/1", holdout, "y", against=None)
    assert run.task == "binary" and run.against is None
    assert "metric:roc_auc" in [c.name for c in run.checks]
    assert run.metrics["accuracy"] > 0.8


def test_errors_are_the_same_both_ways(
    client: Client, name: str, model: LogisticRegression, holdout: pd.DataFrame
) -> None:
    client.register(model, name, input_example=holdout[["a", "b", "c", "d"]].head())
    ref = f"{name}/1"
    with pytest.raises(InvalidInputError, match="no target column 'label'"):
        client.validate(ref, holdout, "label")
    with pytest.raises(InvalidInputError, match="has no rows"):
        client.validate(ref, holdout.head(0), "y")
    with pytest.raises(InvalidInputError, match="'region' has one group only"):
        client.validate(ref, holdout.assign(region="n"), "y", sensitive=["region"])
    with pytest.raises(InvalidInputError, match="unknown check 'acc'"):
        client.validate(ref, holdout, "y", suite=[{"check": "acc"}])
    with pytest.raises(InvalidInputError, match="does not apply to a binary model"):
        client.validate(ref, holdout, "y", suite=parse_suite([{"check": "metric", "metric": "r2", "min": 0}]))
    with pytest.raises(NotFoundError, match="has no version 5"):
        client.validate(f"{name}/5", holdout, "y")
    with pytest.raises(NotFoundError, match="No validation run 424242"):
        client.validation_run(ref, 424242)
    assert client.validation_runs(ref) == []
