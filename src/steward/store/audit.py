"""The audit log (the ``AuditLog`` port): append-only, ordered by ``seq``, hash-chained.

Every append locks the chain's head row (``audit_chain``, id 1) until the
transaction ends: on PostgreSQL with ``SELECT … FOR UPDATE``, on SQLite the
write transaction (``BEGIN IMMEDIATE``) already excludes other writers. So two
writers can never both link to the same previous event, and the chain never forks.
"""

from __future__ import annotations

import builtins
import dataclasses
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.audit import GENESIS_HASH, AuditEvent, ChainHead, chain_hash
from steward.core.errors import ConflictError, IntegrityError, InvalidInputError
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text, plain_json
from steward.store.schema import audit_chain, audit_events

ae = audit_events
HEAD_ID = 1


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
        stored = dataclasses.replace(event, at=values["at"], before=before, after=after, details=details)
        head = self._lock_head()
        seq = head.seq + 1
        digest = chain_hash(stored, seq, head.hash)
        self._connection.execute(
            sa.insert(ae).values({**values, "seq": seq, "prev_hash": head.hash, "hash": digest})
        )
        self._connection.execute(
            sa.update(audit_chain).where(audit_chain.c.id == HEAD_ID).values(last_seq=seq, last_hash=digest)
        )
        return dataclasses.replace(stored, seq=seq, prev_hash=head.hash, hash=digest)

    def _lock_head(self) -> ChainHead:
        """The chain's head, locked until the transaction ends (created on an empty log)."""
        query = sa.select(audit_chain.c.last_seq, audit_chain.c.last_hash).where(audit_chain.c.id == HEAD_ID)
        row = self._connection.execute(query.with_for_update()).first()
        if row is None:
            # Create the head first: a concurrent first writer's uncommitted head makes this insert
            # wait for its commit and then conflict, so its events are never mistaken for a log
            # whose head went missing (PostgreSQL; SQLite writers are serialised anyway).
            created = True
            try:
                with unique_or_conflict(self._connection, "audit chain head exists"):
                    self._connection.execute(
                        sa.insert(audit_chain).values(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)
                    )
            except ConflictError:
                created = False
            if created and self._connection.execute(sa.select(ae.c.seq).limit(1)).first() is not None:
                raise IntegrityError(
                    "The audit chain's head record is missing while the log has events, so nothing new "
                    "can be linked safely. Run `steward audit verify` and restore the database from a backup."
                )
            row = self._connection.execute(query.with_for_update()).one()
        return ChainHead(int(row.last_seq), str(row.last_hash))

    def head(self) -> ChainHead | None:
        """The chain's recorded last event (None if the record is missing)."""
        row = self._connection.execute(
            sa.select(audit_chain.c.last_seq, audit_chain.c.last_hash).where(audit_chain.c.id == HEAD_ID)
        ).first()
        return None if row is None else ChainHead(int(row.last_seq), str(row.last_hash))

    def scan(self, after_seq: int, limit: int) -> builtins.list[AuditEvent]:
        """Up to *limit* events with ``seq`` above *after_seq*, by ``seq`` (for verification and export)."""
        rows = self._connection.execute(
            sa.select(ae).where(ae.c.seq > after_seq).order_by(ae.c.seq).limit(limit)
        )
        return [_event(r) for r in rows]

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
        return [_event(r) for r in rows]

    def search(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        about: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        upto_seq: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> builtins.list[AuditEvent]:
        """Events matching every given filter, newest first (the console's audit viewer)."""
        for what, number in (("offset", offset), ("limit", limit)):
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise InvalidInputError(f"Bad page: {what} must be a whole number from 0, got {number!r}.")
        query = sa.select(ae)
        if actor is not None:
            query = query.where(ae.c.actor == check_text(actor, "Actor"))
        if action is not None:
            query = query.where(
                sa.or_(ae.c.action == check_text(action, "Action"), _starts(ae.c.action, action + "."))
            )
        if about is not None:
            check_text(about, "Target")
            query = query.where(
                sa.or_(
                    ae.c.target == about, _starts(ae.c.target, about + "/"), _starts(ae.c.target, about + "@")
                )
            )
        if since is not None:
            query = query.where(ae.c.at >= as_utc(since))
        if until is not None:
            query = query.where(ae.c.at < as_utc(until))
        if upto_seq is not None:
            query = query.where(ae.c.seq <= upto_seq)
        rows = self._connection.execute(query.order_by(ae.c.seq.desc()).offset(offset).limit(limit))
        return [_event(r) for r in rows]


def _starts(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    """*column* starts with *prefix*, case-sensitively and without LIKE wildcards on both backends."""
    return sa.func.substr(column, 1, len(prefix)) == prefix


def _event(r: Any) -> AuditEvent:
    return AuditEvent(
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
        prev_hash=r.prev_hash,
        hash=r.hash,
    )


def _document(value: dict[str, Any] | None, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    value = plain_json(value, what)
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} must be a JSON object.")
    return value
