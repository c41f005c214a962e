"""``steward explain``: tables, JSON, charts, reuse; bad input is one line, an exit code, nothing stored."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from tests.cli.conftest import Registry, assert_clean_failure

USAGE, NOT_FOUND, MISSING = 2, 3, 7


@pytest.fixture
def explained(registry: Registry, fitted: object, training: tuple[pd.DataFrame, np.ndarray]) -> Path:
    """``churn`` v1 (logistic regression) and ``forest`` v1; the data file returned."""
    x, y = training
    with registry.client() as client:
        client.register(fitted, "churn", input_example=x.head(), capture_code=False)
        forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(x, y)
        client.register(forest, "forest", input_example=x.head(), capture_code=False)
    path = registry.folder / "data.csv"
    x.assign(label=y).to_csv(path, index=False)
    return path


def stored(registry: Registry) -> int:
    with registry.client() as client:
        return len(client.explanations("churn")) + len(client.explanations("forest"))


def test_global_table_then_reused_json_and_chart(registry: Registry, explained: Path, tmp_path: Path) -> None:
    chart = tmp_path / "imp.svg"
    shown = registry.run("explain", "churn", "--data", str(explained), "--target", "label", "-o", str(chart))
    assert shown.exit_code == 0, shown.output
    assert "churn/1: global (permutation)" in shown.stdout and "Feature" in shown.stdout
    assert "drop in roc_auc" in shown.stderr and "120 of 120 rows (--max-rows 1000)" in shown.stderr
    assert chart.read_text().startswith("<svg")
    again = registry.run("explain", "churn/1", "--data", str(explained), "--target", "label", "--json")
    assert again.exit_code == 0, again.output
    document = json.loads(again.stdout)
    assert document["reused"] and document["id"] == 1 and document["result"]["features"] == ["a", "b", "c"]
    assert stored(registry) == 1


def test_row_means_local_and_draws_png(registry: Registry, explained: Path, tmp_path: Path) -> None:
    chart = tmp_path / "why.png"
    shown = registry.run("explain", "churn", "--data", str(explained), "--row", "4", "--output", str(chart))
    assert shown.exit_code == 0, shown.output
    assert "churn/1: local (linear)" in shown.stdout and "log-odds: base" in shown.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")
    for kind in ("pdp", "sensitivity"):
        result = registry.run(
            "explain", "churn", "--data", str(explained), "--kind", kind, "-f", "a", "--json"
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["kind"] == kind


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["nope", "--target", "label"], NOT_FOUND, "No model named 'nope'"),
        (["churn/4", "--target", "label"], NOT_FOUND, "no version 4"),
        (["churn", "--target", "nope"], USAGE, "no target column 'nope'"),
        (["churn"], USAGE, "pass target"),
        (["churn", "--row", "500"], USAGE, "Row 500 is out of range"),
        (["churn", "--kind", "why"], USAGE, "Unknown kind 'why'"),
        (["churn", "--kind", "local"], USAGE, "needs the row"),
        (["churn", "--target", "label", "--n-repeats", "0"], USAGE, "n_repeats"),
        (["churn", "--target", "label", "-o", "chart.gif"], USAGE, "a .svg or .png file"),
        (["churn", "--kind", "pdp", "-f", "zz"], USAGE, "No model input column(s) 'zz'"),
        (["churn", "--method", "treeshap"], USAGE, "TreeSHAP explains tree ensembles"),
        (["bad ref!"], USAGE, "model"),
    ],
)
def test_bad_input(registry: Registry, explained: Path, args: list[str], code: int, text: str) -> None:
    result = registry.run("explain", *args, "--data", str(explained))
    assert_clean_failure(result, code)
    assert text in result.stderr
    assert stored(registry) == 0


def test_bad_data_files(registry: Registry, explained: Path, tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("a,b\n")
    for path, text in ((tmp_path / "missing.csv", "No such data file"), (tmp_path / "data.txt", "Parquet")):
        result = registry.run("explain", "churn", "--data", str(path), "--target", "label")
        assert_clean_failure(result, USAGE)
        assert text in result.stderr
    assert stored(registry) == 0


def test_treeshap_without_the_extra(
    registry: Registry, explained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "shap" else real(name, *a)
    )
    result = registry.run("explain", "forest", "--data", str(explained), "--row", "0")
    assert_clean_failure(result, MISSING)
    assert "pip install 'steward-mlops[explain]'" in result.stderr
    assert stored(registry) == 0
