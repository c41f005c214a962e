"""Webhooks: subscriptions to the event stream, delivered in order, retried, logged.

Each subscription keeps a cursor over the audit log (the ``seq`` of the last
event handled). :meth:`WebhookService.deliver_due` claims due subscriptions
with a lease, POSTs the next matching event, and on a 2xx answer advances the
cursor in the same transaction as the delivery's log row; while a subscription
has a backlog, up to ``BATCH`` deliveries (or a second's worth) share that
transaction. Any other answer, or
no answer, is logged and retried after 1 s, 2 s, 4 s … (capped): later events
wait behind it, so order holds, and nothing is dropped. The delivery id is
stable per (subscription, event), so a receiver de-duplicates retries by the
``Steward-Delivery`` header (delivery is at least once).

Delivery bookkeeping (cursor, attempts, the log) is not audited: it is the event
stream's own record, and auditing it would feed the stream with itself.
Creating and removing subscriptions is audited.

The delivery log is kept for ``retention_days`` (``STEWARD_WEBHOOK_RETENTION``):
:meth:`WebhookService.deliver_due` prunes it at most every ``prune_every``
seconds, deleting settled attempts older than that and never a failed attempt
still waiting for its retry.
"""

from __future__ import annotations

import builtins
import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError, StewardError
from steward.core.events import PING, Event, check_patterns, event_type, matches, ping_body
from steward.core.permissions import Permission
from steward.core.version import VERSION
from steward.core.webhooks import (
    Delivery,
    NewWebhook,
    Webhook,
    backoff,
    check_secret,
    check_url,
    check_webhook_id,
    delivery_id,
)
from steward.ports import Store, Transaction
from steward.services.access import AccessControl
from steward.services.notifiers import EVENT_HEADER, SIGNATURE_HEADER, sign
from steward.services.periodic import PeriodicThread
from steward.services.registry import Clock, utcnow

log = logging.getLogger("steward.webhooks")

DELIVERY_HEADER = "Steward-Delivery"
TIMEOUT_S = 10.0
#: A claim outlives the longest POST; it is renewed after every delivered event.
LEASE_S = 60.0
SCAN = 500
#: Events one subscription gets per tick before the next subscription's turn.
PER_TICK = 200
#: Deliveries committed together (log rows + one cursor move) while a subscription has a backlog ...
BATCH = 50
#: ... or after this many seconds, whichever comes first; with one POST's timeout on top this stays far
#: inside the lease, which every commit renews.
FLUSH_S = 1.0
DELIVERIES_MAX = 1000
REASON_MAX = 1000
#: Seconds between two prunings of the delivery log by one process.
PRUNE_EVERY_S = 300.0
#: Log rows looked at (and at most deleted) per transaction while pruning (short write locks on SQLite).
PRUNE_BATCH = 1000


