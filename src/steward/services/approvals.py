"""Approvals: request one for a version on a target, and reviewers' immutable decisions.

Separation of duties is enforced here: whoever registered the version or
requested the approval cannot decide on it, and each reviewer decides once.
"""

from __future__ import annotations

from steward.core.approval import (
    ApprovalRequest,
    check_comment,
    check_decision,
    check_separation_of_duties,
    check_target,
)
from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError
from steward.core.permissions import Permission
from steward.core.registry import ModelRef, check_model_name, check_version_number
from steward.ports import Store
from steward.services.access import AccessControl
from steward.services.registry import Clock, utcnow


class ApprovalService:
    def __init__(self, store: Store, access: AccessControl, clock: Clock = utcnow) -> None:
        self.store = store
        self.access = access
        self.clock = clock

    def request(self, ref: str, target: str, *, actor: str, reason: str = "") -> ApprovalRequest:
        """Ask reviewers to approve version *ref* (``churn/7``) for *target*: an alias (``champion``)
        or an environment (``env:production``)."""
        parsed = ModelRef.parse(ref)
        if parsed.version is None:
            raise InvalidInputError(f"Approve a numbered version, e.g. {parsed.model}/3, not {ref!r}.")
        target = check_target(target)
        _check_reason(reason)
        with self.store.write() as tx:
            self.access.require_in(tx, actor, Permission.REQUEST_APPROVAL, model=parsed.model)
            tx.models.get_version(parsed.model, parsed.version)
            at = self.clock()
            request = tx.approvals.create(
                parsed.model, parsed.version, target, requested_by=actor, at=at, reason=reason
            )
            tx.audit.append(
                AuditEvent(
                    "approval.request",
                    "version",
                    request.ref,
                    actor,
                    at,
                    after={"id": request.id, "target": target},
                    reason=reason,
                )
            )
            return request

    def decide(self, request_id: int, decision: str, *, actor: str, comment: str = "") -> ApprovalRequest:
        """Approve or reject; refused to the requester, the version's registrant, and a second time."""
        if isinstance(request_id, bool) or not isinstance(request_id, int) or request_id < 1:
            raise InvalidInputError(
                f"Invalid approval id {request_id!r}: `steward approvals list` shows them."
            )
        choice = check_decision(decision)
        check_comment(comment)
        with self.store.write() as tx:
            request = tx.approvals.get(request_id, lock=True)
            self.access.require_in(tx, actor, Permission.APPROVE, model=request.model)
            version = tx.models.get_version(request.model, request.version)
            check_separation_of_duties(request, actor, version.created_by)
            if request.rejected:
                raise ConflictError(
                    f"Approval #{request_id} was rejected; request a new one after fixing it."
                )
            at = self.clock()
            tx.approvals.decide(request_id, actor, choice, comment, at)
            tx.audit.append(
                AuditEvent(
                    f"approval.{choice.value}",
                    "version",
                    request.ref,
                    actor,
                    at,
                    after={"id": request_id, "target": request.target, "decision": choice.value},
                    reason=comment,
                )
            )
            return tx.approvals.get(request_id)

    def get(self, request_id: int) -> ApprovalRequest:
        with self.store.read() as tx:
            return tx.approvals.get(request_id)

    def list(
        self, *, model: str | None = None, version: int | None = None, target: str | None = None
    ) -> list[ApprovalRequest]:
        if model is not None:
            check_model_name(model)
        number = check_version_number(version) if version is not None else None
        if target is not None:
            check_target(target)
        with self.store.read() as tx:
            return tx.approvals.list(model=model, version=number, target=target)


def _check_reason(text: str) -> None:
    if not isinstance(text, str) or len(text) > 1000:
        raise InvalidInputError("A reason is text of at most 1000 characters.")
