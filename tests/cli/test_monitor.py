from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from tests.cli.conftest import Registry, assert_clean_failure
from tests.payloads import labels_for, write_payloads

T = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture
def deployed(seeded: Registry) -> Registry:
    with seeded.client() as client:
        client.create_deployment("churn-api", "churn/2")
    return seeded


def test_monitor_from_reference_to_report(
    deployed: Registry,
    files: dict[str, Path],
    fitted: LogisticRegression,
    training: tuple[pd.DataFrame, np.ndarray],
) -> None:
    r = deployed
    x, y = training
    result = r.run(
        "monitor", "set-reference", "churn@champion", str(files["train"]), "--labels", "label", "--json",
        "--importance", "a=2", "--importance", "b=1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ref"] == "churn/2"
    ids = write_payloads(
        r.folder / "home" / "payloads", "churn-api", "churn/2", x.assign(a=x["a"] + 5), fitted, T
    )

    result = r.run("monitor", "run", "churn-api", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == len(x)
    result = r.run("monitor", "figures", "churn-api", "--name", "drift.a", "--json")
    [figure] = json.loads(result.stdout)["items"]
    assert figure["details"]["drifted"] is True
    assert "drift.share" in r.run("monitor", "figures", "churn-api").stdout
    result = r.run("monitor", "figures", "churn-api", "--name", "drift.weighted", "--json")
    [weighted] = json.loads(result.stdout)["items"]
    assert weighted["value"] == pytest.approx(2 / 3) and weighted["details"]["source"] == "given"

    labels = r.folder / "labels.csv"
    labels_for(ids, y).to_csv(labels, index=False)
    result = r.run("monitor", "labels", "churn-api", str(labels), "--json")
    assert json.loads(result.stdout)["matched"] == len(x)
    result = r.run("monitor", "figures", "churn-api", "-n", "performance.accuracy", "--json")
    assert json.loads(result.stdout)["items"][0]["value"] is not None

    page = r.folder / "report.html"
    result = r.run("monitor", "report", "churn-api", "--output", str(page))
    assert result.exit_code == 0, result.output
    assert page.read_text().startswith("<!doctype html>")
    assert json.loads(r.run("monitor", "report", "churn-api", "--json").stdout)["deployment"] == "churn-api"

    rule = ["monitor", "alerts", "set", "drift", "drift.share", ">=", "0.5", "--for", "1", "--cooldown", "6h"]
    assert r.run(*rule).exit_code == 0
    assert "drift.share >= 0.5" in r.run("monitor", "alerts", "rules").stdout
    assert r.run("monitor", "alerts", "list", "--json").exit_code == 0
    assert r.run("monitor", "alerts", "delete", "drift").exit_code == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["monitor", "run", "nope"], 3),
        (["monitor", "labels", "churn-api", "{no_id}"], 2),
        (["monitor", "labels", "churn-api", "missing.csv"], 2),
        (["monitor", "set-reference", "churn/9", "{train}"], 3),
        (["monitor", "set-reference", "churn/2", "{train}", "--labels", "target"], 2),
        (["monitor", "set-reference", "churn/2", "{train}"], 2),  # its label column is not a feature
        (["monitor", "set-reference", "churn/1", "{train}", "--importance", "a"], 2),
        (["monitor", "set-reference", "churn/1", "{train}", "--labels", "label", "--importance", "a=-1"], 2),
        (["monitor", "set-reference", "churn/1", "{train}", "--labels", "label", "--importance", "zzz=1"], 2),
        (["monitor", "report", "churn-api"], 2),
        (["monitor", "report", "churn-api", "--json"], 3),
        (["monitor", "report", "churn-api", "--output", "/no/such/folder/r.html"], 2),
        (["monitor", "configure", "churn-api", "--window", "week"], 2),
        (["monitor", "configure", "churn-api", "--window", "rows:5"], 2),
        (["monitor", "run", "churn-api", "--engine", "spark"], 2),
        (["monitor", "run", "churn-api", "--ray-address", "auto"], 2),
        (["monitor", "configure", "churn-api", "--multivariate-sample", "5"], 2),
        (["monitor", "configure", "churn-api", "--multivariate-sample", "many"], 2),
        (["monitor", "figures", "churn-api", "--since", "yesterday"], 2),
        (["monitor", "alerts", "set", "r", "drift.share", "==", "1"], 2),
        (["monitor", "alerts", "set", "r", "drift.share", ">", "1", "--cooldown", "soon"], 2),
        (["monitor", "alerts", "set", "r", "drift.share", ">", "1", "--email", "a@b", "--smtp", "h:x"], 2),
        (["monitor", "alerts", "delete", "nope"], 3),
    ],
)
def test_bad_input_fails_cleanly_and_writes_nothing(
    deployed: Registry, files: dict[str, Path], args: list[str], code: int
) -> None:
    no_id = deployed.folder / "no_id.csv"
    pd.DataFrame({"id": ["a"], "label": [1]}).to_csv(no_id, index=False)
    args = [a.format(no_id=no_id, train=files["train"]) for a in args]
    before = deployed.counts()
    assert_clean_failure(deployed.run(*args), code)
    assert deployed.counts() == before


def test_set_reference_names_the_columns_the_model_was_not_fitted_on(
    deployed: Registry, files: dict[str, Path]
) -> None:
    before = deployed.counts()
    result = deployed.run("monitor", "set-reference", "churn/2", str(files["train"]))
    assert_clean_failure(result, 2)
    assert "not fitted on: label" in result.stderr and "--labels" in result.stderr
    assert deployed.counts() == before
    fixed = deployed.run("monitor", "set-reference", "churn/2", str(files["train"]), "--labels", "label")
    assert fixed.exit_code == 0, fixed.output


def test_windows_of_every_n_rows_from_the_command_line(
    deployed: Registry,
    files: dict[str, Path],
    fitted: LogisticRegression,
    training: tuple[pd.DataFrame, np.ndarray],
) -> None:
    r = deployed
    x, _ = training
    assert (
        r.run("monitor", "set-reference", "churn/2", str(files["train"]), "--labels", "label").exit_code == 0
    )
    result = r.run("monitor", "configure", "churn-api", "--window", "rows:50")
    assert result.exit_code == 0 and "rows:50 windows" in result.stderr + result.stdout
    write_payloads(r.folder / "home" / "payloads", "churn-api", "churn/2", x, fitted, T, rows_per_request=7)

    result = r.run("monitor", "run", "churn-api", "--json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == len(x) == 120 and len(summary["windows"]) == 2  # 20 rows wait for more
    result = r.run("monitor", "figures", "churn-api", "--name", "rows", "--json")
    assert [f["value"] for f in json.loads(result.stdout)["items"]] == [50, 50]
