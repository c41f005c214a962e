"""Webhook subscriptions and their delivery log (the ``WebhookRepository`` port).

Several control-plane processes may run a dispatcher against one database.
Work on a subscription is claimed with a conditional ``UPDATE`` that sets a
lease (a random token and an expiry) only where no live lease is held: on
SQLite the write transaction (``BEGIN IMMEDIATE``) serialises the claims, on
PostgreSQL the row lock the ``UPDATE`` takes makes the loser re-check the
condition and match nothing. Advancing the cursor is conditional on the same
token and on the cursor the holder read, so a process whose lease expired
cannot move it; the delivery's log row goes in the same transaction.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import NotFoundError
from steward.core.webhooks import Delivery, Webhook
from steward.store.rows import as_utc, check_text
from steward.store.schema import webhook_deliveries, webhooks

wh, wd = webhooks, webhook_deliveries
ERROR_MAX = 1000


def no_webhook(webhook_id: int) -> NotFoundError:
    return NotFoundError(f"No webhook {webhook_id} (`steward webhooks list` shows them).")


class SqlWebhookRepository:
    """Webhook subscriptions, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # -- subscriptions ----------------------------------------------------------------------------

    def create(
        self, url: str, events: tuple[str, ...], secret: str, *, created_by: str, at: datetime
    ) -> Webhook:
        new_id = self._connection.execute(
            sa.insert(wh)
            .values(
                url=check_text(url, "URL"),
                events=list(events),
                secret=check_text(secret, "Secret"),
                created_by=check_text(created_by, "Actor"),
                created_at=as_utc(at),
                cursor=0,
                attempt=0,
                last_error="",
            )
            .returning(wh.c.id)
        ).scalar_one()
        return self.get(int(new_id))

    def start_after(self, webhook_id: int, seq: int) -> None:
        """Deliver only events after *seq* (set once, at creation)."""
        self._connection.execute(sa.update(wh).where(wh.c.id == webhook_id).values(cursor=seq))

    def get(self, webhook_id: int) -> Webhook:
        row = self._connection.execute(sa.select(wh).where(wh.c.id == webhook_id)).first()
        if row is None:
            raise no_webhook(webhook_id)
        return _webhook(row)

    def list(self) -> builtins.list[Webhook]:
        return [_webhook(r) for r in self._connection.execute(sa.select(wh).order_by(wh.c.id))]

    def delete(self, webhook_id: int) -> Webhook:
        found = self.get(webhook_id)
        self._connection.execute(sa.delete(wd).where(wd.c.webhook_id == webhook_id))
        self._connection.execute(sa.delete(wh).where(wh.c.id == webhook_id))
        return found

    def secret(self, webhook_id: int) -> str:
        found = self._connection.execute(sa.select(wh.c.secret).where(wh.c.id == webhook_id)).scalar()
        if found is None:
            raise no_webhook(webhook_id)
        return str(found)

    # -- claiming and delivering ---------------------------------------------------------------------

    def due(self, now: datetime) -> builtins.list[int]:
        """Subscriptions whose next attempt is due and that no live lease holds, by id."""
        now = as_utc(now)
        rows = self._connection.execute(sa.select(wh.c.id).where(_due(now)).order_by(wh.c.id))
        return [int(r.id) for r in rows]

    def claim(self, webhook_id: int, token: str, *, now: datetime, until: datetime) -> Webhook | None:
        """Take the lease if it is free and the subscription is due; None if someone else holds it."""
        now = as_utc(now)
        done = self._connection.execute(
            sa.update(wh)
            .where(wh.c.id == webhook_id, _due(now))
            .values(lease_token=token, lease_until=as_utc(until))
        )
        return self.get(webhook_id) if done.rowcount == 1 else None

    def advance(self, webhook_id: int, token: str, *, cursor: int, to: int, until: datetime) -> bool:
        """Move the cursor from *cursor* to *to* (an event was delivered or skipped) and renew the lease;
        False if the lease is no longer ours."""
        done = self._connection.execute(
            sa.update(wh)
            .where(wh.c.id == webhook_id, wh.c.lease_token == token, wh.c.cursor == cursor)
            .values(cursor=to, attempt=0, next_attempt_at=None, last_error="", lease_until=as_utc(until))
        )
        return done.rowcount == 1

    def postpone(
        self, webhook_id: int, token: str, *, cursor: int, attempt: int, retry_at: datetime, error: str
    ) -> bool:
        """A failed attempt at the event after *cursor*: try again at *retry_at*; the lease is released."""
        done = self._connection.execute(
            sa.update(wh)
            .where(wh.c.id == webhook_id, wh.c.lease_token == token, wh.c.cursor == cursor)
            .values(
                attempt=attempt,
                next_attempt_at=as_utc(retry_at),
                last_error=error[:ERROR_MAX],
                lease_token=None,
                lease_until=None,
            )
        )
        return done.rowcount == 1

    def release(self, webhook_id: int, token: str) -> None:
        self._connection.execute(
            sa.update(wh)
            .where(wh.c.id == webhook_id, wh.c.lease_token == token)
            .values(lease_token=None, lease_until=None)
        )

    # -- the delivery log ------------------------------------------------------------------------------

    def log(self, delivery: Delivery) -> bool:
        """Add an attempt to the log; False (nothing written) if the webhook was removed meanwhile."""
        values = {
            "webhook_id": delivery.webhook,
            "seq": delivery.seq,
            "type": check_text(delivery.type, "Event type")[:200],
            "delivery_id": delivery.delivery_id,
            "attempt": delivery.attempt,
            "at": as_utc(delivery.at),
            "status_code": delivery.status_code,
            "error": check_text(delivery.error, "Error")[:ERROR_MAX],
            "next_attempt_at": as_utc(delivery.next_attempt_at) if delivery.next_attempt_at else None,
            "duration_ms": float(delivery.duration_ms),
        }
        # INSERT … SELECT … WHERE the webhook exists: no row (not a foreign-key error) once it is gone
        source = sa.select(*(sa.literal(v, type_=wd.c[k].type).label(k) for k, v in values.items())).where(
            sa.exists().where(wh.c.id == delivery.webhook)
        )
        done = self._connection.execute(sa.insert(wd).from_select(list(values), source).returning(wd.c.id))
        return done.first() is not None

    def deliveries(self, webhook_id: int, *, limit: int = 100, offset: int = 0) -> builtins.list[Delivery]:
        """The subscription's attempts, newest first, from *offset*; NotFoundError if it does not exist."""
        self.get(webhook_id)
        rows = self._connection.execute(
            sa.select(wd)
            .where(wd.c.webhook_id == webhook_id)
            .order_by(wd.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_delivery(r) for r in rows]

    def prune(
        self, webhook_id: int, *, before: datetime, after_id: int, limit: int
    ) -> tuple[int, int | None]:
        """Look at up to *limit* of the subscription's attempts after log id *after_id*, oldest first,
        and delete those made before *before* that are settled; (how many went, the log id to go on
        after, or None once the attempts left are younger or there are none).

        Settled: a delivered attempt (2xx); a failed attempt at an event the cursor has passed (the
        cursor passes a matching event only once it was delivered); a failed test ping followed by a
        delivered one. A failed attempt still waiting for its retry is never deleted. Attempts are
        read along the (webhook, id) index and the reading stops at the first young one, so a pass
        costs what it deletes, not the size of the log."""
        before = as_utc(before)
        cursor = self._connection.execute(sa.select(wh.c.cursor).where(wh.c.id == webhook_id)).scalar()
        if cursor is None:
            return 0, None
        rows = self._connection.execute(
            sa.select(wd.c.id, wd.c.seq, wd.c.status_code, wd.c.at)
            .where(wd.c.webhook_id == webhook_id, wd.c.id > after_id)
            .order_by(wd.c.id)
            .limit(limit)
        ).all()
        old = []
        for r in rows:
            if as_utc(r.at) >= before:
                break  # the rest are younger (attempts are logged in time order, give or take clock skew)
            old.append(r)
        finished = len(old) < len(rows) or len(rows) < limit
        last_ping = 0
        if any(r.seq == 0 and not _ok(r.status_code) for r in old):  # rare: look for a later delivered ping
            last_ping = int(
                self._connection.execute(
                    sa.select(sa.func.max(wd.c.id)).where(
                        wd.c.webhook_id == webhook_id, wd.c.seq == 0, wd.c.status_code.between(200, 299)
                    )
                ).scalar()
                or 0
            )
        ids = [
            int(r.id)
            for r in old
            if _ok(r.status_code) or 0 < r.seq <= cursor or (r.seq == 0 and last_ping > r.id)
        ]
        if ids:
            self._connection.execute(sa.delete(wd).where(wd.c.id.in_(ids)))
        return len(ids), None if finished else int(rows[-1].id)


def _ok(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def _due(now: datetime) -> Any:
    return sa.and_(
        sa.or_(wh.c.lease_until.is_(None), wh.c.lease_until < now),
        sa.or_(wh.c.next_attempt_at.is_(None), wh.c.next_attempt_at <= now),
    )


def _webhook(r: Any) -> Webhook:
    return Webhook(
        id=int(r.id),
        url=r.url,
        events=tuple(r.events),
        created_by=r.created_by,
        created_at=r.created_at,
        cursor=int(r.cursor),
        attempt=int(r.attempt),
        next_attempt_at=r.next_attempt_at,
        last_error=r.last_error,
    )


def _delivery(r: Any) -> Delivery:
    return Delivery(
        webhook=int(r.webhook_id),
        seq=int(r.seq),
        type=r.type,
        delivery_id=r.delivery_id,
        attempt=int(r.attempt),
        at=r.at,
        status_code=None if r.status_code is None else int(r.status_code),
        error=r.error,
        next_attempt_at=r.next_attempt_at,
        duration_ms=float(r.duration_ms),
    )
