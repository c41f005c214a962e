"""``steward score``: a file in, a scored file out; bad input is one line, a non-zero exit and no file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from tests.cli.conftest import Registry, assert_clean_failure

USAGE, NOT_FOUND = 2, 3


@pytest.fixture
def scored_registry(
    registry: Registry, fitted: LogisticRegression, training: tuple[pd.DataFrame, np.ndarray]
) -> Registry:
    x, _ = training
    with registry.client() as client:
        client.register(fitted, "churn", input_example=x.head(10), aliases=["champion"], capture_code=False)
    x.assign(id=range(len(x))).to_parquet(registry.folder / "in.parquet")
    x.to_csv(registry.folder / "in.csv", index=False)
    return registry


def test_scores_a_parquet_file_into_csv(
    scored_registry: Registry, fitted: LogisticRegression, training: tuple[pd.DataFrame, np.ndarray]
) -> None:
    folder = scored_registry.folder
    result = scored_registry.run(
        "score", "churn@champion", str(folder / "in.parquet"), str(folder / "out.csv"), "--batch-size", "50",
        "--proba",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Scored 120 rows with churn/1 into {folder / 'out.csv'}" in result.stderr
    out = pd.read_csv(folder / "out.csv")
    x, _ = training
    assert list(out.columns) == ["a", "b", "c", "id", "prediction", "proba_0", "proba_1", "model_version"]
    assert out["prediction"].tolist() == fitted.predict(x).tolist()
    assert set(out["model_version"]) == {"churn/1"}


def test_json_summary_columns_and_no_keep_columns(scored_registry: Registry) -> None:
    folder = scored_registry.folder
    result = scored_registry.run(
        "score", "churn", str(folder / "in.csv"), str(folder / "out.parquet"), "--columns", "c,a",
        "--columns", "b", "--no-keep-columns", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 120 and summary["version"] == "churn/1" and summary["engine"] == "local"
    assert list(pd.read_parquet(folder / "out.parquet").columns) == ["prediction", "model_version"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nope", "in.parquet", "out.parquet"], NOT_FOUND, "No model named 'nope'"),
        (["churn/9", "in.parquet", "out.parquet"], NOT_FOUND, "no version 9"),
        (["churn", "missing.parquet", "out.parquet"], NOT_FOUND, "does not exist"),
        (["churn", "in.parquet", "out.xlsx"], USAGE, "Unknown output format '.xlsx'"),
        (["churn", "in.json", "out.parquet"], USAGE, "Unknown input format '.json'"),
        (["churn", "in.parquet", "out.parquet", "--columns", "a,zz"], USAGE, "which the input lacks"),
        (["churn", "in.parquet", "out.parquet", "--columns", "a"], USAGE, r"no column\(s\) 'b', 'c'"),
        (["churn", "in.parquet", "out.parquet", "--columns", ","], USAGE, "names no column"),
        (["churn", "in.parquet", "out.parquet", "--engine", "spark"], USAGE, "Unknown --engine 'spark'"),
        (["churn", "in.parquet", "out.parquet", "--ray-address", "auto"], USAGE, "goes with --engine ray"),
        (["churn", "in.parquet", "out.parquet", "--batch-size", "0"], USAGE, "--batch-size"),
        (["churn", "bad.parquet", "out.parquet"], USAGE, "'b' holds string values"),
    ],
)
def test_bad_input_is_one_line_and_leaves_no_output(
    scored_registry: Registry, args: list[str], code: int, message: str
) -> None:
    folder = scored_registry.folder
    bad = pd.read_parquet(folder / "in.parquet").astype({"b": str})
    bad.to_parquet(folder / "bad.parquet")
    (folder / "in.json").write_text("{}")
    paths = [str(folder / a) if i in (1, 2) else a for i, a in enumerate(args)]
    result = scored_registry.run("score", *paths)
    assert_clean_failure(result, code)
    assert re.search(message, result.stderr), result.stderr
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(("out", ".out"))) == []


def test_a_bad_row_deep_in_a_csv_leaves_the_previous_output(scored_registry: Registry) -> None:
    folder = scored_registry.folder
    lines = (folder / "in.csv").read_text().splitlines()
    lines[100] = "1.0,oops,2.0"
    (folder / "bad.csv").write_text("\n".join(lines) + "\n")
    (folder / "out.csv").write_text("yesterday's scores\n")
    result = scored_registry.run(
        "score", "churn", str(folder / "bad.csv"), str(folder / "out.csv"), "--batch-size", "10"
    )
    assert_clean_failure(result, USAGE)
    assert "Column 'b'" in result.stderr and "'oops'" in result.stderr
    assert (folder / "out.csv").read_text() == "yesterday's scores\n"
    assert not [p for p in Path(folder).iterdir() if p.name.endswith(".tmp")]
