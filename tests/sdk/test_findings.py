"""Findings, environments and protected alias deletes through the SDK, embedded and over HTTP."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError, PolicyViolationError
from steward.core.finding import FindingStatus, Severity


def test_findings_open_close_and_gate(client: Client, name: str, model: LogisticRegression) -> None:
    client.register(model, name, capture_code=False)
    client.publish_policy(
        f"name: {name}-clean\naliases: [champion]\nmodels: [{name}]\ngates:\n  findings: {{severity: high}}\n"
    )
    low = client.open_finding(f"{name}/1", "slow on big batches", severity="low")
    high = client.open_finding(f"{name}/1", "leaks the label", severity="high", description="column y")
    assert (high.severity, high.status, high.opened_by) == (Severity.HIGH, FindingStatus.OPEN, "alice")
    assert [f.id for f in client.findings(f"{name}/1")] == [low.id, high.id]
    with pytest.raises(PolicyViolationError) as refused:
        client.set_alias(name, "champion", 1)
    assert f"#{high.id} high: leaks the label" in refused.value.unmet[0]
    closed = client.close_finding(high.id, resolution="column dropped")
    assert closed.status is FindingStatus.CLOSED and closed.resolution == "column dropped"
    assert client.get_finding(high.id).closed_by == "alice"
    with pytest.raises(ConflictError):
        client.close_finding(high.id, resolution="again")
    assert [f.id for f in client.findings(name, status="open")] == [low.id]
    assert client.set_alias(name, "champion", 1).version == 1
    with pytest.raises(InvalidInputError):
        client.open_finding(f"{name}/1", "x", severity="huge")
    with pytest.raises(NotFoundError):
        client.close_finding(10**6, resolution="x")


def test_protected_alias_delete_and_environment_gates(
    client: Client, name: str, model: LogisticRegression
) -> None:
    client.register(model, name, capture_code=False)
    client.set_alias(name, "gold", 1)
    client.publish_policy(
        f"name: {name}-gold\naliases: [gold]\nenvironments: [production]\nmodels: [{name}]\n"
        "gates:\n  monitoring_reference: {}\n"
    )
    with pytest.raises(PolicyViolationError, match="protected"):
        client.delete_alias(name, "gold")
    assert client.get(f"{name}@gold").version == 1
    deleted = client.override_delete_alias(name, "gold", reason="retired")
    assert (deleted.version, deleted.previous_version) == (None, 1)
    with pytest.raises(PolicyViolationError) as refused:
        client.create_deployment(f"{name}-api", f"{name}/1", environment="production")
    assert "no monitoring reference" in refused.value.unmet[0]
    request = client.request_approval(f"{name}/1", "env:production")
    assert request.target == "env:production"
    made = client.create_deployment(f"{name}-dev", f"{name}/1", environment="dev")
    assert made.spec.environment == "dev"
    assert client.get_deployment(f"{name}-dev").spec.environment == "dev"


def test_audit_verify_from_a_checkpoint_and_the_streamed_export(
    client: Client, name: str, model: LogisticRegression
) -> None:
    client.register(model, name, capture_code=False)
    full = client.verify_audit()
    assert full.ok and full.last_seq >= 2
    client.set_alias(name, "staging", 1)
    later = client.verify_audit(from_seq=full.last_seq, expected_hash=full.last_hash)
    assert (later.ok, later.checked, later.from_seq) == (True, 1, full.last_seq)
    wrong = client.verify_audit(from_seq=full.last_seq, expected_hash="0" * 64)
    assert (wrong.ok, wrong.first_bad_seq) == (False, full.last_seq)
    with pytest.raises(InvalidInputError):
        client.verify_audit(expected_hash="0" * 64)
    exported = list(client.export_audit())
    assert [e.seq for e in exported] == list(range(1, later.last_seq + 1))
    assert exported[-1].hash == later.last_hash and exported[-1].target == f"{name}@staging"
    with pytest.raises(InvalidInputError):
        list(client.export_audit(since="2026-02-01", until="2026-01-01"))
