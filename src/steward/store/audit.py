"""The audit log (the ``AuditLog`` port): append-only, ordered by ``seq``."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError
from steward.store.rows import as_utc, check_text, plain_json
from steward.store.schema import audit_events

ae = audit_events


class SqlAuditLog:
    """Audit events, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def append(self, event: AuditEvent) -> AuditEvent:
        """Store *event*; returns it with its ``seq`` (and values as they read back)."""
        if event.seq is not None:
            raise InvalidInputError(f"Audit event {event.seq} is already in the log; append new events only.")
        before = _document(event.before, "Audit 'before'")
        after = _document(event.after, "Audit 'after'")
        details = _document(event.details, "Audit details") or {}
        values: dict[str, Any] = {
            "at": as_utc(event.at),
            "actor": check_text(event.actor, "Actor"),
            "action": check_text(event.action, "Action"),
            "target_type": check_text(event.target_type, "Target type"),
            "target": check_text(event.target, "Target"),
            "before": before,
            "after": after,
            "reason": check_text(event.reason, "Reason"),
            "details": details,
        }
        seq = self._connection.execute(sa.insert(ae).values(values).returning(ae.c.seq)).scalar_one()
        return dataclasses.replace(
            event,
            at=values["at"],
            before=before,
            after=after,
            details=details,
            seq=int(seq),
        )

    def list(
        self,
        *,
        target: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[AuditEvent]:
        """Events matching every given filter, by ``seq``; *since* inclusive, *until* exclusive."""
        for what, number in (("offset", offset), ("limit", limit)):
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise InvalidInputError(f"Bad page: {what} must be a whole number from 0, got {number!r}.")
        query = sa.select(ae)
        if target is not None:
            query = query.where(ae.c.target == check_text(target, "Target"))
        if action is not None:
            query = query.where(ae.c.action == check_text(action, "Action"))
        if since is not None:
            query = query.where(ae.c.at >= as_utc(since))
        if until is not None:
            query = query.where(ae.c.at < as_utc(until))
        rows = self._connection.execute(query.order_by(ae.c.seq).offset(offset).limit(limit))
        return [
            AuditEvent(
                action=r.action,
                target_type=r.target_type,
                target=r.target,
                actor=r.actor,
                at=r.at,
                before=r.before,
                after=r.after,
                reason=r.reason,
                seq=int(r.seq),
                details=r.details,
            )
            for r in rows
        ]


def _document(value: dict[str, Any] | None, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    value = plain_json(value, what)
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} must be a JSON object.")
    return value
