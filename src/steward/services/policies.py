"""Policies as code: publish them, check a version against them, enforce them on alias moves.

Every path that moves a protected alias goes through :meth:`PolicyService.enforce_in`
inside its write transaction (``RegistryService`` calls it), so a version that fails
a gate cannot reach the alias by any adapter. An admin may override with a reason;
the override is audited and recorded on the alias move.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from steward.core.approval import ApprovalRequest
from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError, PolicyViolationError
from steward.core.permissions import Permission, Role
from steward.core.policy import GateResult, Policy, PolicyCheck, PolicyDocument, parse_policy
from steward.core.registry import AliasEvent, ModelRef, check_alias, check_model_name, check_version_number
from steward.ports import Store, Transaction, ValidationResults
from steward.services.access import AccessControl
from steward.services.registry import Clock, utcnow


class NoValidationResults:
    """The default ``ValidationResults``: none are available (the validation feature provides them)."""

    def latest_passed(self, model: str, version: int, checks: Sequence[str]) -> bool | None:
        return None


class PolicyService:
    def __init__(
        self,
        store: Store,
        access: AccessControl,
        validation: ValidationResults | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.access = access
        self.validation = validation or NoValidationResults()
        self.clock = clock

    def publish(self, source: str, *, actor: str) -> Policy:
        """Publish YAML *source* as the next (immutable) version of the policy it names."""
        document = parse_policy(source)
        with self.store.write() as tx:
            self.access.require_in(tx, actor, Permission.POLICY)
            at = self.clock()
            policy = tx.policies.publish(document, source=source, published_by=actor, at=at)
            tx.audit.append(
                AuditEvent(
                    "policy.publish",
                    "policy",
                    policy.name,
                    actor,
                    at,
                    after={"version": policy.version, **document.to_dict()},
                )
            )
            return policy

    def get(self, name: str, version: int | None = None) -> Policy:
        number = check_version_number(version) if version is not None else None
        with self.store.read() as tx:
            return tx.policies.get(name, number)

    def list(self) -> list[Policy]:
        """The version of every policy that applies now (the newest)."""
        with self.store.read() as tx:
            return tx.policies.current()

    def check(self, ref: str, alias: str) -> PolicyCheck:
        """Every gate guarding *alias* for version *ref*, with pass/fail and why."""
        parsed = ModelRef.parse(ref)
        check_alias(alias)
        with self.store.read() as tx:
            version = _number(tx, parsed)
            return self.evaluate_in(tx, parsed.model, version, alias)

    def evaluate_in(self, tx: Transaction, model: str, version: int, alias: str) -> PolicyCheck:
        gates: list[GateResult] = []
        for policy in tx.policies.current():
            if policy.document.guards(model, alias):
                gates.extend(self._gates(tx, policy.document, model, version, alias))
        return PolicyCheck(model, version, alias, tuple(gates))

    def enforce_in(self, tx: Transaction, model: str, version: int, alias: str) -> PolicyCheck:
        """PolicyViolationError listing the unmet gates unless *version* may take *alias*."""
        result = self.evaluate_in(tx, model, version, alias)
        if not result.passed:
            raise PolicyViolationError(
                f"Policy refuses moving {model}@{alias} to version {version}: "
                f"{len(result.unmet)} gate(s) unmet. See `steward policy check {model}/{version} "
                f"--alias {alias}`.",
                result.unmet,
            )
        return result

    def override(self, model: str, alias: str, version: int | str, *, actor: str, reason: str) -> AliasEvent:
        """Move a protected alias although gates fail: admins only, with a reason; audited."""
        check_model_name(model)
        check_alias(alias)
        number = check_version_number(version)
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
            raise InvalidInputError("An override needs a reason (at most 1000 characters): say why.")
        with self.store.write() as tx:
            self.access.require_in(tx, actor, Permission.OVERRIDE, model=model)
            result = self.evaluate_in(tx, model, number, alias)
            at = self.clock()
            event = tx.models.set_alias(
                model, alias, number, actor=actor, at=at, reason=f"policy override: {reason}"
            )
            details = {"override": True, "unmet": result.unmet}
            tx.audit.append(
                AuditEvent(
                    "policy.override",
                    "alias",
                    f"{model}@{alias}",
                    actor,
                    at,
                    before={"version": event.previous_version},
                    after={"version": number},
                    reason=reason,
                    details=details,
                )
            )
            tx.audit.append(
                AuditEvent(
                    "alias.set",
                    "alias",
                    f"{model}@{alias}",
                    actor,
                    at,
                    before={"version": event.previous_version},
                    after={"version": number},
                    reason=event.reason,
                    details=details,
                )
            )
            return event

    # -- gates ----------------------------------------------------------------

    def _gates(
        self, tx: Transaction, policy: PolicyDocument, model: str, version: int, alias: str
    ) -> builtins.list[GateResult]:
        results = []
        if policy.approvals is not None:
            gate = policy.approvals
            requests = tx.approvals.list(model=model, version=version, target=alias)
            approvers = self._approvers(tx, requests, model, gate.role)
            ok = len(approvers) >= gate.quorum
            why = f"{len(approvers)} of {gate.quorum} approval(s) by a {gate.role.value}" + (
                f" ({', '.join(sorted(approvers))})" if approvers else ""
            )
            if not requests:
                why += f"; request one with `steward approvals request {model}/{version} --target {alias}`"
            results.append(GateResult("approvals", policy.name, ok, why))
        if policy.validation is not None:
            checks = policy.validation.checks
            passed = self.validation.latest_passed(model, version, checks)
            why = {
                True: f"checks passed: {', '.join(checks)}",
                False: f"a required check failed: {', '.join(checks)}",
                None: f"no validation results available for {', '.join(checks)}",
            }[passed]
            results.append(GateResult("validation", policy.name, passed is True, why))
        if policy.risk_tier is not None:
            gate_tier = policy.risk_tier
            tier = tx.models.get_model(model).tags.get(gate_tier.tag)
            ok = tier in gate_tier.allowed
            why = (
                f"model tag {gate_tier.tag}={tier!r}"
                if tier is not None
                else f"the model has no {gate_tier.tag} tag"
            ) + f" (allowed: {', '.join(gate_tier.allowed)})"
            results.append(GateResult("risk_tier", policy.name, ok, why))
        if policy.model_card is not None:
            card = tx.cards.find(model, version)
            status = card.status.value if card else None
            ok = status == policy.model_card.status
            why = f"model card is {status}" if status else "the version has no model card"
            if not ok:
                why += f"; review it with `steward card submit {model}/{version}` and `steward card approve`"
            results.append(GateResult("model_card", policy.name, ok, why))
        return results

    def _approvers(
        self, tx: Transaction, requests: builtins.list[ApprovalRequest], model: str, role: Role
    ) -> set[str]:
        """Distinct people who approved an unrejected request and hold the gate's role (or admin) now."""
        approvers: set[str] = set()
        for request in requests:
            if request.rejected:
                continue
            for name in request.approvers:
                if not self.access.enabled or any(
                    (g.role == role and (g.model is None or g.model == model))
                    or (g.role is Role.ADMIN and g.model is None)
                    for g in tx.identities.grants_of(name)
                ):
                    approvers.add(name)
        return approvers


def _number(tx: Transaction, ref: ModelRef) -> int:
    if ref.version is not None:
        return tx.models.get_version(ref.model, ref.version).version
    if ref.alias is not None:
        found = tx.models.get_alias(ref.model, ref.alias)
        if found is None:
            raise InvalidInputError(f"Model {ref.model!r} has no alias {ref.alias!r}; name a version.")
        return found
    return tx.models.get_model(ref.model).latest_version
