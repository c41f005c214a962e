"""CLI: findings, the findings gate, protected alias deletes, environments as approval targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Registry, assert_clean_failure


def publish(registry: Registry, tmp_path: Path, source: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(source)
    assert registry.run("policy", "publish", str(path)).exit_code == 0


def test_findings_open_close_list_and_the_gate(seeded: Registry, tmp_path: Path) -> None:
    publish(seeded, tmp_path, "name: clean\naliases: [challenger]\ngates:\n  findings: {severity: high}\n")
    opened = seeded.run(
        "findings", "open", "churn/1", "-t", "Leaks the label", "-s", "high", "-d", "column y", "--json"
    )
    assert opened.exit_code == 0, opened.output
    finding = json.loads(opened.stdout)["items"][0]
    assert (finding["severity"], finding["status"], finding["opened_by"]) == ("high", "open", "tester")
    listed = seeded.run("findings", "list", "churn/1")
    assert listed.exit_code == 0 and "Leaks the label" in listed.stdout and "open" in listed.stdout
    check = seeded.run("policy", "check", "churn/1", "--alias", "challenger")
    assert check.exit_code == 5 and "FAIL" in check.stdout
    before = seeded.counts()
    refused = seeded.run("alias", "set", "churn", "challenger", "1")
    assert_clean_failure(refused, 5)
    assert "clean:findings: 1 open finding(s) at or above high" in refused.stderr
    assert seeded.counts() == before
    closed = seeded.run("findings", "close", str(finding["id"]), "-r", "column dropped")
    assert closed.exit_code == 0 and "closed" in closed.stdout
    assert seeded.run("findings", "list", "churn", "--status", "open", "--json").stdout.count('"id"') == 0
    assert seeded.run("alias", "set", "churn", "challenger", "1").exit_code == 0
    assert "finding.close" in seeded.run("audit", "list", "--action", "finding.close").stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("findings", "open", "churn/1", "-t", "x", "-s", "severe"), 2),
        (("findings", "open", "churn/9", "-t", "x", "-s", "low"), 3),
        (("findings", "open", "churn", "-t", "x", "-s", "low"), 2),
        (("findings", "close", "99", "-r", "fixed"), 3),
        (("findings", "list", "--status", "pending"), 2),
    ],
)
def test_bad_findings_commands_fail_cleanly(seeded: Registry, args: tuple[str, ...], code: int) -> None:
    before = seeded.counts()
    assert_clean_failure(seeded.run(*args), code)
    assert seeded.counts() == before


def test_a_protected_alias_is_deleted_only_with_an_override(seeded: Registry, tmp_path: Path) -> None:
    publish(seeded, tmp_path, "name: prod\naliases: [champion]\ngates:\n  approvals: {quorum: 1}\n")
    before = seeded.counts()
    refused = seeded.run("alias", "delete", "churn", "champion")
    assert_clean_failure(refused, 5)
    assert "protected" in refused.stderr and "--delete" in refused.stderr
    assert seeded.counts() == before
    assert_clean_failure(seeded.run("policy", "override", "churn", "champion", "-r", "retired"), 2)
    assert_clean_failure(seeded.run("policy", "override", "churn", "champion", "2", "--delete", "-r", "x"), 2)
    done = seeded.run("policy", "override", "churn", "champion", "--delete", "-r", "model retired")
    assert done.exit_code == 0 and "churn@champion deleted (was 2)" in done.stderr
    history = json.loads(seeded.run("alias", "history", "churn", "champion", "--json").stdout)
    assert history[-1]["version"] is None
    assert history[-1]["reason"] == "policy override: model retired"


def test_deployments_in_a_guarded_environment_need_env_approvals(
    seeded: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(seeded, tmp_path, "name: prod\nenvironments: [production]\ngates:\n  approvals: {quorum: 1}\n")
    before = seeded.counts()
    refused = seeded.run("deploy", "create", "churn-api", "churn/1", "--environment", "production")
    assert_clean_failure(refused, 5)
    assert "churn/1 in environment 'production'" in refused.stderr
    assert seeded.counts() == before
    assert_clean_failure(seeded.run("deploy", "create", "churn-api", "churn/1", "-e", "Prod"), 2)
    made = seeded.run("approvals", "request", "churn/1", "-t", "env:production", "--json")
    request_id = str(json.loads(made.stdout)["items"][0]["id"])
    monkeypatch.setenv("STEWARD_USER", "rita")
    assert seeded.run("approvals", "approve", request_id).exit_code == 0
    assert seeded.run("policy", "check", "churn/1", "--alias", "env:production").exit_code == 0
    created = seeded.run("deploy", "create", "churn-api", "churn/1", "-e", "production", "--json")
    assert created.exit_code == 0 and json.loads(created.stdout)["spec"]["environment"] == "production"
    shown = seeded.run("deploy", "show", "churn-api")
    assert "production" in shown.stdout
    listed = seeded.run("policy", "list")
    assert "env:production" in listed.stdout
