"""Batched delivery commits, on SQLite and PostgreSQL: a backlog is delivered in order, each event once,
with several deliveries' log rows and one cursor move per transaction; a failure commits the
deliveries before it with it; a dispatcher that lost its lease moves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import steward.services.webhooks as module
from steward.app import Steward
from steward.core.audit import AuditEvent
from steward.services.registry import utcnow
from steward.services.webhooks import WebhookService
from steward.settings import Settings
from tests.receiver import Receiver


class CountingStore:
    """The real store, counting write transactions (commits): structure, not time."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.writes = 0

    def write(self) -> AbstractContextManager[Any]:
        self.writes += 1
        return self._store.write()  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def app(store_url: str, tmp_path: Path) -> Iterator[Steward]:
    settings = Settings.resolve(
        store_url, artifacts=str(tmp_path / "artifacts"), actor="root", env={"STEWARD_HOME": str(tmp_path)}
    )
    with Steward.open(settings) as opened:
        yield opened


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def backlog(app: Steward, count: int) -> list[int]:
    """*count* alias moves in one transaction (so no dispatcher sees half of them); their seqs."""
    with app.store.write() as tx:
        made = [
            tx.audit.append(AuditEvent("alias.set", "alias", "m@champion", "root", utcnow(), None, {"v": n}))
            for n in range(count)
        ]
    return [e.seq or 0 for e in made]


def cursor(app: Steward, webhook_id: int) -> int:
    with app.store.read() as tx:
        return tx.webhooks.get(webhook_id).cursor


def test_a_backlog_is_committed_in_batches_in_order_once(
    app: Steward, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "FLUSH_S", 3600.0)  # only the batch size decides here
    counting = CountingStore(app.store)
    hooks = WebhookService(counting, app.access, retention_days=0)  # type: ignore[arg-type]
    wid = hooks.add(receiver.url, "alias.*", actor="root").webhook.id
    seqs = backlog(app, 120)
    counting.writes = 0
    assert hooks.deliver_due() == 120
    # claim, three commits (50 + 50 + 20 deliveries with their cursor moves), release
    assert counting.writes == 5
    assert [r.delivery for r in receiver.accepted()] == [f"whd-{wid}-{s}" for s in seqs]
    log = hooks.deliveries(wid, actor="root", limit=1000)[::-1]
    assert [d.seq for d in log] == seqs and all(d.delivered and d.attempt == 1 for d in log)
    assert cursor(app, wid) == seqs[-1]
    assert hooks.deliver_due() == 0 and len(receiver.received) == 120
    hooks.close()


def test_a_failure_commits_the_deliveries_before_it_and_the_rest_follow_in_order(
    app: Steward, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "FLUSH_S", 3600.0)
    hooks = WebhookService(app.store, app.access, backoff_base=0.0, backoff_cap=0.0)
    wid = hooks.add("http://127.0.0.1:9/hook", "alias.*", actor="root").webhook.id
    seqs = backlog(app, 20)
    sent: list[str] = []
    refuse = {f"whd-{wid}-{seqs[6]}"}  # the seventh event is refused once

    def post(url: str, body: dict[str, object], type_: str, ident: str, secret: str) -> Any:
        sent.append(ident)
        if ident in refuse:
            refuse.discard(ident)
            return 503, "", 1.0
        return 200, "", 1.0

    monkeypatch.setattr(hooks, "_post", post)
    assert hooks.deliver_due() == 6
    assert cursor(app, wid) == seqs[5]  # six delivered and committed with the failure
    state = hooks.get(wid, actor="root")
    assert state.attempt == 1 and state.last_error == "HTTP 503"
    log = hooks.deliveries(wid, actor="root", limit=100)[::-1]
    assert [(d.seq, d.delivered) for d in log] == [(s, True) for s in seqs[:6]] + [(seqs[6], False)]
    assert hooks.deliver_due() == 14
    assert sent == [f"whd-{wid}-{s}" for s in seqs[:7]] + [f"whd-{wid}-{s}" for s in seqs[6:]]
    assert cursor(app, wid) == seqs[-1]
    hooks.close()


def test_a_dispatcher_that_lost_its_lease_moves_nothing_and_the_holder_resends(
    app: Steward, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "FLUSH_S", 3600.0)
    hooks = WebhookService(app.store, app.access)
    wid = hooks.add("http://127.0.0.1:9/hook", "alias.*", actor="root").webhook.id
    start = cursor(app, wid)
    seqs = backlog(app, 30)
    sent: list[str] = []
    stolen: list[bool] = []

    def post(url: str, body: dict[str, object], type_: str, ident: str, secret: str) -> Any:
        sent.append(ident)
        if len(sent) == 10 and not stolen:  # another dispatcher takes over, as if this one had stalled
            later = utcnow() + timedelta(hours=1)
            with app.store.write() as tx:
                assert tx.webhooks.claim(wid, "thief", now=later, until=later + timedelta(seconds=60))
            stolen.append(True)
        return 200, "", 1.0

    monkeypatch.setattr(hooks, "_post", post)
    hooks.deliver_due()
    assert cursor(app, wid) == start  # the loser's commit matched nothing
    assert len(hooks.deliveries(wid, actor="root")) == 30  # its attempts are logged: they happened
    with app.store.write() as tx:
        tx.webhooks.release(wid, "thief")
    sent.clear()
    assert hooks.deliver_due() == 30  # at least once: sent again, with the same delivery ids
    assert sent == [f"whd-{wid}-{s}" for s in seqs]
    assert cursor(app, wid) == seqs[-1]
    hooks.close()
