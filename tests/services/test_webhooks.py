"""Webhook delivery against a real receiver on a loopback port, on SQLite and PostgreSQL.

The must-hold: a receiver that is down for a while (answering 503, then not
listening at all) still gets every event afterwards, in order, each exactly
once per delivery id. Also: retries keep their delivery id, every attempt is
logged, two dispatchers on one database never deliver an event twice, bad
input writes nothing, only admins manage webhooks.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from steward.app import Steward
from steward.core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from steward.services.notifiers import sign
from steward.services.webhooks import WebhookDispatcher, WebhookService
from steward.settings import Settings
from steward.store import open_store
from tests.receiver import Receiver

from . import webhook_workers

SPAWN = multiprocessing.get_context("spawn")


def wait_for(check: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    """Poll until *check* holds; a bound against hanging, not a timing assertion."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    return Settings.resolve(
        store_url, artifacts=str(tmp_path / "artifacts"), actor="root", env={"STEWARD_HOME": str(tmp_path)}
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Steward]:
    with Steward.open(settings) as opened:
        yield opened


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def fast(app: Steward) -> WebhookService:
    """The app's store, with retries after 0.05 s, 0.1 s … 0.2 s instead of 1 s … 5 min."""
    return WebhookService(app.store, app.access, backoff_base=0.05, backoff_cap=0.2)


def created_seqs(app: Steward) -> list[int]:
    with app.store.read() as tx:
        return [e.seq or 0 for e in tx.audit.list(action="model.create", limit=10_000)]


def test_a_receiver_down_for_a_while_gets_every_event_in_order_once(app: Steward, receiver: Receiver) -> None:
    made = app.webhooks.add(receiver.url, "model.created", actor="root")
    service = fast(app)
    dispatcher = WebhookDispatcher(lambda: service, 0.02)
    names = iter(f"m{i}" for i in range(100))

    def changes(count: int) -> None:
        for _ in range(count):
            name = next(names)
            app.registry.create_model(name, actor="ann")
            app.registry.update_model(name, actor="ann", description="not subscribed to")

    def log_has(predicate: Callable[[dict[str, object]], bool]) -> bool:
        return any(predicate(d.to_dict()) for d in app.webhooks.deliveries(made.webhook.id, actor="root"))

    dispatcher.start()
    try:
        changes(3)
        wait_for(lambda: len(receiver.accepted()) == 3, "the first three events")
        receiver.status = 503  # up, but failing
        changes(3)
        wait_for(lambda: sum(r.status == 503 for r in receiver.received) >= 3, "three 503 answers")
        receiver.stop()  # not listening at all
        changes(3)
        wait_for(
            lambda: log_has(lambda d: d["status_code"] is None and bool(d["error"])), "a refused connection"
        )
        assert len(receiver.accepted()) == 3
        receiver.status = 200
        receiver.start()
        wait_for(lambda: len({r.delivery for r in receiver.accepted()}) == 9, "every event after the outage")
    finally:
        dispatcher.stop()
        service.close()

    accepted = receiver.accepted()
    seqs = created_seqs(app)
    assert len(seqs) == 9
    counts = Counter(r.delivery for r in accepted)
    assert len(counts) == 9 and set(counts.values()) == {1}  # each delivery id delivered exactly once
    assert [r.body["id"] for r in accepted] == [f"evt-{s}" for s in seqs]  # in order, nothing skipped
    assert [r.delivery for r in accepted] == [f"whd-{made.webhook.id}-{s}" for s in seqs]
    assert {r.event for r in accepted} == {"model.created"}
    assert all(r.signature == sign(r.raw, made.secret) for r in receiver.received)
    refused = {r.delivery for r in receiver.received if r.status == 503}
    assert refused and refused <= {r.delivery for r in accepted}  # a retry keeps its delivery id
    log = [d.to_dict() for d in app.webhooks.deliveries(made.webhook.id, actor="root", limit=1000)]
    assert {d["status_code"] for d in log} >= {200, 503, None}
    failed = [d for d in log if not d["delivered"]]
    assert all(d["next_attempt_at"] is not None and d["attempt"] >= 1 for d in failed)
    retried = [d for d in log if d["delivered"] and d["attempt"] > 1]
    assert retried, "the event that met the outage was delivered on a later attempt"
    hook = app.webhooks.get(made.webhook.id, actor="root")
    assert hook.cursor >= seqs[-1] and hook.attempt == 0 and hook.next_attempt_at is None


