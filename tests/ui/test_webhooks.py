"""The webhooks and events pages over HTTP, against a real control plane delivering to a real receiver.

Admins see the subscriptions, their backlog and retry state, each one's delivery log, and add (the
secret shown once), ping and remove through CSRF forms with a reason; everyone else sees no link and
gets 403 with nothing written. The events page lists the stream newest first, filtered by type.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from steward.app import Steward
from steward.core.webhooks import Delivery
from steward.services.notifiers import sign
from steward.services.webhooks import WebhookDispatcher, WebhookService
from tests.receiver import Receiver
from tests.ui.conftest import World, csrf_of, sign_in

SECRET = re.compile(r'data-testid="secret">([^<]+)<')


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture(scope="module", autouse=True)
def dispatcher(world: World) -> Iterator[None]:
    """A delivery thread on the console's database, as `steward server` runs beside the console (the
    test server is the bare ASGI app); retries after 0.2 s … 1 s instead of 1 s … 5 min."""
    with Steward.open(world.settings()) as steward:
        service = WebhookService(steward.store, steward.access, backoff_base=0.2, backoff_cap=1.0)
        thread = WebhookDispatcher(lambda: service, 0.1)
        thread.start()
        try:
            yield
        finally:
            thread.stop()
            service.close()


def wait_for(check: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll until *check* holds; a bound against hanging, not a timing assertion."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.1)


def api(console: httpx.Client, world: World, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {world.tokens['root']}"}
    answer = console.request(method, f"/api/v1{path}", headers=headers, **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.headers["content-type"].startswith("application/json") else answer.text


def hooks(console: httpx.Client, world: World) -> dict[int, dict[str, Any]]:
    return {h["id"]: h for h in api(console, world, "GET", "/webhooks")["items"]}


def subscriptions(console: httpx.Client, world: World) -> dict[int, tuple[str, list[str]]]:
    """Which webhooks exist (their cursors move as the dispatcher passes events over)."""
    return {i: (h["url"], h["events"]) for i, h in hooks(console, world).items()}


def audit_lines(console: httpx.Client, world: World) -> list[str]:
    text: str = api(console, world, "GET", "/audit/export")
    return text.splitlines()


def post(console: httpx.Client, path: str, page: str, **fields: str) -> httpx.Response:
    return console.post(path, data={"csrf": csrf_of(console, page), **fields})


def add(
    console: httpx.Client, url: str, events: str = "*", reason: str = "a test receiver"
) -> tuple[int, str]:
    answer = post(console, "/webhooks", "/webhooks", url=url, events=events, reason=reason)
    assert answer.status_code == 201, answer.text
    found = SECRET.search(answer.text)
    assert found, answer.text
    ident = re.search(r"Webhook (\d+) added", answer.text)
    assert ident
    return int(ident.group(1)), found.group(1)


# -- who sees what --------------------------------------------------------------------------------


def test_only_admins_get_the_webhooks_link_and_everyone_the_events_link(
    console: httpx.Client, world: World
) -> None:
    html = sign_in(console, world, "root").get("/").text
    assert 'href="/webhooks"' in html and 'href="/events"' in html
    for user in ("vic", "olga", "alice"):
        console.cookies.clear()
        html = sign_in(console, world, user).get("/").text
        assert 'href="/webhooks"' not in html and 'href="/events"' in html


@pytest.mark.parametrize("path", ["/webhooks", "/webhooks/1"])
def test_non_admins_get_a_403_page(console: httpx.Client, world: World, path: str) -> None:
    answer = sign_in(console, world, "olga").get(path)
    assert answer.status_code == 403 and "Not allowed" in answer.text


def test_signed_out_visitors_are_sent_to_sign_in(console: httpx.Client, world: World) -> None:
    for path in ("/webhooks", "/events"):
        answer = console.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


# -- adding, pinging, removing --------------------------------------------------------------------


def test_adding_shows_the_secret_once_and_it_signs_deliveries(
    console: httpx.Client, world: World, receiver: Receiver
) -> None:
    sign_in(console, world, "root")
    events_before = len(audit_lines(console, world))
    ident, secret = add(console, receiver.url, "model.created", reason="the data team's receiver")
    assert secret.startswith("whsec_")
    assert hooks(console, world)[ident]["events"] == ["model.created"]
    created = audit_lines(console, world)[events_before:]
    assert len(created) == 1 and '"webhook.create"' in created[0] and "the data team's receiver" in created[0]
    for page in ("/webhooks", f"/webhooks/{ident}"):
        html = console.get(page).text
        assert receiver.url in html and secret not in html
    with world.client("alice") as alice:
        alice.create_model("signed-by-secret")
    wait_for(
        lambda: any(r.body["subject"] == "signed-by-secret" for r in receiver.accepted()), "the delivery"
    )
    [got] = [r for r in receiver.accepted() if r.body["subject"] == "signed-by-secret"]
    assert got.signature == sign(got.raw, secret) and got.delivery.startswith(f"whd-{ident}-")
    wait_for(lambda: "up to date" in console.get("/webhooks").text, "the cursor to reach the head")
    log = console.get(f"/webhooks/{ident}").text
    assert got.delivery in log and 'class="delivered"' in log


def test_a_test_ping_is_sent_and_logged(console: httpx.Client, world: World, receiver: Receiver) -> None:
    sign_in(console, world, "root")
    ident, _ = add(console, receiver.url, "alert.fired")
    seen = len(receiver.received)
    answer = post(console, f"/webhooks/{ident}/test", f"/webhooks/{ident}")
    assert answer.status_code == 303 and answer.headers["location"] == f"/webhooks/{ident}"
    assert [r.event for r in receiver.received[seen:]] == ["ping"]
    log = console.get(f"/webhooks/{ident}").text
    assert receiver.received[seen].delivery in log and "HTTP 200" in log


def test_removing_needs_a_reason_and_is_audited(
    console: httpx.Client, world: World, receiver: Receiver
) -> None:
    sign_in(console, world, "root")
    ident, _ = add(console, receiver.url, "finding.closed")
    refused = post(console, f"/webhooks/{ident}/remove", f"/webhooks/{ident}", reason=" ")
    assert refused.status_code == 422 and "Reason is required" in refused.text
    assert ident in hooks(console, world)
    answer = post(console, f"/webhooks/{ident}/remove", f"/webhooks/{ident}", reason="receiver retired")
    assert answer.status_code == 303 and answer.headers["location"] == "/webhooks"
    assert ident not in hooks(console, world)
    last = audit_lines(console, world)[-1]
    assert '"webhook.delete"' in last and "receiver retired" in last
    assert console.get(f"/webhooks/{ident}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "ftp://example.com/x", "events": "*", "reason": "r"}, "http:// or https://"),
        ({"url": "http://user:pw@example.com/x", "events": "*", "reason": "r"}, "credentials"),
        ({"url": "http://example.com/x", "events": "aliases.*", "reason": "r"}, "Unknown event pattern"),
        ({"url": "http://example.com/x", "events": "*", "reason": ""}, "Reason is required"),
        ({"url": "", "events": "*", "reason": "r"}, "URL is required"),
    ],
)
def test_bad_input_is_a_422_page_and_writes_nothing(
    console: httpx.Client, world: World, fields: dict[str, str], message: str
) -> None:
    sign_in(console, world, "root")
    before, events = subscriptions(console, world), len(audit_lines(console, world))
    answer = post(console, "/webhooks", "/webhooks", **fields)
    assert answer.status_code == 422 and message in answer.text
    assert subscriptions(console, world) == before and len(audit_lines(console, world)) == events


def test_bad_and_unknown_ids(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "root")
    assert console.get("/webhooks/abc").status_code == 422
    assert console.get("/webhooks/0").status_code == 422
    missing = console.get("/webhooks/987654")
    assert missing.status_code == 404 and "No webhook 987654" in missing.text
    assert post(console, "/webhooks/987654/test", "/webhooks").status_code == 404


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["vic", "olga"])
@pytest.mark.parametrize("action", ["add", "test", "remove"])
def test_a_forged_action_from_a_non_admin_is_refused_and_writes_nothing(
    console: httpx.Client, world: World, receiver: Receiver, user: str, action: str
) -> None:
    sign_in(console, world, "root")
    ident, _ = add(console, receiver.url, "finding.opened")
    console.cookies.clear()
    before, events, received = (
        subscriptions(console, world),
        len(audit_lines(console, world)),
        len(receiver.received),
    )
    deliveries = api(console, world, "GET", f"/webhooks/{ident}/deliveries")["items"]
    sign_in(console, world, user)
    path = {"add": "/webhooks", "test": f"/webhooks/{ident}/test", "remove": f"/webhooks/{ident}/remove"}[
        action
    ]
    fields = {"url": receiver.url, "events": "*"} if action == "add" else {}
    answer = post(console, path, "/", reason="forged", **fields)
    assert answer.status_code == 403 and "Not allowed" in answer.text
    assert subscriptions(console, world) == before and len(audit_lines(console, world)) == events
    assert api(console, world, "GET", f"/webhooks/{ident}/deliveries")["items"] == deliveries
    assert len(receiver.received) == received


def test_a_form_without_the_csrf_token_is_refused(
    console: httpx.Client, world: World, receiver: Receiver
) -> None:
    sign_in(console, world, "root")
    before = subscriptions(console, world)
    answer = console.post("/webhooks", data={"url": receiver.url, "events": "*", "reason": "r"})
    assert answer.status_code == 403 and "security token" in answer.text
    assert subscriptions(console, world) == before


# -- a receiver that fails, then answers ------------------------------------------------------------


def test_a_failed_delivery_is_highlighted_with_its_next_retry_until_delivered(
    console: httpx.Client, world: World
) -> None:
    flaky = Receiver(status=503).start()
    try:
        sign_in(console, world, "root")
        ident, _ = add(console, flaky.url, "model.created")
        with world.client("alice") as alice:
            alice.create_model("waits-for-its-receiver")
        wait_for(lambda: "waiting for retry" in console.get(f"/webhooks/{ident}").text, "a failed attempt")
        log = console.get(f"/webhooks/{ident}").text
        row = re.search(r'<tr class="failed pending"[^>]*>(.*?)</tr>', log, re.S)
        assert row and "HTTP 503" in row.group(1) and "waiting for retry" in row.group(1)
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row.group(1).split("HTTP 503")[1])  # next retry
        listing = console.get("/webhooks").text
        assert f'id="webhook-{ident}" class="failing"' in listing and "retrying" in listing
        assert "HTTP 503" in listing  # the last error
        flaky.status = 200
        wait_for(lambda: 'class="delivered"' in console.get(f"/webhooks/{ident}").text, "the retry", 120)
        log = console.get(f"/webhooks/{ident}").text
        assert "waiting for retry" not in log and 'class="failed"' in log  # the failure stays, settled
        subjects = [r.body["subject"] for r in flaky.accepted()]
        assert subjects == ["waits-for-its-receiver"]
    finally:
        flaky.stop()


# -- the delivery log's pages ------------------------------------------------------------------------


def test_the_delivery_log_is_paged_newest_first(
    console: httpx.Client, world: World, receiver: Receiver
) -> None:
    sign_in(console, world, "root")
    ident, _ = add(console, receiver.url, "policy.published")
    at = datetime(2026, 5, 1, tzinfo=UTC)
    with Steward.open(world.settings()) as steward, steward.store.write() as tx:
        for n in range(60):  # ping n answered 500 when n is odd
            status = 500 if n % 2 else 200
            tx.webhooks.log(
                Delivery(ident, 0, "ping", f"whd-{ident}-0-ping-n{n:02d}", 1, at, status, "", None, 2.0)
            )
    first = console.get(f"/webhooks/{ident}").text
    ids = re.findall(rf'data-delivery="whd-{ident}-0-ping-n(\d\d)"', first)
    assert ids == [f"{n:02d}" for n in range(59, 9, -1)]
    assert first.count('class="failed"') == 25 and first.count('class="delivered"') == 25
    assert f"/webhooks/{ident}?page=2" in first
    second = console.get(f"/webhooks/{ident}?page=2").text
    assert re.findall(rf'data-delivery="whd-{ident}-0-ping-n(\d\d)"', second) == [
        f"{n:02d}" for n in range(9, -1, -1)
    ]
    assert 'rel="next"' not in second


# -- the events page ---------------------------------------------------------------------------------


def test_the_events_page_lists_the_stream_newest_first_for_everyone(
    console: httpx.Client, world: World
) -> None:
    html = sign_in(console, world, "vic").get("/events").text
    seqs = [int(s) for s in re.findall(r'<tr id="evt-(\d+)"', html)]
    assert seqs and seqs == sorted(seqs, reverse=True)
    assert "alias.moved" in html and "deployment.changed" in html


def test_the_events_page_filters_by_type_and_pages_back(console: httpx.Client, world: World) -> None:
    with world.client("alice") as alice:
        for n in range(55):
            alice.create_model(f"paged-{n:02d}")
    sign_in(console, world, "vic")
    first = console.get("/events", params={"types": "model.created"}).text
    assert "alias.moved</code>" not in first
    subjects = re.findall(r'class="name">(paged-\d\d)<', first)
    assert subjects == [f"paged-{n:02d}" for n in range(54, 4, -1)]
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older
    second = console.get(older.group(1).replace("&amp;", "&")).text
    names = re.findall(r'class="name">([^<]+)<', second)
    assert names[:5] == [f"paged-{n:02d}" for n in range(4, -1, -1)] and "churn" in names
    assert all(
        n.startswith("paged-") or n in ("churn", "signed-by-secret", "waits-for-its-receiver") for n in names
    )
    globbed = console.get("/events", params={"types": "alias.*"}).text
    assert "alias.moved" in globbed and "model.created</code>" not in globbed


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"types": "aliases.*"}, "Unknown event pattern"),
        ({"before": "x"}, "event number"),
        ({"before": "0"}, "event number"),
    ],
)
def test_bad_event_filters_are_a_422_page(
    console: httpx.Client, world: World, params: dict[str, str], message: str
) -> None:
    answer = sign_in(console, world, "vic").get("/events", params=params)
    assert answer.status_code == 422 and message in answer.text
