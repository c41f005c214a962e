"""Policies as code: YAML documents that guard aliases, and their gates.

A policy names the aliases it protects (optionally only on some models) and
the gates a version must pass before any of them may point at it::

    name: production
    description: What may serve as champion.
    aliases: [champion]
    models: [churn, fraud]          # optional; every model when absent
    gates:
      approvals: {role: reviewer, quorum: 2}
      validation: {checks: [accuracy, drift]}
      risk_tier: {tag: risk_tier, allowed: [low, medium]}
      model_card: {status: approved}  # the version's model card is approved
      findings: {severity: high}      # no open finding at or above high
      monitoring_reference: {}        # the version has a monitoring reference

A policy may also guard environments (``environments: [production]``): the
target ``env:production`` of approval requests and of deployments declaring that
environment. It needs at least one alias or environment.

Published policies are immutable and versioned: publishing the same name
again makes the next version, which then applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from steward.core.approval import ENV_PREFIX, check_environment
from steward.core.errors import InvalidInputError
from steward.core.finding import Severity, check_severity
from steward.core.permissions import Role, check_role

POLICY_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
KNOWN_KEYS = {"name", "description", "aliases", "environments", "models", "gates"}
KNOWN_GATES = {"approvals", "validation", "risk_tier", "model_card", "findings", "monitoring_reference"}
SOURCE_MAX = 100_000


@dataclass(frozen=True)
class ApprovalGate:
    role: Role = Role.REVIEWER
    quorum: int = 1


@dataclass(frozen=True)
class ValidationGate:
    checks: tuple[str, ...]


@dataclass(frozen=True)
class RiskTierGate:
    allowed: tuple[str, ...]
    tag: str = "risk_tier"


@dataclass(frozen=True)
class ModelCardGate:
    """The version's model card must have this status (only ``approved`` is a meaningful bar)."""

    status: str = "approved"


@dataclass(frozen=True)
class FindingsGate:
    """No open finding at or above ``severity`` on the version."""

    severity: Severity = Severity.HIGH


@dataclass(frozen=True)
class MonitoringReferenceGate:
    """The version has a monitoring reference (``steward monitor reference``)."""


@dataclass(frozen=True)
class PolicyDocument:
    name: str
    aliases: tuple[str, ...]
    models: tuple[str, ...] = ()
    description: str = ""
    approvals: ApprovalGate | None = None
    validation: ValidationGate | None = None
    risk_tier: RiskTierGate | None = None
    model_card: ModelCardGate | None = None
    environments: tuple[str, ...] = ()
    findings: FindingsGate | None = None
    monitoring_reference: MonitoringReferenceGate | None = None

    def guards(self, model: str, target: str) -> bool:
        """Whether this policy guards *target* (an alias, or ``env:NAME``) on *model*."""
        if self.models and model not in self.models:
            return False
        if target.startswith(ENV_PREFIX):
            return target[len(ENV_PREFIX) :] in self.environments
        return target in self.aliases

    @property
    def targets(self) -> tuple[str, ...]:
        """The aliases and ``env:`` targets this policy guards."""
        return self.aliases + tuple(ENV_PREFIX + e for e in self.environments)

    def to_dict(self) -> dict[str, Any]:
        gates: dict[str, Any] = {}
        if self.approvals is not None:
            gates["approvals"] = {"role": self.approvals.role.value, "quorum": self.approvals.quorum}
        if self.validation is not None:
            gates["validation"] = {"checks": list(self.validation.checks)}
        if self.risk_tier is not None:
            gates["risk_tier"] = {"tag": self.risk_tier.tag, "allowed": list(self.risk_tier.allowed)}
        if self.model_card is not None:
            gates["model_card"] = {"status": self.model_card.status}
        if self.findings is not None:
            gates["findings"] = {"severity": self.findings.severity.value}
        if self.monitoring_reference is not None:
            gates["monitoring_reference"] = {}
        return {
            "name": self.name,
            "description": self.description,
            "aliases": list(self.aliases),
            **({"environments": list(self.environments)} if self.environments else {}),
            "models": list(self.models),
            "gates": gates,
        }


@dataclass(frozen=True)
class Policy:
    """A published version of a policy."""

    document: PolicyDocument
    version: int
    source: str
    published_by: str
    published_at: datetime

    @property
    def name(self) -> str:
        return self.document.name


@dataclass(frozen=True)
class GateResult:
    gate: str  # "approvals", "validation", "risk_tier", "model_card", "findings", "monitoring_reference"
    policy: str
    passed: bool
    why: str

    @property
    def label(self) -> str:
        return f"{self.policy}:{self.gate}"


