"""Policies as code: publish them, check a version against them, enforce them on alias moves.

Every path that moves or deletes a protected alias goes through :meth:`PolicyService.enforce_in`
inside its write transaction (``RegistryService`` calls it), so a version that fails
a gate cannot reach the alias by any adapter, and a protected alias is deleted only by an
admin override. An admin may override with a reason; the override is audited and recorded
on the alias move. Deployments that declare an environment go through
:meth:`PolicyService.enforce_environment_in` (``DeploymentService`` calls it), and an alias
move checks the environments of the deployments that route to the alias too.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from steward.core.approval import ENV_PREFIX, ApprovalRequest, check_target
from steward.core.audit import AuditEvent
from steward.core.deployment import Deployment
from steward.core.errors import InvalidInputError, NotFoundError, PolicyViolationError
from steward.core.finding import blocking
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
        """Every gate guarding *alias* (or target ``env:NAME``) for version *ref*: pass/fail and why.

        For an alias this includes the gates of guarded environments whose deployments follow it,
        as moving the alias would (:meth:`enforce_in`)."""
        parsed = ModelRef.parse(ref)
        check_target(alias)
        with self.store.read() as tx:
            version = _number(tx, parsed)
            result = self.evaluate_in(tx, parsed.model, version, alias)
            if alias.startswith(ENV_PREFIX):
                return result
            followers = self._deployment_gates(tx, parsed.model, version, alias)
            return PolicyCheck(result.model, version, alias, result.gates + tuple(followers))

    def evaluate_in(self, tx: Transaction, model: str, version: int, alias: str) -> PolicyCheck:
        gates: list[GateResult] = []
        for policy in tx.policies.current():
            if policy.document.guards(model, alias):
                gates.extend(self._gates(tx, policy.document, model, version, alias))
        return PolicyCheck(model, version, alias, tuple(gates))

    def enforce_in(self, tx: Transaction, model: str, version: int | None, alias: str) -> PolicyCheck:
        """PolicyViolationError listing the unmet gates unless *version* may take *alias*.

        ``version=None`` is a delete: refused for a protected alias (only an admin override deletes
        one). A move also passes the environment policies of every deployment routing to the alias.
        """
        if version is None:
            guarding = [p.name for p in tx.policies.current() if p.document.guards(model, alias)]
            if guarding and tx.models.get_alias(model, alias) is not None:
                unmet = [
                    f"{name}:delete: {model}@{alias} is protected; deleting it needs an admin override "
                    f"(`steward policy override {model} {alias} --delete --reason …`)"
                    for name in guarding
                ]
                raise PolicyViolationError(
                    f"Policy refuses deleting {model}@{alias}: it is protected by {', '.join(guarding)}.",
                    unmet,
                )
            return PolicyCheck(model, 0, alias)
        gates = self.evaluate_in(tx, model, version, alias).gates
        result = PolicyCheck(
            model, version, alias, gates + tuple(self._deployment_gates(tx, model, version, alias))
        )
        if not result.passed:
            raise PolicyViolationError(
                f"Policy refuses moving {model}@{alias} to version {version}: "
                f"{len(result.unmet)} gate(s) unmet. See `steward policy check {model}/{version} "
                f"--alias {alias}`.",
                result.unmet,
            )
        return result

    def enforce_environment_in(
        self, tx: Transaction, environment: str, versions: Sequence[tuple[str, int]], *, deployment: str
    ) -> None:
        """PolicyViolationError unless every version (model, number) passes the gates guarding
        ``env:environment``: deploying to a guarded environment needs what its policies ask."""
        target = ENV_PREFIX + environment
        unmet: builtins.list[str] = []
        failing: builtins.list[str] = []
        for model, version in sorted(set(versions)):
            check = self.evaluate_in(tx, model, version, target)
            if not check.passed:
                failing.append(f"{model}/{version}")
                unmet.extend(f"{model}/{version}: {line}" for line in check.unmet)
        if unmet:
            raise PolicyViolationError(
                f"Policy refuses {', '.join(failing)} in environment {environment!r} (deployment "
                f"{deployment!r}): {len(unmet)} gate(s) unmet. See `steward policy check "
                f"{failing[0]} --alias {target}`.",
                unmet,
            )

    def _deployment_gates(
        self, tx: Transaction, model: str, version: int, alias: str
    ) -> builtins.list[GateResult]:
        """The gates of the environments of deployments that route to ``model@alias`` (they follow it)."""
        ref = f"{model}@{alias}"
        results: builtins.list[GateResult] = []
        if not any(p.document.environments for p in tx.policies.current()):
            return results  # no environment is guarded: no need to read the deployments
        environments = {d.spec.environment for d in tx.deployments.list() if _serves(d, ref)}
        for environment in sorted(e for e in environments if e is not None):
            for gate in self.evaluate_in(tx, model, version, ENV_PREFIX + environment).gates:
                why = f"{gate.why} (deployments in {environment} route to {ref})"
                results.append(GateResult(gate.gate, gate.policy, gate.passed, why))
        return results

    def override(
        self, model: str, alias: str, version: int | str | None, *, actor: str, reason: str
    ) -> AliasEvent:
        """Move (``version=None``: delete) a protected alias although gates fail: admins only,
        with a reason; audited."""
        check_model_name(model)
        check_alias(alias)
        number = check_version_number(version) if version is not None else None
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
            raise InvalidInputError("An override needs a reason (at most 1000 characters): say why.")
        with self.store.write() as tx:
            self.access.require_in(tx, actor, Permission.OVERRIDE, model=model)
            if number is None:
                unmet = [
                    f"{p.name}:delete: {model}@{alias} is protected"
                    for p in tx.policies.current()
                    if p.document.guards(model, alias)
                ]
                if tx.models.get_alias(model, alias) is None:
                    raise NotFoundError(f"Model {model!r} has no alias {alias!r} to delete.")
            else:
                gates = self.evaluate_in(tx, model, number, alias).gates
                gates += tuple(self._deployment_gates(tx, model, number, alias))
                unmet = PolicyCheck(model, number, alias, gates).unmet
            at = self.clock()
            event = tx.models.set_alias(
                model, alias, number, actor=actor, at=at, reason=f"policy override: {reason}"
            )
            details = {"override": True, "unmet": unmet}
            for action, why in (
                ("policy.override", reason),
                ("alias.delete" if number is None else "alias.set", event.reason),
            ):
                tx.audit.append(
                    AuditEvent(
                        action,
                        "alias",
                        f"{model}@{alias}",
                        actor,
                        at,
                        before={"version": event.previous_version},
                        after={"version": number},
                        reason=why,
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
        if policy.findings is not None:
            level = policy.findings.severity
            found = blocking(tx.findings.list(model=model, version=version), level)
            why = (
                f"{len(found)} open finding(s) at or above {level.value}: "
                + "; ".join(f"#{f.id} {f.severity.value}: {f.title}" for f in found[:5])
                + "; close them with `steward findings close ID --resolution …`"
                if found
                else f"no open finding at or above {level.value}"
            )
            results.append(GateResult("findings", policy.name, not found, why))
        if policy.monitoring_reference is not None:
            results.append(self._reference_gate(tx, policy.name, model, version))
        return results

    def _reference_gate(self, tx: Transaction, policy: str, model: str, version: int) -> GateResult:
        try:
            info = tx.monitoring.get_reference(model, version)[0]
        except NotFoundError:
            why = (
                "the version has no monitoring reference; set one with "
                f"`steward monitor set-reference {model}/{version} DATA`"
            )
            return GateResult("monitoring_reference", policy, False, why)
        why = f"monitoring reference of {info.rows} rows set by {info.created_by}"
        return GateResult("monitoring_reference", policy, True, why)

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


def _serves(deployment: Deployment, ref: str) -> bool:
    """Whether *deployment* answers with *ref* (a route or its fallback)."""
    spec = deployment.spec
    return ref in [r.ref for r in spec.routes] or spec.fallback == ref