def test_two_dispatchers_on_one_database_deliver_each_event_once(
    app: Steward, store_url: str, receiver: Receiver
) -> None:
    made = app.webhooks.add(receiver.url, "model.*", actor="root")
    for i in range(40):
        app.registry.create_model(f"n{i}", actor="ann")
    with app.store.read() as tx:
        last = tx.audit.list(action="model.create", limit=10_000)[-1].seq
    stores = [open_store(store_url) for _ in range(2)]
    services = [WebhookService(s, backoff_base=0.05, backoff_cap=0.2) for s in stores]
    start = threading.Barrier(2)

    def run(service: WebhookService) -> None:
        start.wait()
        while app.webhooks.get(made.webhook.id, actor="root").cursor < (last or 0):
            service.deliver_due()

    threads = [threading.Thread(target=run, args=(s,)) for s in services]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for service, store in zip(services, stores, strict=True):
            service.close()
            store.close()
    assert not any(t.is_alive() for t in threads)
    ids = [r.delivery for r in receiver.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert ids == sorted(ids, key=lambda d: int(d.rsplit("-", 1)[1]))


def test_bad_urls_and_unknown_patterns_write_nothing(app: Steward) -> None:
    with app.store.read() as tx:
        before = len(tx.audit.list(limit=10_000))
    for url, events in (
        ("ftp://example.com/hook", "alias.*"),
        ("http://", "alias.*"),
        ("hooks.example.com/x", "alias.*"),
        ("http://user:pw@example.com/", "alias.*"),
        ("http://example.com/a b", "alias.*"),
        ("https://example.com/hook", "nope.*"),
        ("https://example.com/hook", "alias.*,Alias.Moved"),
        ("https://example.com/hook", " , "),
    ):
        with pytest.raises(InvalidInputError):
            app.webhooks.add(url, events, actor="root")
    with pytest.raises(InvalidInputError, match="16 to 200"):
        app.webhooks.add("https://example.com/hook", "*", actor="root", secret="short")
    with pytest.raises(NotFoundError):
        app.webhooks.remove(999, actor="root")
    with pytest.raises(InvalidInputError):
        app.webhooks.test(0, actor="root")
    assert app.webhooks.list(actor="root") == []
    with app.store.read() as tx:
        assert len(tx.audit.list(limit=10_000)) == before
    # a host that is not on this machine is fine to store: receivers live anywhere
    stored = app.webhooks.add("https://hooks.example.com/steward", "alias.*,deployment.*", actor="root")
    assert stored.webhook.events == ("alias.*", "deployment.*")


def test_the_secret_is_shown_once_and_signs_every_delivery(app: Steward, receiver: Receiver) -> None:
    made = app.webhooks.add(receiver.url, "*", actor="root", secret="s3cret-s3cret-s3cret")
    assert made.secret == "s3cret-s3cret-s3cret" and made.to_dict()["secret"] == made.secret
    assert "secret" not in app.webhooks.get(made.webhook.id, actor="root").to_dict()
    generated = app.webhooks.add(receiver.url, "*", actor="root")
    assert generated.secret.startswith("whsec_") and len(generated.secret) > 40
    with app.store.read() as tx:
        audit = tx.audit.list(action="webhook.create", limit=10)
    assert len(audit) == 2 and all("secret" not in (e.after or {}) for e in audit)
    assert made.secret not in str([e.after for e in audit])
    ping = app.webhooks.test(made.webhook.id, actor="root")
    assert ping.status_code == 200 and ping.delivered and ping.type == "ping"
    [got] = receiver.received
    assert got.signature == sign(got.raw, made.secret) and got.event == "ping"
    assert got.delivery == ping.delivery_id and got.body["type"] == "ping"
    logged = app.webhooks.deliveries(made.webhook.id, actor="root")
    assert [d.delivery_id for d in logged] == [ping.delivery_id]


def test_a_test_ping_to_a_receiver_that_is_down_reports_the_error(app: Steward, receiver: Receiver) -> None:
    made = app.webhooks.add(receiver.url, "*", actor="root")
    receiver.stop()
    ping = app.webhooks.test(made.webhook.id, actor="root")
    assert ping.status_code is None and not ping.delivered and "Connect" in ping.error
    [logged] = app.webhooks.deliveries(made.webhook.id, actor="root")
    assert logged.error == ping.error


def test_removing_a_webhook_stops_deliveries_and_is_audited(app: Steward, receiver: Receiver) -> None:
    made = app.webhooks.add(receiver.url, "model.*", actor="root")
    app.registry.create_model("first", actor="ann")
    service = fast(app)
    try:
        assert service.deliver_due() == 1
        app.webhooks.remove(made.webhook.id, actor="root")
        app.registry.create_model("second", actor="ann")
        assert service.deliver_due() == 0
    finally:
        service.close()
    assert [r.body["subject"] for r in receiver.received] == ["first"]
    with app.store.read() as tx:
        [removed] = tx.audit.list(action="webhook.delete", limit=10)
    assert removed.actor == "root" and removed.before and removed.before["url"] == receiver.url
    with pytest.raises(NotFoundError):
        app.webhooks.deliveries(made.webhook.id, actor="root")


def test_only_admins_manage_webhooks(settings: Settings, receiver: Receiver) -> None:
    with Steward.open(settings) as setup:
        setup.identities.create_user("root", actor="root", role="admin")
        setup.identities.create_user("ops", actor="root", role="operator")
        kept = setup.webhooks.add(receiver.url, "*", actor="root")
    with Steward.open(replace(settings, auth="on")) as app:
        with app.store.read() as tx:
            before = len(tx.audit.list(limit=10_000))
        hook = kept.webhook.id
        for call in (
            lambda: app.webhooks.add(receiver.url, "*", actor="ops"),
            lambda: app.webhooks.remove(hook, actor="ops"),
            lambda: app.webhooks.test(hook, actor="ops"),
            lambda: app.webhooks.list(actor="ops"),
            lambda: app.webhooks.deliveries(hook, actor="ops"),
        ):
            with pytest.raises(PermissionDeniedError, match=r"webhook\.manage"):
                call()
        assert receiver.received == []
        with app.store.read() as tx:
            assert len(tx.audit.list(limit=10_000)) == before
        assert [w.id for w in app.webhooks.list(actor="root")] == [hook]


@pytest.mark.slow
def test_two_control_plane_processes_deliver_each_event_once(
    app: Steward, store_url: str, receiver: Receiver
) -> None:
    made = app.webhooks.add(receiver.url, "model.*", actor="root")
    for i in range(60):
        app.registry.create_model(f"p{i}", actor="ann")
    last = created_seqs(app)[-1]
    manager = SPAWN.Manager()
    try:
        start = manager.Barrier(2)
        with ProcessPoolExecutor(2, mp_context=SPAWN) as pool:
            jobs = [
                pool.submit(webhook_workers.drain, store_url, made.webhook.id, last, start) for _ in range(2)
            ]
            counts = [job.result(timeout=300) for job in jobs]
    finally:
        manager.shutdown()
    ids = [r.delivery for r in receiver.received]
    assert sum(counts) == 60 and len(ids) == 60 and len(set(ids)) == 60
    assert ids == [f"whd-{made.webhook.id}-{s}" for s in created_seqs(app)]
