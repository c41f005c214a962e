"""Approval requests and their immutable decisions (the ``ApprovalRepository`` port)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.approval import ApprovalDecision, ApprovalRequest, Decision
from steward.core.errors import NotFoundError
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text
from steward.store.schema import approval_decisions, approval_requests

r, d = approval_requests, approval_decisions


class SqlApprovalRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(
        self, model: str, version: int, target: str, *, requested_by: str, at: datetime, reason: str
    ) -> ApprovalRequest:
        request_id = self._connection.execute(
            sa.insert(r)
            .values(
                model=model,
                version=version,
                target=target,
                requested_by=check_text(requested_by, "Actor"),
                requested_at=as_utc(at),
                reason=check_text(reason, "Reason"),
            )
            .returning(r.c.id)
        ).scalar_one()
        return self.get(int(request_id))

    def get(self, request_id: int, *, lock: bool = False) -> ApprovalRequest:
        query = sa.select(r).where(r.c.id == request_id)
        if lock:
            query = query.with_for_update()
        row = self._connection.execute(query).first()
        if row is None:
            raise NotFoundError(f"No approval request #{request_id}; `steward approvals list` shows them.")
        return self._requests([row])[0]

    def decide(self, request_id: int, reviewer: str, decision: Decision, comment: str, at: datetime) -> None:
        message = f"{reviewer!r} has already decided on approval #{request_id}; decisions are final."
        with unique_or_conflict(self._connection, message):
            self._connection.execute(
                sa.insert(d).values(
                    request_id=request_id,
                    reviewer=check_text(reviewer, "Actor"),
                    decision=decision.value,
                    comment=check_text(comment, "Comment"),
                    decided_at=as_utc(at),
                )
            )

    def list(
        self, *, model: str | None = None, version: int | None = None, target: str | None = None
    ) -> list[ApprovalRequest]:
        query = sa.select(r).order_by(r.c.id)
        if model is not None:
            query = query.where(r.c.model == model)
        if version is not None:
            query = query.where(r.c.version == version)
        if target is not None:
            query = query.where(r.c.target == target)
        return self._requests(builtins.list(self._connection.execute(query).all()))

    def _requests(self, rows: builtins.list[Any]) -> builtins.list[ApprovalRequest]:
        ids = [row.id for row in rows]
        decisions: dict[int, list[ApprovalDecision]] = {i: [] for i in ids}
        if ids:
            for row in self._connection.execute(sa.select(d).where(d.c.request_id.in_(ids)).order_by(d.c.id)):
                decisions[row.request_id].append(
                    ApprovalDecision(row.reviewer, Decision(row.decision), row.comment, row.decided_at)
                )
        return [
            ApprovalRequest(
                id=int(row.id),
                model=row.model,
                version=int(row.version),
                target=row.target,
                requested_by=row.requested_by,
                requested_at=row.requested_at,
                reason=row.reason,
                decisions=tuple(decisions[row.id]),
            )
            for row in rows
        ]
