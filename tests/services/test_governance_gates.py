"""Findings, the findings and monitoring-reference gates, environments as targets, protected alias deletes.

On real stores (SQLite and PostgreSQL) with sign-in on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from steward.artifacts import open_artifact_store
from steward.core.deployment import DeploymentSpec, Route
from steward.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PolicyViolationError,
)
from steward.services.access import AccessControl
from steward.services.approvals import ApprovalService
from steward.services.audit import AuditService
from steward.services.deploy import DeploymentService
from steward.services.findings import FindingService
from steward.services.identity import IdentityService
from steward.services.policies import PolicyService
from steward.services.registry import RegistryService
from steward.store import SqlStore
from tests.store.builders import T0, create, draft, register

FINDINGS_POLICY = "name: findings\naliases: [champion]\ngates:\n  findings: {severity: high}\n"
ENV_POLICY = (
    "name: prod-env\nenvironments: [production]\nmodels: [churn]\n"
    "gates:\n  approvals: {role: reviewer, quorum: 1}\n"
)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Gov:
    store: SqlStore
    approvals: ApprovalService
    policies: PolicyService
    registry: RegistryService
    findings: FindingService
    deployments: DeploymentService

    def audit(self, action: str | None = None) -> list[str]:
        with self.store.read() as tx:
            return [f"{e.action} {e.target}" for e in tx.audit.list(action=action, limit=10_000)]

    def approve(self, ref: str, target: str) -> None:
        request = self.approvals.request(ref, target, actor="otto")
        self.approvals.decide(request.id, "approve", actor="rita")


@pytest.fixture
def gov(store: SqlStore, tmp_path: Path) -> Gov:
    """Auth on; admin 'root', reviewer rita, contributor carl (registered churn/1, /2), operator otto."""
    clock = Clock()
    access = AccessControl(store, enabled=True)
    identities = IdentityService(store, access, clock)
    policies = PolicyService(store, access, clock=clock)
    registry = RegistryService(store, open_artifact_store(str(tmp_path)), clock, access=access, gate=policies)
    identities.create_user("root", actor="bootstrap", role="admin")
    for name, role in (("rita", "reviewer"), ("carl", "contributor"), ("otto", "operator")):
        identities.create_user(name, actor="root", role=role)
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn", 1), by="carl")
        register(tx, draft("churn", 2), by="carl")
    return Gov(
        store,
        ApprovalService(store, access, clock),
        policies,
        registry,
        FindingService(store, access, clock),
        DeploymentService(store, clock, access=access, gate=policies),
    )


# -- findings -------------------------------------------------------------------------------------


def test_reviewers_open_and_close_findings_and_both_are_audited(gov: Gov) -> None:
    before = gov.audit()
    for who in ("carl", "otto"):  # contributors and operators may not
        with pytest.raises(PermissionDeniedError, match=r"finding\.manage.*reviewer or admin"):
            gov.findings.open("churn/1", title="Leaks the label", severity="high", actor=who)
    assert gov.audit() == before  # nothing written
    opened = gov.findings.open(
        "churn/1", title="Leaks the label", severity="high", description="feature x", actor="rita"
    )
    assert (opened.ref, opened.severity.value, opened.status.value, opened.opened_by) == (
        "churn/1",
        "high",
        "open",
        "rita",
    )
    with pytest.raises(PermissionDeniedError):
        gov.findings.close(opened.id, resolution="fixed", actor="carl")
    with pytest.raises(InvalidInputError, match="resolution"):
        gov.findings.close(opened.id, resolution="  ", actor="rita")
    closed = gov.findings.close(opened.id, resolution="feature x dropped in v2", actor="root")
    assert (closed.status.value, closed.closed_by, closed.resolution) == (
        "closed",
        "root",
        "feature x dropped in v2",
    )
    with pytest.raises(ConflictError, match="was closed by root"):
        gov.findings.close(opened.id, resolution="again", actor="root")
    assert gov.audit()[-2:] == ["finding.open churn/1", "finding.close churn/1"]
    assert AuditService(gov.store).verify().ok


def test_findings_are_listed_per_version_model_or_status(gov: Gov) -> None:
    a = gov.findings.open("churn/1", title="a", severity="low", actor="rita")
    b = gov.findings.open("churn/2", title="b", severity="critical", actor="rita")
    gov.registry.set_alias("churn", "staging", 2, actor="otto")
    c = gov.findings.open("churn@staging", title="c", severity="medium", actor="rita")  # means churn/2
    gov.findings.close(b.id, resolution="accepted", actor="rita")
    assert [f.id for f in gov.findings.list("churn/1")] == [a.id]
    assert [f.id for f in gov.findings.list("churn/2")] == [b.id, c.id]
    assert [f.id for f in gov.findings.list("churn")] == [a.id, b.id, c.id]
    assert [f.id for f in gov.findings.list("churn/2", status="open")] == [c.id]
    assert [f.id for f in gov.findings.list(status="closed")] == [b.id]
    assert gov.findings.get(c.id).title == "c"


@pytest.mark.parametrize(
    ("ref", "fields", "error", "match"),
    [
        ("churn/1", {"title": "t", "severity": "severe"}, InvalidInputError, "low, medium, high, critical"),
        ("churn/1", {"title": " ", "severity": "low"}, InvalidInputError, "needs a title"),
        ("churn", {"title": "t", "severity": "low"}, InvalidInputError, "Name a version"),
        ("churn/9", {"title": "t", "severity": "low"}, NotFoundError, "no version 9"),
        ("churn@nope", {"title": "t", "severity": "low"}, NotFoundError, "no alias 'nope'"),
        ("nope/1", {"title": "t", "severity": "low"}, NotFoundError, "nope"),
    ],
)
def test_bad_findings_are_refused_and_write_nothing(
    gov: Gov, ref: str, fields: dict[str, str], error: type[Exception], match: str
) -> None:
    before = gov.audit()
    with pytest.raises(error, match=match):
        gov.findings.open(ref, actor="rita", **fields)
    assert gov.audit() == before and gov.findings.list() == []
    with pytest.raises(NotFoundError, match="No finding #7"):
        gov.findings.close(7, resolution="x", actor="rita")
    with pytest.raises(InvalidInputError, match="open' or 'closed"):
        gov.findings.list(status="pending")


# -- the findings and monitoring-reference gates ----------------------------------------------------


def test_an_open_finding_at_or_above_the_severity_blocks_the_alias(gov: Gov) -> None:
    gov.policies.publish(FINDINGS_POLICY, actor="root")
    gov.findings.open("churn/1", title="typo in the card", severity="medium", actor="rita")
    check = gov.policies.check("churn/1", "champion")
    assert check.passed and check.gates[0].why == "no open finding at or above high"
    serious = gov.findings.open("churn/1", title="Leaks the label", severity="critical", actor="rita")
    with pytest.raises(PolicyViolationError) as refused:
        gov.registry.set_alias("churn", "champion", 1, actor="otto")
    assert refused.value.unmet[0].startswith(
        f"findings:findings: 1 open finding(s) at or above high: #{serious.id} critical: Leaks the label"
    )
    gov.findings.close(serious.id, resolution="label column removed", actor="rita")
    assert gov.registry.set_alias("churn", "champion", 1, actor="otto").version == 1


def test_the_monitoring_reference_gate_reads_the_stored_reference(gov: Gov) -> None:
    gov.policies.publish(
        "name: watched\naliases: [champion]\ngates:\n  monitoring_reference: {}\n", actor="root"
    )
    gate = gov.policies.check("churn/1", "champion").gates[0]
    assert (gate.gate, gate.passed) == ("monitoring_reference", False)
    assert "steward monitor set-reference churn/1" in gate.why
    with pytest.raises(PolicyViolationError):
        gov.registry.set_alias("churn", "champion", 1, actor="otto")
    with gov.store.write() as tx:
        tx.monitoring.put_reference(
            "churn", 1, task="classification", features=["a"], profile={}, calibration=None,
            fingerprint="f" * 64, rows=500, actor="carl", at=T0,
        )  # fmt: skip
    gate = gov.policies.check("churn/1", "champion").gates[0]
    assert gate.passed and gate.why == "monitoring reference of 500 rows set by carl"
    assert not gov.policies.check("churn/2", "champion").passed  # per version
    gov.registry.set_alias("churn", "champion", 1, actor="otto")


@pytest.mark.parametrize(
    ("gates", "match"),
    [
        ("findings: {severity: severe}", "Unknown severity"),
        ("findings: {level: high}", "findings gate is"),
        ("monitoring_reference: {rows: 10}", "takes no settings"),
    ],
)
def test_malformed_new_gates_are_refused_at_publish(gov: Gov, gates: str, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        gov.policies.publish(f"name: x\naliases: [champion]\ngates:\n  {gates}\n", actor="root")


# -- environments ---------------------------------------------------------------------------------


def spec(*routes: tuple[str, float], environment: str | None = "production", **kw: object) -> DeploymentSpec:
    return DeploymentSpec(
        routes=tuple(Route(r, w) for r, w in routes),
        environment=environment,
        **kw,  # type: ignore[arg-type]
    )


def test_a_deployment_in_a_guarded_environment_needs_its_approvals(gov: Gov) -> None:
    gov.policies.publish(ENV_POLICY, actor="root")
    before = gov.audit()
    with pytest.raises(PolicyViolationError) as refused:
        gov.deployments.create("churn-api", spec(("churn/1", 100)), actor="otto")
    assert refused.value.unmet == [
        "churn/1: prod-env:approvals: 0 of 1 approval(s) by a reviewer; request one with "
        "`steward approvals request churn/1 --target env:production`"
    ]
    assert gov.audit() == before
    gov.deployments.create("churn-dev", spec(("churn/1", 100), environment="dev"), actor="otto")  # unguarded
    gov.deployments.create("churn-any", spec(("churn/1", 100), environment=None), actor="otto")
    gov.approve("churn/1", "champion")  # an alias's approval is not the environment's
    with pytest.raises(PolicyViolationError):
        gov.deployments.create("churn-api", spec(("churn/1", 100)), actor="otto")
    gov.approve("churn/1", "env:production")
    assert gov.policies.check("churn/1", "env:production").passed
    created = gov.deployments.create("churn-api", spec(("churn/1", 100)), actor="otto")
    assert created.spec.environment == "production"
    # a canary of an unapproved version is refused; the same routes, re-weighted, are not re-checked
    with pytest.raises(PolicyViolationError, match="churn-api"):
        gov.deployments.update("churn-api", spec(("churn/1", 90), ("churn/2", 10)), actor="otto")
    with pytest.raises(PolicyViolationError):  # a fallback answers too
        gov.deployments.update("churn-api", spec(("churn/1", 100), fallback="churn/2"), actor="otto")
    gov.deployments.update("churn-api", spec(("churn/1", 100), shadows=("churn/2",)), actor="otto")
    killed = gov.deployments.kill("churn-api", actor="otto", reason="incident")
    assert killed.spec.killed == "incident"
    gov.approve("churn/2", "env:production")
    gov.deployments.update("churn-api", spec(("churn/1", 90), ("churn/2", 10)), actor="otto")


def test_an_environment_is_kept_once_declared(gov: Gov) -> None:
    gov.policies.publish(ENV_POLICY, actor="root")
    gov.deployments.create("churn-api", spec(("churn/1", 100), environment=None), actor="otto")
    gov.deployments.update("churn-api", spec(("churn/2", 100), environment="staging"), actor="otto")
    # a spec naming no environment inherits it, so leaving the gates behind is not possible
    updated = gov.deployments.update("churn-api", spec(("churn/1", 100), environment=None), actor="otto")
    assert updated.spec.environment == "staging"
    with pytest.raises(ConflictError, match="runs in environment 'staging'"):
        gov.deployments.update("churn-api", spec(("churn/1", 100)), actor="otto")
    other = gov.deployments.create("churn-b", spec(("churn/1", 100), environment=None), actor="otto")
    with pytest.raises(PolicyViolationError):  # declaring a guarded environment checks every version
        gov.deployments.update("churn-b", spec(("churn/1", 100)), actor="otto")
    assert gov.deployments.get("churn-b").revision == other.revision
    with pytest.raises(InvalidInputError, match="Invalid environment"):
        gov.deployments.create("churn-c", spec(("churn/1", 100), environment="Prod!"), actor="otto")


def test_moving_an_alias_that_a_guarded_deployment_follows_needs_the_environment_gates(gov: Gov) -> None:
    gov.registry.set_alias("churn", "champion", 1, actor="otto")
    gov.policies.publish(ENV_POLICY, actor="root")
    gov.approve("churn/1", "env:production")
    gov.deployments.create("churn-api", spec(("churn@champion", 100)), actor="otto")
    with pytest.raises(PolicyViolationError) as refused:
        gov.registry.set_alias("churn", "champion", 2, actor="otto")
    assert "deployments in production route to churn@champion" in refused.value.unmet[0]
    assert not gov.policies.check("churn/2", "env:production").passed
    listed = gov.policies.check("churn/2", "champion")  # lists what moving the alias would need
    assert not listed.passed and "deployments in production route to churn@champion" in listed.gates[0].why
    gov.registry.set_alias("churn", "staging", 2, actor="otto")  # nothing in production follows staging
    gov.approve("churn/2", "env:production")
    assert gov.registry.set_alias("churn", "champion", 2, actor="otto").version == 2


def test_approval_targets_are_aliases_or_environments(gov: Gov) -> None:
    made = gov.approvals.request("churn/1", "env:production", actor="otto")
    assert made.target == "env:production"
    assert [a.id for a in gov.approvals.list(target="env:production")] == [made.id]
    for bad in ("env:", "env:Prod", "env:a b", "latest"):
        with pytest.raises(InvalidInputError):
            gov.approvals.request("churn/1", bad, actor="otto")
    with pytest.raises(InvalidInputError, match="guards something"):
        gov.policies.publish("name: none\ngates: {}\n", actor="root")


# -- deleting a protected alias -----------------------------------------------------------------


def test_a_protected_alias_is_deleted_only_by_an_admin_override_with_a_reason(gov: Gov) -> None:
    gov.registry.set_alias("churn", "champion", 1, actor="otto")
    gov.registry.set_alias("churn", "staging", 1, actor="otto")
    gov.policies.publish(FINDINGS_POLICY, actor="root")
    before = gov.audit()
    for who in ("otto", "root"):  # refused to everyone, admins included, without the override
        with pytest.raises(PolicyViolationError) as refused:
            gov.registry.delete_alias("churn", "champion", actor=who)
        assert refused.value.unmet == [
            "findings:delete: churn@champion is protected; deleting it needs an admin override "
            "(`steward policy override churn champion --delete --reason …`)"
        ]
    assert gov.audit() == before
    gov.registry.delete_alias("churn", "staging", actor="otto")  # unprotected: as before
    with pytest.raises(PermissionDeniedError):
        gov.policies.override("churn", "champion", None, actor="otto", reason="retire")
    with pytest.raises(InvalidInputError, match="reason"):
        gov.policies.override("churn", "champion", None, actor="root", reason="")
    with pytest.raises(NotFoundError, match="no alias 'gone'"):
        gov.policies.override("churn", "gone", None, actor="root", reason="retire")
    event = gov.policies.override("churn", "champion", None, actor="root", reason="model retired")
    assert (event.version, event.previous_version) == (None, 1)
    assert event.reason == "policy override: model retired"
    with gov.store.read() as tx:
        assert tx.models.get_alias("churn", "champion") is None
        override = tx.audit.list(action="policy.override")[0]
    assert override.reason == "model retired" and override.details["unmet"] == [
        "findings:delete: churn@champion is protected"
    ]
    assert gov.audit()[-2:] == ["policy.override churn@champion", "alias.delete churn@champion"]
    assert AuditService(gov.store).verify().ok


def test_versions_already_answering_are_not_rechecked_so_the_kill_switch_always_works(gov: Gov) -> None:
    gov.deployments.create("legacy", spec(("churn/1", 50), ("churn/2", 50)), actor="otto")
    gov.policies.publish(ENV_POLICY, actor="root")  # published after: neither version is approved
    assert gov.deployments.kill("legacy", actor="otto", reason="drift").spec.killed == "drift"
    assert gov.deployments.revive("legacy", actor="otto", reason="fixed").spec.killed is None
    reweighted = gov.deployments.set_weights(
        "legacy", [Route("churn/1", 90), Route("churn/2", 10)], actor="otto"
    )
    assert reweighted.revision == 4
    gov.deployments.update("legacy", spec(("churn/1", 100)), actor="otto")  # dropping one is fine
    with pytest.raises(PolicyViolationError, match="churn/2"):  # a rollback bringing it back is not
        gov.deployments.rollback("legacy", actor="otto")
