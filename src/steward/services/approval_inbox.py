"""The approvals inbox: which requests still wait for decisions, and whether someone may decide each.

A request is open until someone rejects it or it has as many approvals as the
policies guarding its target ask for (the largest ``approvals.quorum`` among
them; one approval when no policy asks). Whether a reviewer may decide follows
the same rules as :meth:`ApprovalService.decide`: the approve permission on the
model, and separation of duties (not the requester, not the registrant, once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from steward.core.approval import ApprovalRequest, check_separation_of_duties
from steward.core.errors import InvalidInputError, PermissionDeniedError
from steward.core.permissions import Permission, allows, roles_with
from steward.core.policy import PolicyDocument
from steward.ports import Store, Transaction
from steward.services.access import AccessControl


@dataclass(frozen=True)
class InboxItem:
    request: ApprovalRequest
    state: str  # "open", "approved", "rejected"
    quorum: int  # approvals the target's policies ask for (1 when none ask)
    registered_by: str
    may_decide: bool
    why_not: str = ""  # why the viewer may not decide (empty when they may, or when decided)


@dataclass(frozen=True)
class Inbox:
    open: list[InboxItem]
    decided: list[InboxItem]  # one page, the latest decided first
    more_decided: bool


class ApprovalInbox:
    def __init__(self, store: Store, access: AccessControl) -> None:
        self.store = store
        self.access = access

    def inbox(self, actor: str, *, offset: int = 0, limit: int = 50) -> Inbox:
        """Every open request (oldest first) and a page of decided ones (latest decision first)."""
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidInputError(f"Bad page: offset must be a whole number from 0, got {offset!r}.")
        if not 1 <= limit <= 1000:
            raise InvalidInputError(f"A page holds 1 to 1000 requests, not {limit}.")
        with self.store.read() as tx:
            quorums = _quorums(tx)
            open_items: list[tuple[ApprovalRequest, int]] = []
            decided: list[tuple[ApprovalRequest, int, str]] = []
            for request in tx.approvals.list():
                quorum = quorums(request.model, request.target)
                if request.rejected:
                    decided.append((request, quorum, "rejected"))
                elif len(request.approvers) >= quorum:
                    decided.append((request, quorum, "approved"))
                else:
                    open_items.append((request, quorum))
            decided.sort(key=lambda item: (_decided_at(item[0]), item[0].id), reverse=True)
            page = decided[offset : offset + limit]
            registrants: dict[tuple[str, int], str] = {}

            def registrant(request: ApprovalRequest) -> str:
                key = (request.model, request.version)
                if key not in registrants:
                    registrants[key] = tx.models.get_version(*key).created_by
                return registrants[key]

            return Inbox(
                open=[
                    self._open_item(tx, actor, r, quorum, registrant(r))
                    for r, quorum in sorted(open_items, key=lambda item: item[0].id)
                ],
                decided=[InboxItem(r, state, quorum, registrant(r), False) for r, quorum, state in page],
                more_decided=len(decided) > offset + limit,
            )

    def _open_item(
        self, tx: Transaction, actor: str, request: ApprovalRequest, quorum: int, registered_by: str
    ) -> InboxItem:
        if self.access.enabled and not allows(
            tx.identities.grants_of(actor), Permission.APPROVE, request.model
        ):
            roles = " or ".join(roles_with(Permission.APPROVE))
            return InboxItem(
                request, "open", quorum, registered_by, False, f"Deciding needs the {roles} role."
            )
        try:
            check_separation_of_duties(request, actor, registered_by)
        except PermissionDeniedError as exc:
            return InboxItem(request, "open", quorum, registered_by, False, exc.message)
        return InboxItem(request, "open", quorum, registered_by, True)


def _decided_at(request: ApprovalRequest) -> datetime:
    return max(d.at for d in request.decisions)


def _quorums(tx: Transaction) -> _Quorums:
    return _Quorums(
        [(p.document, p.document.approvals.quorum) for p in tx.policies.current() if p.document.approvals]
    )


class _Quorums:
    """The approvals a (model, target) needs: the largest quorum among the policies guarding it."""

    def __init__(self, gates: list[tuple[PolicyDocument, int]]) -> None:
        self.gates = gates
        self.cache: dict[tuple[str, str], int] = {}

    def __call__(self, model: str, target: str) -> int:
        key = (model, target)
        if key not in self.cache:
            self.cache[key] = max((q for d, q in self.gates if d.guards(model, target)), default=1)
        return self.cache[key]
