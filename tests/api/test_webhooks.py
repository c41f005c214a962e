"""REST /api/v1/webhooks and /api/v1/events against a real control plane, and the SDK's remote side."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from steward import Client
from steward.core.errors import InvalidInputError, NotFoundError
from steward.services.notifiers import sign
from tests.api.conftest import audit_count
from tests.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def test_add_test_deliveries_remove(http: httpx.Client, receiver: Receiver) -> None:
    body = {"url": receiver.url, "events": "alias.*, deployment.*", "reason": "ops channel"}
    made = http.post("/api/v1/webhooks", json=body)
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["events"] == ["alias.*", "deployment.*"] and hook["secret"].startswith("whsec_")
    assert hook["created_by"] == "bob" and hook["cursor"] > 0
    one = http.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert "secret" not in one and one["url"] == receiver.url
    assert all("secret" not in w for w in http.get("/api/v1/webhooks").json()["items"])

    tested = http.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert tested.status_code == 200 and tested.json()["status_code"] == 200
    [ping] = receiver.received
    assert ping.signature == sign(ping.raw, hook["secret"]) and ping.delivery == tested.json()["delivery_id"]
    log = http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"limit": 5}).json()["items"]
    assert [d["delivery_id"] for d in log] == [ping.delivery]

    assert http.delete(f"/api/v1/webhooks/{hook['id']}", params={"reason": "retired"}).status_code == 200
    gone = http.get(f"/api/v1/webhooks/{hook['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    stream = http.get("/api/v1/events", params={"types": "webhook.*", "after": hook["cursor"] - 1}).json()
    assert [e["data"]["action"] for e in stream["items"]] == ["webhook.create", "webhook.delete"]
    assert [e["data"]["reason"] for e in stream["items"]] == ["ops channel", "retired"]
    assert stream["items"][0]["id"] == f"evt-{hook['cursor']}"


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/x", "events": "*"},
        {"url": "http://", "events": "*"},
        {"url": "https://example.com/x", "events": "unknown.*"},
        {"url": "https://example.com/x", "events": []},
        {"url": "https://example.com/x", "events": "*", "secret": "short"},
        {"url": "https://example.com/x", "events": "*", "extra": 1},
        {"events": "*"},
    ],
)
def test_bad_input_is_422_and_writes_nothing(http: httpx.Client, body: dict[str, object]) -> None:
    before = audit_count(http)
    answer = http.post("/api/v1/webhooks", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"
    assert audit_count(http) == before


def test_bad_ids_and_params(http: httpx.Client) -> None:
    assert http.get("/api/v1/webhooks/0").status_code == 422
    assert http.post("/api/v1/webhooks/999999/test").status_code == 404
    assert http.get("/api/v1/webhooks/999999/deliveries").json()["error"]["code"] == "not_found"
    assert http.get("/api/v1/events", params={"types": "nope.*"}).status_code == 422
    assert http.get("/api/v1/events", params={"after": -1}).status_code == 422


def test_the_remote_sdk_has_the_same_methods(base_url: str, receiver: Receiver) -> None:
    with Client(base_url, actor="carol") as client:
        made = client.add_webhook(receiver.url, "model.*")
        assert made.webhook.created_by == "carol" and made.secret.startswith("whsec_")
        assert made.webhook.id in [w.id for w in client.webhooks()]
        assert client.webhook(made.webhook.id).events == ("model.*",)
        client.create_model("remote-events-model")
        created = client.events(after=made.webhook.cursor, types="model.created")
        assert [e.subject for e in created] == ["remote-events-model"] and created[0].actor == "carol"
        ping = client.test_webhook(made.webhook.id)
        assert (
            ping.delivered and client.webhook_deliveries(made.webhook.id)[0].delivery_id == ping.delivery_id
        )
        with pytest.raises(InvalidInputError):
            client.add_webhook("mailto:x@example.com", "*")
        with pytest.raises(InvalidInputError):
            client.events(types="nope.*")
        assert client.remove_webhook(made.webhook.id, reason="done").id == made.webhook.id
        assert client.events(types="webhook.changed")[-1].reason == "done"
        with pytest.raises(NotFoundError):
            client.webhook(made.webhook.id)
