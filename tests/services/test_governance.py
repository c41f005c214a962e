"""Governance services on real stores: roles, tokens, approvals with separation of duties, policy gates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from steward.artifacts import open_artifact_store
from steward.core.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    PolicyViolationError,
)
from steward.services.access import AccessControl
from steward.services.approvals import ApprovalService
from steward.services.audit import AuditService
from steward.services.identity import IdentityService
from steward.services.policies import PolicyService
from steward.services.registry import RegistryService
from steward.store import SqlStore
from tests.store.builders import T0, create, draft, register

POLICY = """
name: production
aliases: [champion]
gates:
  approvals: {role: reviewer, quorum: 2}
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Gov:
    store: SqlStore
    clock: Clock
    access: AccessControl
    identities: IdentityService
    approvals: ApprovalService
    policies: PolicyService
    registry: RegistryService

    def audit_count(self) -> int:
        with self.store.read() as tx:
            return len(tx.audit.list(limit=10_000))


@pytest.fixture
def gov(store: SqlStore, tmp_path: object) -> Gov:
    """Auth on; admin 'root'; reviewers 'rita', 'rob'; contributor 'carl' registered churn/1."""
    clock = Clock()
    access = AccessControl(store, enabled=True)
    identities = IdentityService(store, access, clock)
    policies = PolicyService(store, access, clock=clock)
    artifacts = open_artifact_store(str(tmp_path))
    registry = RegistryService(store, artifacts, clock, access=access, gate=policies)
    identities.create_user("root", actor="bootstrap", role="admin")
    for name, role in (
        ("rita", "reviewer"),
        ("rob", "reviewer"),
        ("carl", "contributor"),
        ("otto", "operator"),
    ):
        identities.create_user(name, actor="root", role=role)
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn", 1), by="carl")
        register(tx, draft("churn", 2), by="carl")
    return Gov(store, clock, access, identities, ApprovalService(store, access, clock), policies, registry)


def test_only_the_first_admin_bootstraps_itself(gov: Gov) -> None:
    with pytest.raises(PermissionDeniedError, match=r"identity\.manage"):
        gov.identities.create_user("eve", actor="eve", role="admin")
    assert [p.name for p in gov.identities.list_users()] == ["carl", "otto", "rita", "rob", "root"]


def test_roles_decide_who_may_register_and_move_aliases(gov: Gov) -> None:
    before = gov.audit_count()
    with pytest.raises(PermissionDeniedError, match="contributor or admin"):
        gov.registry.create_model("fraud", actor="rita")
    with pytest.raises(PermissionDeniedError, match="operator or admin"):
        gov.registry.set_alias("churn", "staging", 1, actor="carl")
    assert gov.audit_count() == before  # nothing written
    gov.registry.set_alias("churn", "staging", 1, actor="otto")
    gov.registry.create_model("fraud", actor="carl")


def test_a_grant_scoped_to_a_model_allows_that_model_only(gov: Gov) -> None:
    gov.identities.create_user("mia", actor="root")
    gov.identities.grant("mia", "operator", actor="root", model="churn")
    gov.registry.set_alias("churn", "staging", 1, actor="mia")
    with gov.store.write() as tx:
        create(tx, "fraud")
        register(tx, draft("fraud", 3))
    with pytest.raises(PermissionDeniedError, match="on model 'fraud'"):
        gov.registry.set_alias("fraud", "staging", 1, actor="mia")
    gov.identities.revoke("mia", "operator", actor="root", model="churn")
    with pytest.raises(PermissionDeniedError):
        gov.registry.set_alias("churn", "staging", 2, actor="mia")


def test_tokens_are_shown_once_stored_hashed_and_revocable(gov: Gov) -> None:
    issued = gov.identities.create_token("rita", actor="rita", name="laptop", expires_in_days=1)
    assert issued.secret.startswith("stw_") and len(issued.secret) > 40
    assert gov.identities.authenticate(issued.secret) == "rita"
    with gov.store.read() as tx:
        stored = tx.identities.list_tokens("rita")
        assert stored and all(issued.secret not in str(t) for t in stored)
    with pytest.raises(AuthenticationError, match="not valid"):
        gov.identities.authenticate(issued.secret + "x")
    with pytest.raises(PermissionDeniedError):
        gov.identities.revoke_token(issued.info.id, actor="rob")  # not yours, not an admin
    gov.identities.revoke_token(issued.info.id, actor="rita")
    with pytest.raises(AuthenticationError, match="revoked"):
        gov.identities.authenticate(issued.secret)
    with pytest.raises(ConflictError):
        gov.identities.revoke_token(issued.info.id, actor="root")


def test_an_expired_token_is_refused(gov: Gov) -> None:
    issued = gov.identities.create_token("rob", actor="root", expires_in_days=1)
    gov.clock.now += timedelta(days=1, seconds=1)
    with pytest.raises(AuthenticationError, match="expired"):
        gov.identities.authenticate(issued.secret)


def test_the_last_admin_cannot_be_revoked(gov: Gov) -> None:
    with pytest.raises(InvalidInputError, match="last admin"):
        gov.identities.revoke("root", "admin", actor="root")