@dataclass(frozen=True)
class PolicyCheck:
    """Every gate guarding ``model/version`` on ``alias`` (an alias, or a target ``env:NAME``)."""

    model: str
    version: int
    alias: str
    gates: tuple[GateResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    @property
    def unmet(self) -> list[str]:
        return [f"{g.label}: {g.why}" for g in self.gates if not g.passed]


def parse_policy(source: str) -> PolicyDocument:
    """Parse and check a policy's YAML; InvalidInputError says what to fix."""
    if not isinstance(source, str) or len(source) > SOURCE_MAX:
        raise InvalidInputError(f"A policy is YAML text of at most {SOURCE_MAX} characters.")
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"The policy is not valid YAML: {exc}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise InvalidInputError("A policy is a YAML mapping with name, aliases and gates.")
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise InvalidInputError(f"Unknown policy keys {sorted(unknown)}: use {sorted(KNOWN_KEYS)}.")
    name = data.get("name")
    if not isinstance(name, str) or not POLICY_NAME_RE.match(name):
        raise InvalidInputError("A policy needs a name: 1-128 letters, digits, '.', '_' or '-'.")
    aliases = _names(data.get("aliases"), "aliases", required=False)
    environments = tuple(
        check_environment(e) for e in _names(data.get("environments"), "environments", required=False)
    )
    if not aliases and not environments:
        raise InvalidInputError(
            "A policy guards something: name aliases (aliases: [champion]) and/or "
            "environments (environments: [production])."
        )
    models = _names(data.get("models"), "models", required=False)
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise InvalidInputError("A policy's description is text.")
    gates = data.get("gates") or {}
    if not isinstance(gates, dict):
        raise InvalidInputError("A policy's gates are a mapping, e.g. gates: {approvals: {quorum: 2}}.")
    unknown = set(gates) - KNOWN_GATES
    if unknown:
        raise InvalidInputError(
            f"Unknown gates {sorted(unknown)}: this version supports {sorted(KNOWN_GATES)}."
        )
    return PolicyDocument(
        name=name,
        aliases=aliases,
        models=models,
        description=description,
        approvals=_approvals(gates["approvals"]) if "approvals" in gates else None,
        validation=_validation(gates["validation"]) if "validation" in gates else None,
        risk_tier=_risk_tier(gates["risk_tier"]) if "risk_tier" in gates else None,
        model_card=_model_card(gates["model_card"]) if "model_card" in gates else None,
        environments=environments,
        findings=_findings(gates["findings"]) if "findings" in gates else None,
        monitoring_reference=(
            _monitoring_reference(gates["monitoring_reference"]) if "monitoring_reference" in gates else None
        ),
    )


def document_from_dict(data: dict[str, Any]) -> PolicyDocument:
    """A document as :meth:`PolicyDocument.to_dict` wrote it."""
    return parse_policy(yaml.safe_dump(data))


def _names(value: Any, what: str, *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or (required and not value) or not all(isinstance(v, str) for v in value):
        raise InvalidInputError(f"A policy's {what} are a list of names, e.g. {what}: [champion].")
    return tuple(value)


def _approvals(value: Any) -> ApprovalGate:
    if not isinstance(value, dict) or set(value) - {"role", "quorum"}:
        raise InvalidInputError("The approvals gate is {role: reviewer, quorum: N}.")
    quorum = value.get("quorum", 1)
    if isinstance(quorum, bool) or not isinstance(quorum, int) or not 1 <= quorum <= 20:
        raise InvalidInputError(f"The approvals quorum is a whole number from 1 to 20, got {quorum!r}.")
    return ApprovalGate(role=check_role(str(value.get("role", "reviewer"))), quorum=quorum)


def _validation(value: Any) -> ValidationGate:
    checks = value.get("checks") if isinstance(value, dict) else None
    if not isinstance(checks, list) or not checks or not all(isinstance(c, str) for c in checks):
        raise InvalidInputError(
            "The validation gate is {checks: [name, …]} naming the checks that must pass."
        )
    return ValidationGate(tuple(checks))


def _risk_tier(value: Any) -> RiskTierGate:
    allowed = value.get("allowed") if isinstance(value, dict) else None
    tag = value.get("tag", "risk_tier") if isinstance(value, dict) else None
    if not isinstance(allowed, list) or not allowed or not isinstance(tag, str):
        raise InvalidInputError("The risk_tier gate is {tag: risk_tier, allowed: [low, medium]}.")
    return RiskTierGate(allowed=tuple(str(a) for a in allowed), tag=tag)


def _model_card(value: Any) -> ModelCardGate:
    value = {} if value is None else value
    if (
        not isinstance(value, dict)
        or set(value) - {"status"}
        or value.get("status", "approved") != "approved"
    ):
        raise InvalidInputError(
            "The model_card gate is {status: approved} (or {}): the card must be approved."
        )
    return ModelCardGate()


def _findings(value: Any) -> FindingsGate:
    value = {} if value is None else value
    if not isinstance(value, dict) or set(value) - {"severity"}:
        raise InvalidInputError(
            "The findings gate is {severity: high}: no open finding at or above that severity "
            "(low, medium, high, critical)."
        )
    return FindingsGate(check_severity(value.get("severity", "high")))


def _monitoring_reference(value: Any) -> MonitoringReferenceGate:
    if value not in (None, {}):
        raise InvalidInputError("The monitoring_reference gate takes no settings: monitoring_reference: {}.")
    return MonitoringReferenceGate()
