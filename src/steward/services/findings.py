"""Findings: reviewers (and admins) open them on a version and close them with a resolution.

Both changes check ``finding.manage`` on the version's model and write their
audit event (``finding.open``, ``finding.close`` on the version) in the same
transaction. Policies' ``findings`` gate reads them (see ``PolicyService``).
"""

from __future__ import annotations

import builtins

from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.core.finding import (
    Finding,
    check_description,
    check_finding_id,
    check_resolution,
    check_severity,
    check_status,
    check_title,
)
from steward.core.permissions import Permission
from steward.core.registry import ModelRef
from steward.ports import Store, Transaction
from steward.services.access import AccessControl
from steward.services.registry import Clock, utcnow


class FindingService:
    def __init__(self, store: Store, access: AccessControl, clock: Clock = utcnow) -> None:
        self.store = store
        self.access = access
        self.clock = clock

    def open(self, ref: str, *, title: str, severity: str, description: str = "", actor: str) -> Finding:
        """Open a finding on version *ref* (``churn/7`` or ``churn@champion``)."""
        parsed = _ref(ref)
        clean_title = check_title(title)
        level = check_severity(severity)
        check_description(description)
        with self.store.write() as tx:
            self.access.require_in(tx, actor, Permission.FINDING, model=parsed.model)
            model, version = _version(tx, parsed)
            at = self.clock()
            finding = tx.findings.open(
                model,
                version,
                title=clean_title,
                severity=level,
                description=description,
                opened_by=actor,
                at=at,
            )
            tx.audit.append(
                AuditEvent(
                    "finding.open",
                    "version",
                    finding.ref,
                    actor,
                    at,
                    after={"id": finding.id, "title": finding.title, "severity": level.value},
                    reason=description,
                )
            )
            return finding

    def close(self, finding_id: int, *, resolution: str, actor: str) -> Finding:
        """Close an open finding with a *resolution*; ConflictError if it is closed already."""
        number = check_finding_id(finding_id)
        check_resolution(resolution)
        with self.store.write() as tx:
            found = tx.findings.get(number, lock=True)
            self.access.require_in(tx, actor, Permission.FINDING, model=found.model)
            if not found.is_open:
                raise ConflictError(
                    f"Finding #{number} was closed by {found.closed_by} ({found.resolution}); "
                    "open a new one if the problem is back."
                )
            at = self.clock()
            closed = tx.findings.close(number, closed_by=actor, at=at, resolution=resolution)
            tx.audit.append(
                AuditEvent(
                    "finding.close",
                    "version",
                    closed.ref,
                    actor,
                    at,
                    before={"id": number, "status": "open"},
                    after={"id": number, "status": "closed", "severity": closed.severity.value},
                    reason=resolution,
                )
            )
            return closed

    def get(self, finding_id: int) -> Finding:
        number = check_finding_id(finding_id)
        with self.store.read() as tx:
            return tx.findings.get(number)

    def list(self, ref: str | None = None, *, status: str | None = None) -> builtins.list[Finding]:
        """Findings of a version (``churn/7``, ``churn@champion``), of a model (``churn``), or all."""
        wanted = check_status(status) if status is not None else None
        with self.store.read() as tx:
            if ref is None:
                return tx.findings.list(status=wanted)
            parsed = ModelRef.parse(ref)
            if parsed.version is None and parsed.alias is None:
                tx.models.get_model(parsed.model)  # NotFoundError for an unknown model
                return tx.findings.list(model=parsed.model, status=wanted)
            model, version = _version(tx, parsed)
            return tx.findings.list(model=model, version=version, status=wanted)


def _ref(ref: object) -> ModelRef:
    if not isinstance(ref, str):
        raise InvalidInputError("A version is text, e.g. churn/7 or churn@champion.")
    parsed = ModelRef.parse(ref)
    if parsed.version is None and parsed.alias is None:
        raise InvalidInputError(f"Name a version, e.g. {parsed.model}/3 or {parsed.model}@champion.")
    return parsed


def _version(tx: Transaction, parsed: ModelRef) -> tuple[str, int]:
    """The model's stored name and the version number *parsed* means now (NotFoundError otherwise)."""
    number = parsed.version
    if parsed.alias is not None:
        number = tx.models.get_alias(parsed.model, parsed.alias)
        if number is None:
            raise NotFoundError(f"Model {parsed.model!r} has no alias {parsed.alias!r}; name a version.")
    assert number is not None
    version = tx.models.get_version(parsed.model, number)
    return version.model, version.version
