"""``steward card``: the workflow from the command line, exports to files, and bad input as one clean line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Registry, assert_clean_failure


def test_a_card_is_edited_reviewed_and_exported(seeded: Registry, tmp_path: Path) -> None:
    edited = seeded.run(
        "card", "edit", "churn/2", "--set", "intended_use=Rank customers", "-s", "risk_rating=low"
    )
    assert edited.exit_code == 0, edited.output
    assert "draft" in edited.stdout
    assert seeded.run("card", "submit", "churn@champion").exit_code == 0
    assert_clean_failure(seeded.run("card", "approve", "churn/2"), 5)  # tester edited it
    approved = seeded.run("--user", "rita", "card", "approve", "churn/2", "-c", "fine", "--json")
    assert approved.exit_code == 0 and json.loads(approved.stdout)["reviewed_by"] == "rita"
    shown = seeded.run("card", "show", "churn/2")
    assert shown.exit_code == 0 and "approved" in shown.stdout and "auc=0.86" in shown.stdout
    as_json = json.loads(seeded.run("card", "show", "churn/2", "--json").stdout)
    assert as_json["considerations"]["use_cases"] == ["Rank customers"]
    target = tmp_path / "card.html"
    written = seeded.run("card", "export", "churn/2", "--format", "html", "-o", str(target))
    assert written.exit_code == 0 and "Rank customers" in target.read_text()
    markdown = seeded.run("card", "export", "churn/2")
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# Model card: churn/2")


def test_bad_input_fails_cleanly_and_writes_nothing(seeded: Registry, tmp_path: Path) -> None:
    before = seeded.counts()
    assert_clean_failure(seeded.run("card", "edit", "churn/2"), 2)
    assert_clean_failure(seeded.run("card", "edit", "churn/2", "--set", "purpose=x"), 2)
    assert_clean_failure(seeded.run("card", "edit", "churn/2", "--set", "no-equals"), 2)
    assert_clean_failure(seeded.run("card", "edit", "churn/9", "--set", "caveats=x"), 3)
    assert_clean_failure(seeded.run("card", "submit", "churn/2"), 3)  # no card yet
    assert_clean_failure(seeded.run("card", "show", "churn/x"), 2)
    assert_clean_failure(seeded.run("card", "show", "fraud"), 3)  # no versions
    assert_clean_failure(seeded.run("card", "export", "churn/2", "--format", "pdf"), 2)
    missing = tmp_path / "no" / "such" / "card.md"
    assert_clean_failure(seeded.run("card", "export", "churn/2", "-o", str(missing)), 2)
    assert seeded.counts() == before
    seeded.run("card", "edit", "churn/2", "--set", "caveats=x")
    assert_clean_failure(seeded.run("card", "approve", "churn/2"), 4)  # a draft is not under review


def test_inventory_as_a_table_csv_and_json(seeded: Registry, tmp_path: Path) -> None:
    shown = seeded.run("inventory")
    assert shown.exit_code == 0 and "churn" in shown.stdout and "fraud" in shown.stdout
    assert "served without an approved model card" in shown.stdout  # churn@champion, no card
    target = tmp_path / "inventory.csv"
    assert seeded.run("inventory", "--format", "csv", "-o", str(target)).exit_code == 0
    assert target.read_text().splitlines()[0].startswith("model,owner,risk_tier")
    rows = json.loads(seeded.run("inventory", "-f", "json").stdout)["items"]
    assert [r["model"] for r in rows] == ["churn", "fraud"] and rows[0]["aliases"] == ["champion=2"]
    assert_clean_failure(seeded.run("inventory", "--format", "xlsx"), 2)
    assert_clean_failure(seeded.run("inventory", "--review-days", "0"), 2)


def test_evidence_writes_html_or_zip_and_refuses_bad_input(seeded: Registry, tmp_path: Path) -> None:
    page = tmp_path / "pack.html"
    assert seeded.run("evidence", "churn/2", "-o", str(page)).exit_code == 0
    assert "EU AI Act Annex IV" in page.read_text()
    archive = tmp_path / "pack.zip"
    assert seeded.run("evidence", "churn@champion", "--zip", "-o", str(archive)).exit_code == 0
    assert archive.read_bytes().startswith(b"PK")
    assert_clean_failure(seeded.run("evidence", "churn/9", "-o", str(page)), 3)
    assert_clean_failure(seeded.run("evidence", "churn/x"), 2)
    assert_clean_failure(seeded.run("evidence", "churn/2", "-o", str(tmp_path / "no" / "pack.html")), 2)
