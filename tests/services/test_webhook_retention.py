"""The delivery log's retention, on SQLite and PostgreSQL, against a real receiver on a loopback port.

Settled attempts older than the retention go; a failed attempt still waiting for its retry stays,
however old, until its event is delivered; 0 keeps everything; the dispatcher prunes at most every
``prune_every`` seconds. The service's clock is a hand-moved one, so "31 days later" is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from steward.app import Steward
from steward.core.errors import InvalidInputError
from steward.core.webhooks import Delivery
from steward.services.webhooks import WebhookService
from steward.settings import Settings
from tests.receiver import Receiver

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


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


def service(app: Steward, clock: Clock, **options: float) -> WebhookService:
    return WebhookService(app.store, app.access, clock=clock, backoff_base=1.0, backoff_cap=1.0, **options)


def log_of(hooks: WebhookService, webhook_id: int) -> list[tuple[str, int, bool]]:
    """(delivery id without the ping's random tail, attempt, delivered), oldest first."""
    found = hooks.deliveries(webhook_id, actor="root", limit=1000)[::-1]
    return [(d.delivery_id.split("-ping-")[0] + ("-ping" if d.seq == 0 else ""), d.attempt, d.delivered)
            for d in found]  # fmt: skip


def test_old_settled_attempts_go_and_a_pending_retry_stays_until_delivered(
    app: Steward, receiver: Receiver
) -> None:
    clock = Clock()
    hooks = service(app, clock, retention_days=30)
    made = hooks.add(receiver.url, "model.created", actor="root")
    wid = made.webhook.id
    app.registry.create_model("first", actor="root")
    assert hooks.deliver_due() == 1  # delivered at T0
    assert hooks.test(wid, actor="root").delivered  # a delivered ping at T0
    receiver.status = 503
    app.registry.create_model("second", actor="root")
    assert hooks.deliver_due() == 0  # failed at T0, waiting for its retry
    assert not hooks.test(wid, actor="root").delivered  # a failed ping after the delivered one
    before = log_of(hooks, wid)
    assert [delivered for _, _, delivered in before] == [True, True, False, False]
    pending_id = before[2][0]

    clock.now = T0 + timedelta(days=29)  # not old enough yet
    assert hooks.prune() == 0
    assert log_of(hooks, wid) == before

    clock.now = T0 + timedelta(days=31)
    assert hooks.prune() == 2  # the delivered event and the delivered ping
    assert log_of(hooks, wid) == [(pending_id, 1, False), (f"whd-{wid}-0-ping", 1, False)]
    assert hooks.prune() == 0  # nothing more: the pending retry and the unanswered ping stay

    receiver.status = 200  # back: the retry is delivered 31 days after the first attempt
    assert hooks.deliver_due() == 1
    assert hooks.prune() == 1  # the old failed attempt is settled now; the fresh delivery stays
    assert log_of(hooks, wid) == [(f"whd-{wid}-0-ping", 1, False), (pending_id, 2, True)]

    assert hooks.test(wid, actor="root").delivered  # a delivered ping after the failed one
    assert hooks.prune() == 1  # ... settles the old failed ping
    assert [(d, a) for d, a, _ in log_of(hooks, wid)] == [(pending_id, 2), (f"whd-{wid}-0-ping", 1)]
    hooks.close()


def test_a_failed_attempt_stays_however_old_while_its_event_waits(app: Steward, receiver: Receiver) -> None:
    clock = Clock()
    hooks = service(app, clock, retention_days=1)
    wid = hooks.add(receiver.url, "model.created", actor="root").webhook.id
    receiver.status = 503
    app.registry.create_model("stuck", actor="root")
    for day in range(5):  # a retry a day, every one refused
        clock.now = T0 + timedelta(days=day)
        hooks.deliver_due()
    clock.now = T0 + timedelta(days=400)
    assert hooks.prune() == 0
    assert [(a, d) for _, a, d in log_of(hooks, wid)] == [(n, False) for n in range(1, 6)]
    assert hooks.get(wid, actor="root").attempt == 5
    hooks.close()


def test_zero_keeps_everything(app: Steward, receiver: Receiver) -> None:
    clock = Clock()
    hooks = service(app, clock, retention_days=0)
    wid = hooks.add(receiver.url, "*", actor="root").webhook.id
    app.registry.create_model("kept", actor="root")
    assert hooks.deliver_due() == 1
    clock.now = T0 + timedelta(days=10_000)
    assert hooks.prune() == 0
    assert len(log_of(hooks, wid)) == 1
    hooks.close()


def test_the_dispatcher_prunes_at_most_every_prune_every_seconds(app: Steward, receiver: Receiver) -> None:
    clock = Clock()
    hooks = service(app, clock, retention_days=30, prune_every=3600)
    wid = hooks.add(receiver.url, "model.created", actor="root").webhook.id
    app.registry.create_model("one", actor="root")
    assert hooks.deliver_due() == 1  # the first round pruned (nothing old yet) and delivered
    clock.now = T0 + timedelta(days=31)
    app.registry.create_model("two", actor="root")
    assert hooks.deliver_due() == 1  # within the hour of this process: no pruning
    assert len(log_of(hooks, wid)) == 2
    hooks.prune_every = 0
    assert hooks.deliver_due() == 0  # due again: the round prunes the 31-day-old delivery
    assert [d for d, _, _ in log_of(hooks, wid)] == [f"whd-{wid}-{hooks.get(wid, actor='root').cursor}"]
    hooks.close()


def test_pruning_spans_batches_and_every_webhook(
    app: Steward, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import steward.services.webhooks as module

    monkeypatch.setattr(module, "PRUNE_BATCH", 3)
    clock = Clock()
    hooks = service(app, clock, retention_days=30)
    ids = [hooks.add(receiver.url, "*", actor="root").webhook.id for _ in range(2)]
    with app.store.write() as tx:  # seven old delivered pings on each
        for wid in ids:
            for n in range(7):
                tx.webhooks.log(Delivery(wid, 0, "ping", f"whd-{wid}-0-ping-{n}", 1, T0, 200, "", None, 1.0))
    clock.now = T0 + timedelta(days=31)
    assert hooks.prune() == 14
    assert all(log_of(hooks, wid) == [] for wid in ids)
    hooks.close()


def test_bad_retention_settings_are_refused_with_the_fix(tmp_path: Path) -> None:
    HOME = {"STEWARD_HOME": str(tmp_path)}
    assert Settings.resolve("sqlite:///x.db", env=HOME).webhook_retention == 30
    assert (
        Settings.resolve("sqlite:///x.db", env=HOME | {"STEWARD_WEBHOOK_RETENTION": "0"}).webhook_retention
        == 0
    )
    assert (
        Settings.resolve("sqlite:///x.db", env=HOME | {"STEWARD_WEBHOOK_RETENTION": "7.5"}).webhook_retention
        == 7.5
    )
    for bad in ("-1", "forever", "nan", "1e9"):
        with pytest.raises(InvalidInputError, match="webhook_retention"):
            Settings.resolve("sqlite:///x.db", env=HOME | {"STEWARD_WEBHOOK_RETENTION": bad})


def test_the_app_passes_the_setting_to_the_service(store_url: str, tmp_path: Path) -> None:
    settings = Settings.resolve(
        store_url, artifacts=str(tmp_path / "a"), actor="root",
        env={"STEWARD_HOME": str(tmp_path), "STEWARD_WEBHOOK_RETENTION": "3"},
    )  # fmt: skip
    with Steward.open(settings) as opened:
        assert opened.webhooks.retention_days == 3


def test_pruning_goes_past_pending_failures_and_stops_at_the_first_young_attempt(
    app: Steward, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import steward.services.webhooks as module

    monkeypatch.setattr(module, "PRUNE_BATCH", 3)
    clock = Clock()
    hooks = service(app, clock, retention_days=30)
    wid = hooks.add(receiver.url, "*", actor="root").webhook.id
    waiting = hooks.get(wid, actor="root").cursor + 1_000  # an event the cursor has not passed
    young = T0 + timedelta(days=40)
    with app.store.write() as tx:
        for n in range(4):  # old failed attempts at it: still waiting for their retry
            tx.webhooks.log(Delivery(wid, waiting, "x", f"whd-{wid}-{waiting}", n + 1, T0, 503, "", T0, 1.0))
        for n in range(5):
            tx.webhooks.log(Delivery(wid, 0, "ping", f"old-{n}", 1, T0, 200, "", None, 1.0))
        for n in range(2):
            tx.webhooks.log(Delivery(wid, 0, "ping", f"young-{n}", 1, young, 200, "", None, 1.0))
        tx.webhooks.log(Delivery(wid, 0, "ping", "old-after-young", 1, T0, 200, "", None, 1.0))
    clock.now = T0 + timedelta(days=41)  # 30 days back: T0 is old, T0 + 40 days is young
    assert hooks.prune() == 5
    kept = [d.delivery_id for d in hooks.deliveries(wid, actor="root", limit=100)[::-1]]
    assert kept == [f"whd-{wid}-{waiting}"] * 4 + ["young-0", "young-1", "old-after-young"]
    cutoff, steps, after = clock.now - timedelta(days=30), [], 0
    while after is not None:  # one call reads one stretch and says where to go on, until a young one
        with app.store.write() as tx:
            gone, after = tx.webhooks.prune(wid, before=cutoff, after_id=after, limit=2)
        steps.append(gone)
    assert steps == [0, 0, 0]  # the four pending in two stretches, then young-0 ends it
    hooks.close()
