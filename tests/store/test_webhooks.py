"""The webhook repository's contract on SQLite and PostgreSQL: leases, conditional cursor moves, the log."""

from __future__ import annotations

from datetime import timedelta

from steward.core.webhooks import Delivery
from steward.store import SqlStore

from .builders import T0


def made(store: SqlStore) -> int:
    with store.write() as tx:
        hook = tx.webhooks.create("http://127.0.0.1:1/h", ("alias.*",), "s" * 20, created_by="a", at=T0)
        tx.webhooks.start_after(hook.id, 5)
    return hook.id


def attempt(hook: int, seq: int, status: int | None) -> Delivery:
    return Delivery(hook, seq, "alias.moved", f"whd-{hook}-{seq}", 1, T0, status, "", None, 1.0)


def test_one_lease_at_a_time_until_it_expires(store: SqlStore) -> None:
    hook = made(store)
    with store.write() as tx:
        assert tx.webhooks.due(T0) == [hook]
        first = tx.webhooks.claim(hook, "one", now=T0, until=T0 + timedelta(seconds=60))
    assert first is not None and first.cursor == 5
    with store.write() as tx:
        assert tx.webhooks.due(T0 + timedelta(seconds=1)) == []
        assert (
            tx.webhooks.claim(hook, "two", now=T0 + timedelta(seconds=1), until=T0 + timedelta(hours=1))
            is None
        )
        taken = tx.webhooks.claim(hook, "two", now=T0 + timedelta(seconds=61), until=T0 + timedelta(hours=1))
    assert taken is not None  # an expired lease (a dead dispatcher) is taken over
    with store.write() as tx:  # the first holder can no longer move the cursor
        assert not tx.webhooks.advance(hook, "one", cursor=5, to=6, until=T0)
        assert not tx.webhooks.advance(hook, "two", cursor=4, to=6, until=T0)  # nor from a stale cursor
        assert tx.webhooks.advance(hook, "two", cursor=5, to=6, until=T0 + timedelta(hours=1))
        assert tx.webhooks.get(hook).cursor == 6


def test_a_failure_postpones_and_releases(store: SqlStore) -> None:
    hook = made(store)
    retry = T0 + timedelta(seconds=4)
    with store.write() as tx:
        tx.webhooks.claim(hook, "one", now=T0, until=T0 + timedelta(seconds=60))
        assert tx.webhooks.postpone(hook, "one", cursor=5, attempt=3, retry_at=retry, error="HTTP 503")
        assert tx.webhooks.log(attempt(hook, 6, 503))
    with store.read() as tx:
        found = tx.webhooks.get(hook)
        assert (found.attempt, found.next_attempt_at, found.last_error) == (3, retry, "HTTP 503")
        assert tx.webhooks.due(retry - timedelta(seconds=1)) == [] and tx.webhooks.due(retry) == [hook]
        [logged] = tx.webhooks.deliveries(hook)
    assert logged == attempt(hook, 6, 503)


def test_the_secret_stays_out_of_the_webhook_and_the_log_goes_with_it(store: SqlStore) -> None:
    hook = made(store)
    with store.write() as tx:
        assert tx.webhooks.secret(hook) == "s" * 20
        assert "s" * 20 not in str(tx.webhooks.get(hook).to_dict())
        assert tx.webhooks.log(attempt(hook, 6, 200))
        tx.webhooks.delete(hook)
        assert not tx.webhooks.log(attempt(hook, 7, 200))  # removed meanwhile: nothing written, no error
        assert tx.webhooks.list() == []
