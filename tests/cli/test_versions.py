from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Registry


def test_list_table_and_filter(seeded: Registry) -> None:
    result = seeded.run("versions", "list")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "churn" in line]
    assert len(lines) == 2
    assert "champion" in lines[0] and "auc=0.86" in lines[0]  # newest first
    assert "auc=0.81" in lines[1]

    best = json.loads(seeded.run("versions", "list", "--filter", "metrics.auc > 0.85", "--json").stdout)
    assert [v["ref"] for v in best["items"]] == ["churn/2"]
    ordered = seeded.run("versions", "list", "--order-by", "metrics.auc", "--json")
    assert [v["version"] for v in json.loads(ordered.stdout)["items"]] == [1, 2]


def test_show_by_alias_number_and_latest(seeded: Registry) -> None:
    for ref in ("churn@champion", "churn/2", "churn"):
        data = json.loads(seeded.run("versions", "show", ref, "--json").stdout)
        assert (data["ref"], data["aliases"]) == ("churn/2", ["champion"])
    first = json.loads(seeded.run("versions", "show", "churn/1", "--json").stdout)
    assert first["params"] == {"C": "1.0"}


def test_show_renders_signature_metrics_and_lineage(registry: Registry, files: dict[str, Path]) -> None:
    registered = registry.run(
        "register", "churn", str(files["skops"]), "--input-example", str(files["example"]),
        "--training-data", str(files["train"]), "--metric", "auc=0.9", "--param", "C=1", "--tag", "team=risk",
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    result = registry.run("versions", "show", "churn/1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("Inputs (columns)", "float64", "Metrics", "auc", "0.9", "Params", "Tags", "team", "Lineage"):
        assert text in out, text
    assert "training: train.parquet (120 rows)" in out


def test_lineage(seeded: Registry, files: dict[str, Path]) -> None:
    child = seeded.run(
        "register", "churn", str(files["skops"]), "--parent", "churn@champion",
        "--training-data", str(files["train"]), "--evaluation-data", str(files["eval"]),
    )  # fmt: skip
    assert child.exit_code == 0, child.output
    assert "churn/3" in child.stdout

    data = json.loads(seeded.run("versions", "lineage", "churn/3", "--json").stdout)
    assert data["ancestors"] == ["churn/2"]
    roles = {d["role"]: d for d in data["lineage"]["datasets"]}
    assert roles["training"]["rows"] == 120 and roles["evaluation"]["rows"] == 30
    assert roles["training"]["uri"].startswith("file://") and roles["training"]["name"] == "train.parquet"

    table = seeded.run("versions", "lineage", "churn/3")
    assert table.exit_code == 0, table.output
    assert "churn/3 <- churn/2" in table.stdout
    assert "Datasets" in table.stdout and "Environment" in table.stdout and "scikit-learn" in table.stdout