class WebhookService:
    def __init__(
        self,
        store: Store,
        access: AccessControl | None = None,
        *,
        clock: Clock = utcnow,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        timeout: float = TIMEOUT_S,
        retention_days: float = 30.0,
        prune_every: float = PRUNE_EVERY_S,
    ) -> None:
        self.store = store
        self.access = access
        self.clock = clock
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retention_days = retention_days
        self.prune_every = prune_every
        self._pruned_at: float | None = None  # time.monotonic() of the last pruning in this process
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def _require(self, actor: str) -> None:
        if self.access is not None:
            self.access.require(actor, Permission.WEBHOOK)

    # -- subscriptions ----------------------------------------------------------------------------

    def add(
        self, url: str, events: str | list[str], *, actor: str, secret: str | None = None, reason: str = ""
    ) -> NewWebhook:
        """Subscribe *url* to the *events* patterns from now on; the secret (given or random) signs
        every delivery and is returned only here."""
        url = check_url(url)
        patterns = check_patterns(events)
        secret = check_secret(secret) if secret is not None else "whsec_" + secrets.token_urlsafe(32)
        _check_reason(reason)
        self._require(actor)
        with self.store.write() as tx:
            at = self.clock()
            hook = tx.webhooks.create(url, patterns, secret, created_by=actor, at=at)
            after = {"id": hook.id, "url": url, "events": list(patterns)}
            event = tx.audit.append(
                AuditEvent("webhook.create", "webhook", str(hook.id), actor, at, after=after, reason=reason)
            )
            tx.webhooks.start_after(hook.id, event.seq or 0)  # its own creation is not delivered to it
            hook = tx.webhooks.get(hook.id)
        return NewWebhook(hook, secret)

    def list(self, *, actor: str) -> list[Webhook]:
        self._require(actor)
        with self.store.read() as tx:
            return tx.webhooks.list()

    def get(self, webhook_id: int, *, actor: str) -> Webhook:
        check_webhook_id(webhook_id)
        self._require(actor)
        with self.store.read() as tx:
            return tx.webhooks.get(webhook_id)

    def remove(self, webhook_id: int, *, actor: str, reason: str = "") -> Webhook:
        """Stop delivering to it; its delivery log goes with it (the audit keeps the removal)."""
        check_webhook_id(webhook_id)
        _check_reason(reason)
        self._require(actor)
        with self.store.write() as tx:
            hook = tx.webhooks.delete(webhook_id)
            before = {"id": hook.id, "url": hook.url, "events": list(hook.events), "cursor": hook.cursor}
            tx.audit.append(
                AuditEvent(
                    "webhook.delete", "webhook", str(hook.id), actor, self.clock(), before, reason=reason
                )
            )
        return hook

    def deliveries(
        self, webhook_id: int, *, actor: str, limit: int = 100, offset: int = 0
    ) -> builtins.list[Delivery]:
        """Attempts (delivered, failed, test pings) kept by the retention, newest first, from *offset*."""
        check_webhook_id(webhook_id)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= DELIVERIES_MAX:
            raise InvalidInputError(f"Bad limit {limit!r}: from 1 to {DELIVERIES_MAX}.")
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset < 2**62:
            raise InvalidInputError(f"Bad offset {offset!r}: a whole number from 0.")
        self._require(actor)
        with self.store.read() as tx:
            return tx.webhooks.deliveries(webhook_id, limit=limit, offset=offset)

    def prune(self) -> int:
        """Apply the retention to every subscription's delivery log now; how many attempts were deleted.

        Deleted: attempts older than ``retention_days`` that are settled (delivered, or failed at an
        event delivered since, or a failed ping followed by a delivered one). A failed attempt whose
        event is still waiting for its retry stays, however old. ``retention_days`` 0 keeps everything.
        Background bookkeeping, like delivery: not audited, no actor."""
        if self.retention_days <= 0:
            return 0
        cutoff = self.clock() - timedelta(days=self.retention_days)
        with self.store.read() as tx:
            ids = [hook.id for hook in tx.webhooks.list()]
        deleted = 0
        for webhook_id in ids:
            after: int | None = 0
            while after is not None:
                with self.store.write() as tx:
                    gone, after = tx.webhooks.prune(
                        webhook_id, before=cutoff, after_id=after, limit=PRUNE_BATCH
                    )
                deleted += gone
        return deleted

    def _prune_if_due(self) -> None:
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < self.prune_every:
            return
        self._pruned_at = now
        try:
            if deleted := self.prune():
                log.info("webhook delivery log: %d attempts past the retention deleted", deleted)
        except StewardError as exc:  # delivery goes on; the next pruning tries again
            log.error("webhook delivery log: pruning failed: %s", exc)

    def test(self, webhook_id: int, *, actor: str) -> Delivery:
        """Send a ``ping`` event now (outside the stream and its order) and log the answer."""
        check_webhook_id(webhook_id)
        self._require(actor)
        with self.store.read() as tx:
            hook = tx.webhooks.get(webhook_id)
            secret = tx.webhooks.secret(webhook_id)
        at = self.clock()
        ident = f"{delivery_id(hook.id, 0)}-ping-{secrets.token_hex(4)}"
        status, error, ms = self._post(hook.url, ping_body(hook.id, actor=actor, at=at), PING, ident, secret)
        done = Delivery(hook.id, 0, PING, ident, 1, self.clock(), status, error, None, ms)
        with self.store.write() as tx:
            tx.webhooks.get(webhook_id)  # removed meanwhile: NotFoundError, nothing logged
            tx.webhooks.log(done)
        return done

    # -- delivery -------------------------------------------------------------------------------------

    def deliver_due(self, stop: threading.Event | None = None) -> int:
        """Deliver what is due on every subscription this process can claim; how many events arrived.
        Prunes the delivery log first when the last pruning is ``prune_every`` seconds old."""
        self._prune_if_due()
        with self.store.read() as tx:
            due = tx.webhooks.due(self.clock())
        delivered = 0
        for webhook_id in due:
            if stop is not None and stop.is_set():
                break
            try:
                delivered += self._deliver(webhook_id, stop)
            except StewardError as exc:  # one webhook's trouble spares the others
                log.error("webhook %s: delivery round failed: %s", webhook_id, exc)
        return delivered

    def _deliver(self, webhook_id: int, stop: threading.Event | None) -> int:
        token = secrets.token_hex(16)
        now = self.clock()
        with self.store.write() as tx:
            hook = tx.webhooks.claim(webhook_id, token, now=now, until=now + timedelta(seconds=LEASE_S))
            secret = tx.webhooks.secret(webhook_id) if hook is not None else ""
        if hook is None:
            return 0  # another dispatcher holds it, or it was removed
        run = _Run(hook, token, hook.cursor, hook.cursor, [], time.monotonic())
        failed_before, delivered = hook.attempt, 0
        pending: deque[AuditEvent] = deque()  # read ahead of the position, oldest first
        try:
            while delivered < PER_TICK and not (stop is not None and stop.is_set()):
                if not pending:
                    with self.store.read() as tx:
                        pending.extend(tx.audit.scan(run.position, SCAN))
                    if not pending:
                        break
                while pending and not matches(hook.events, event_type(pending[0].action)):
                    run.position = pending.popleft().seq or run.position
                if not pending:  # nothing for this subscription in what was read: record moving past it
                    if not self._flush(run):
                        return delivered
                    failed_before = 0
                    continue
                event = Event.from_audit(pending.popleft())
                ident = delivery_id(hook.id, event.seq)
                attempt = failed_before + 1
                status, error, ms = self._post(hook.url, event.body(), event.type, ident, secret)
                at = self.clock()
                if status is not None and 200 <= status < 300:
                    run.done.append(
                        Delivery(hook.id, event.seq, event.type, ident, attempt, at, status, "", None, ms)
                    )
                    run.position, failed_before, delivered = event.seq, 0, delivered + 1
                    due = len(run.done) >= BATCH or time.monotonic() - run.since >= FLUSH_S
                    if due and not self._flush(run):
                        return delivered
                    continue
                retry_at = at + timedelta(seconds=backoff(attempt, self.backoff_base, self.backoff_cap))
                problem = error or f"HTTP {status}"
                failed = Delivery(
                    hook.id, event.seq, event.type, ident, attempt, at, status, error, retry_at, ms
                )
                with self.store.write() as tx:  # the deliveries before it, then the failure, together
                    moved = self._record(tx, run)
                    if moved:
                        tx.webhooks.postpone(
                            hook.id,
                            token,
                            cursor=run.position,
                            attempt=attempt,
                            retry_at=retry_at,
                            error=problem,
                        )
                    tx.webhooks.log(failed)
                self._recorded(run, moved)
                log.info(
                    "webhook %s: %s attempt %d failed (%s); retry at %s",
                    hook.id,
                    ident,
                    attempt,
                    problem,
                    retry_at,
                )
                return delivered
            self._flush(run)
            return delivered
        finally:
            with self.store.write() as tx:
                tx.webhooks.release(hook.id, token)

    def _flush(self, run: _Run) -> bool:
        """Commit what *run* delivered or passed over since its last commit; False if the lease is lost."""
        if run.position == run.cursor and not run.done:
            return True
        with self.store.write() as tx:
            moved = self._record(tx, run)
        return self._recorded(run, moved)

    def _record(self, tx: Transaction, run: _Run) -> bool:
        """In *tx*: the delivered attempts' log rows and the cursor's move to the position (conditional on
        the lease and on the committed cursor, and renewing the lease); False if the lease is lost."""
        moved = True
        if run.position != run.cursor:
            until = self.clock() + timedelta(seconds=LEASE_S)
            moved = tx.webhooks.advance(
                run.hook.id, run.token, cursor=run.cursor, to=run.position, until=until
            )
        for done in run.done:
            tx.webhooks.log(done)  # logged even if the lease was lost: the attempts happened
        return moved

    def _recorded(self, run: _Run, moved: bool) -> bool:
        run.done.clear()
        if not moved:
            log.warning("webhook %s: lease lost; events after %s may be sent again", run.hook.id, run.cursor)
            return False
        run.cursor, run.since = run.position, time.monotonic()
        return True

    def _post(
        self, url: str, body: dict[str, object], type_: str, ident: str, secret: str
    ) -> tuple[int | None, str, float]:
        """(status code or None, error text, milliseconds)."""
        payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"steward-webhooks/{VERSION}",
            SIGNATURE_HEADER: sign(payload, secret),
            DELIVERY_HEADER: ident,
            EVENT_HEADER: type_,
        }
        started = time.perf_counter()
        try:
            response = self._http.post(url, content=payload, headers=headers)
            status, error = response.status_code, ""
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"[:1000] or type(exc).__name__
        return status, error, (time.perf_counter() - started) * 1000


@dataclass
class _Run:
    """One claimed round on one subscription: the committed cursor, the position reached (events
    delivered or passed over, not yet committed), and the delivered attempts waiting to be logged."""

    hook: Webhook
    token: str
    cursor: int
    position: int
    done: list[Delivery]
    since: float  # time.monotonic() of the last commit


class WebhookDispatcher(PeriodicThread):
    """The control plane's delivery thread: every ``interval`` seconds, :meth:`WebhookService.deliver_due`."""

    thread_name = "steward-webhooks"

    def __init__(self, webhooks: Callable[[], WebhookService], interval: float) -> None:
        super().__init__(interval)
        self._webhooks = webhooks

    def tick(self) -> int:
        """One round over the due subscriptions; how many events were delivered."""
        try:
            return self._webhooks().deliver_due(self._stop)
        except Exception:  # a background loop must outlive a database hiccup; the trace is logged
            log.exception("webhook delivery round failed")
            return 0
        finally:
            self.ticks += 1


def _check_reason(reason: str) -> None:
    if not isinstance(reason, str) or len(reason) > REASON_MAX:
        raise InvalidInputError(f"A reason is text of at most {REASON_MAX} characters.")
