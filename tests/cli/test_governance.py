"""CLI governance commands: users, tokens, approvals, policy, audit verify/export/at, the loopback rule."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from steward.cli.server import serve
from steward.settings import Settings
from tests.cli.conftest import Registry, assert_clean_failure

POLICY = "name: prod\naliases: [champion]\ngates:\n  approvals: {role: reviewer, quorum: 1}\n"


def test_audit_verify_names_the_first_tampered_event(seeded: Registry) -> None:
    ok = seeded.run("audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.stderr
    with sqlite3.connect(seeded.folder / "s.db") as db:
        db.execute("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 3")
    broken = seeded.run("audit", "verify")
    assert_clean_failure(broken, 6)
    assert "event #3" in broken.stderr and "edited" in broken.stderr
    as_json = seeded.run("audit", "verify", "--json")
    assert as_json.exit_code == 6 and json.loads(as_json.stdout)["first_bad_seq"] == 3


def test_audit_export_writes_jsonl_and_csv(seeded: Registry, tmp_path: Path) -> None:
    out = seeded.run("audit", "export")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert out.exit_code == 0 and [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    assert all(len(e["hash"]) == 64 for e in lines)
    target = tmp_path / "audit.csv"
    written = seeded.run("audit", "export", "--format", "csv", "--until", "2000-01-01", "-o", str(target))
    assert written.exit_code == 0 and target.read_text().splitlines() == [target.read_text().splitlines()[0]]
    assert_clean_failure(seeded.run("audit", "export", "--format", "xml"), 2)
    assert_clean_failure(seeded.run("audit", "export", "--since", "yesterday"), 2)


def test_audit_at_answers_for_an_alias_and_refuses_bad_input(seeded: Registry) -> None:
    with seeded.client() as client:
        history = client.alias_history("churn", "champion")
    first = history[0].at.isoformat()
    out = seeded.run("audit", "at", "churn@champion", "--time", first)
    assert out.exit_code == 0 and out.stdout.strip() == "churn/1" and "first" in out.stderr
    assert_clean_failure(seeded.run("audit", "at", "churn@champion"), 2)
    assert_clean_failure(seeded.run("audit", "at", "--time", first), 2)
    assert_clean_failure(seeded.run("audit", "at", "churn", "--time", first), 2)
    assert_clean_failure(seeded.run("audit", "at", "--deployment", "nope", "--time", first), 3)


def test_users_tokens_and_sign_in(seeded: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_AUTH", "on")
    created = seeded.run("users", "create", "admin", "--role", "admin")
    assert created.exit_code == 0, created.output
    token = next(line for line in created.stdout.splitlines() if line.startswith("stw_"))
    assert_clean_failure(seeded.run("users", "create", "eve", "--role", "admin"), 5)  # no longer bootstrap
    monkeypatch.setenv("STEWARD_TOKEN", token)
    assert seeded.run("users", "create", "rita", "--role", "reviewer", "--no-token").exit_code == 0
    assert seeded.run("users", "grant", "rita", "operator", "--model", "churn").exit_code == 0
    listed = seeded.run("users", "list", "--json")
    rita = next(u for u in json.loads(listed.stdout)["items"] if u["name"] == "rita")
    assert rita["grants"] == [{"role": "reviewer", "model": None}, {"role": "operator", "model": "churn"}]
    assert_clean_failure(seeded.run("users", "grant", "rita", "wizard"), 2)
    assert_clean_failure(seeded.run("users", "grant", "nobody", "viewer"), 3)
    assert_clean_failure(seeded.run("users", "grant", "rita", "reviewer"), 4)
    issued = json.loads(seeded.run("tokens", "create", "--for", "rita", "--days", "7", "--json").stdout)
    assert issued["token"].startswith("stw_") and issued["principal"] == "rita"
    tokens = json.loads(seeded.run("tokens", "list", "--json").stdout)["items"]
    assert all("token" not in t for t in tokens) and len(tokens) == 2
    assert seeded.run("tokens", "revoke", str(issued["id"])).exit_code == 0
    assert_clean_failure(seeded.run("tokens", "revoke", str(issued["id"])), 4)
    assert_clean_failure(seeded.run("tokens", "revoke", "999"), 3)
    monkeypatch.setenv("STEWARD_TOKEN", issued["token"])
    assert_clean_failure(seeded.run("models", "list"), 5)  # revoked


def test_a_guarded_alias_is_refused_by_the_cli_until_approved(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    policy = tmp_path / "prod.yaml"
    policy.write_text(POLICY)
    published = seeded.run("policy", "publish", str(policy))
    assert published.exit_code == 0 and "version 1" in published.stderr
    before = seeded.counts()
    refused = seeded.run("alias", "set", "churn", "champion", "1")
    assert_clean_failure(refused, 5)
    assert "unmet: prod:approvals: 0 of 1" in refused.stderr
    assert seeded.counts() == before
    check = seeded.run("policy", "check", "churn/1", "--alias", "champion")
    assert check.exit_code == 5 and "FAIL" in check.stdout
    made = json.loads(seeded.run("approvals", "request", "churn/1", "-t", "champion", "--json").stdout)
    request_id = str(made["items"][0]["id"])
    assert_clean_failure(seeded.run("approvals", "approve", request_id), 5)  # the requester (tester)
    monkeypatch.setenv("STEWARD_USER", "rita")
    approved = seeded.run("approvals", "approve", request_id, "-c", "fine")
    assert approved.exit_code == 0 and "approved (1)" in approved.stdout
    assert seeded.run("policy", "check", "churn/1", "--alias", "champion").exit_code == 0
    assert seeded.run("alias", "set", "churn", "champion", "1").exit_code == 0
    assert_clean_failure(seeded.run("approvals", "approve", "999"), 3)
    assert_clean_failure(seeded.run("approvals", "reject", request_id), 5)  # rita decided already
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\naliases: []\n")
    assert_clean_failure(seeded.run("policy", "publish", str(bad)), 2)
    assert_clean_failure(seeded.run("policy", "publish", str(tmp_path / "missing.yaml")), 2)


def test_an_override_needs_a_reason_and_shows_in_the_alias_history(seeded: Registry, tmp_path: Path) -> None:
    policy = tmp_path / "prod.yaml"
    policy.write_text(POLICY)
    seeded.run("policy", "publish", str(policy))
    assert seeded.run("policy", "override", "churn", "champion", "1").exit_code == 2  # --reason is required
    assert_clean_failure(seeded.run("policy", "override", "churn", "champion", "1", "-r", " "), 2)
    done = seeded.run("policy", "override", "churn", "champion", "1", "-r", "incident 7")
    assert done.exit_code == 0
    history = seeded.run("alias", "history", "churn", "champion", "--json")
    assert "policy override: incident 7" in history.stdout
    assert seeded.run("audit", "list", "--action", "policy.override").stdout.count("incident 7") == 1


def test_the_server_refuses_a_public_address_with_sign_in_off(tmp_path: Path) -> None:
    settings = Settings.resolve(f"sqlite:///{tmp_path / 's.db'}", env={"STEWARD_HOME": str(tmp_path)})
    from steward.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="STEWARD_AUTH=on"):
        serve(settings, "0.0.0.0", 8080)


def test_steward_server_on_a_public_address_needs_sign_in(registry: Registry) -> None:
    refused = registry.run("server", "--host", "0.0.0.0", "--port", "1")
    assert_clean_failure(refused, 2)
    assert "STEWARD_AUTH=on" in refused.stderr and "steward users create admin --role admin" in refused.stderr


def test_unknown_auth_mode_is_refused(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_AUTH", "maybe")
    assert_clean_failure(registry.run("models", "list"), 2)