def test_separation_of_duties(gov: Gov) -> None:
    request = gov.approvals.request("churn/1", "champion", actor="otto")
    gov.identities.grant("otto", "reviewer", actor="root")
    gov.identities.grant("carl", "reviewer", actor="root")
    before = gov.audit_count()
    with pytest.raises(PermissionDeniedError, match="requested approval"):
        gov.approvals.decide(request.id, "approve", actor="otto")
    with pytest.raises(PermissionDeniedError, match="registered churn/1"):
        gov.approvals.decide(request.id, "approve", actor="carl")
    assert gov.audit_count() == before
    decided = gov.approvals.decide(request.id, "approve", actor="rita", comment="looks good")
    assert decided.approvers == ("rita",)
    with pytest.raises(PermissionDeniedError, match="already decided"):
        gov.approvals.decide(request.id, "reject", actor="rita")
    with pytest.raises(PermissionDeniedError, match=r"approval\.decide"):
        gov.approvals.decide(request.id, "approve", actor="nobody")


def test_a_policy_guards_its_alias_until_a_quorum_of_two_distinct_reviewers(gov: Gov) -> None:
    gov.policies.publish(POLICY, actor="root")
    with pytest.raises(PolicyViolationError) as refused:
        gov.registry.set_alias("churn", "champion", 1, actor="otto")
    assert refused.value.unmet == [
        "production:approvals: 0 of 2 approval(s) by a reviewer; request one with "
        "`steward approvals request churn/1 --target champion`"
    ]
    first = gov.approvals.request("churn/1", "champion", actor="otto")
    second = gov.approvals.request("churn/1", "champion", actor="otto")
    gov.approvals.decide(first.id, "approve", actor="rita")
    gov.approvals.decide(second.id, "approve", actor="rita")  # the same reviewer twice counts once
    check = gov.policies.check("churn/1", "champion")
    assert not check.passed and "1 of 2" in check.gates[0].why
    with pytest.raises(PolicyViolationError):
        gov.registry.set_alias("churn", "champion", 1, actor="otto")
    gov.approvals.decide(first.id, "approve", actor="rob")
    assert gov.policies.check("churn/1", "champion").passed
    gov.registry.set_alias("churn", "champion", 1, actor="otto")
    # another version has no approvals; a rollback to it is gated too
    with pytest.raises(PolicyViolationError):
        gov.registry.set_alias("churn", "champion", 2, actor="otto")
    gov.registry.set_alias("churn", "staging", 2, actor="otto")  # unprotected aliases move freely


def test_policies_are_versioned_and_the_newest_applies(gov: Gov) -> None:
    first = gov.policies.publish(POLICY, actor="root")
    second = gov.policies.publish(POLICY.replace("quorum: 2", "quorum: 1"), actor="root")
    assert (first.version, second.version) == (1, 2)
    assert gov.policies.get("production", 1).document.approvals.quorum == 2  # type: ignore[union-attr]
    assert [p.version for p in gov.policies.list()] == [2]
    with pytest.raises(PermissionDeniedError):
        gov.policies.publish(POLICY, actor="rita")
    with pytest.raises(InvalidInputError, match="Unknown gates"):
        gov.policies.publish("name: x\naliases: [champion]\ngates: {open_findings: {}}\n", actor="root")


def test_validation_and_risk_tier_gates_say_why(gov: Gov) -> None:
    gov.policies.publish(
        "name: strict\naliases: [champion]\ngates:\n  validation: {checks: [accuracy]}\n"
        "  risk_tier: {allowed: [low]}\n",
        actor="root",
    )
    check = gov.policies.check("churn/1", "champion")
    whys = {g.gate: (g.passed, g.why) for g in check.gates}
    assert whys["validation"] == (False, "no validation results available for accuracy")
    assert whys["risk_tier"] == (False, "the model has no risk_tier tag (allowed: low)")
    gov.registry.update_model("churn", actor="carl", tags={"risk_tier": "low"})
    assert gov.policies.check("churn/1", "champion").gates[1].passed


def test_an_admin_override_needs_a_reason_and_is_audited(gov: Gov) -> None:
    gov.policies.publish(POLICY, actor="root")
    with pytest.raises(PermissionDeniedError):
        gov.policies.override("churn", "champion", 1, actor="otto", reason="urgent")
    with pytest.raises(InvalidInputError, match="reason"):
        gov.policies.override("churn", "champion", 1, actor="root", reason=" ")
    event = gov.policies.override("churn", "champion", 1, actor="root", reason="incident 42")
    assert event.version == 1 and event.reason == "policy override: incident 42"
    with gov.store.read() as tx:
        overrides = tx.audit.list(action="policy.override")
    assert overrides[0].details["unmet"] and overrides[0].reason == "incident 42"
    assert AuditService(gov.store).verify().ok


def test_only_current_holders_of_the_role_or_admins_count_towards_a_quorum(gov: Gov) -> None:
    gov.policies.publish(POLICY, actor="root")
    request = gov.approvals.request("churn/1", "champion", actor="otto")
    gov.approvals.decide(request.id, "approve", actor="rita")
    gov.approvals.decide(request.id, "approve", actor="root")  # a global admin counts
    assert gov.policies.check("churn/1", "champion").passed
    gov.identities.revoke("rita", "reviewer", actor="root")  # her approval stops counting
    check = gov.policies.check("churn/1", "champion")
    assert not check.passed and "1 of 2" in check.gates[0].why and "root" in check.gates[0].why
