"""The client's event and webhook methods, the same embedded and over HTTP (:class:`RemoteEvents`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from steward.core.events import Event, check_patterns, event_from_body
from steward.core.webhooks import (
    Delivery,
    NewWebhook,
    Webhook,
    check_url,
    check_webhook_id,
    delivery_from_dict,
    webhook_from_dict,
)

if TYPE_CHECKING:
    from steward.app import Steward
    from steward.sdk.remote import _Http


class Events(Protocol):
    def events(self, after: int, types: str | None, limit: int) -> list[Event]: ...
    def add_webhook(
        self, url: str, events: str | list[str], secret: str | None, *, actor: str, reason: str
    ) -> NewWebhook: ...
    def webhooks(self, *, actor: str) -> list[Webhook]: ...
    def webhook(self, webhook_id: int, *, actor: str) -> Webhook: ...
    def remove_webhook(self, webhook_id: int, *, actor: str, reason: str) -> Webhook: ...
    def test_webhook(self, webhook_id: int, *, actor: str) -> Delivery: ...
    def deliveries(self, webhook_id: int, limit: int, *, actor: str) -> list[Delivery]: ...


class EmbeddedEvents:
    def __init__(self, app: Steward) -> None:
        self.app = app

    def events(self, after: int, types: str | None, limit: int) -> list[Event]:
        return self.app.events.list(after=after, types=types, limit=limit)

    def add_webhook(
        self, url: str, events: str | list[str], secret: str | None, *, actor: str, reason: str
    ) -> NewWebhook:
        return self.app.webhooks.add(url, events, actor=actor, secret=secret, reason=reason)

    def webhooks(self, *, actor: str) -> list[Webhook]:
        return self.app.webhooks.list(actor=actor)

    def webhook(self, webhook_id: int, *, actor: str) -> Webhook:
        return self.app.webhooks.get(webhook_id, actor=actor)

    def remove_webhook(self, webhook_id: int, *, actor: str, reason: str) -> Webhook:
        return self.app.webhooks.remove(webhook_id, actor=actor, reason=reason)

    def test_webhook(self, webhook_id: int, *, actor: str) -> Delivery:
        return self.app.webhooks.test(webhook_id, actor=actor)

    def deliveries(self, webhook_id: int, limit: int, *, actor: str) -> list[Delivery]:
        return self.app.webhooks.deliveries(webhook_id, actor=actor, limit=limit)


class RemoteEvents:
    """The same over HTTP; input is checked here first, so a bad call fails before any request."""

    PATH = "/api/v1/webhooks"

    def __init__(self, http: _Http) -> None:
        self.http = http

    def events(self, after: int, types: str | None, limit: int) -> list[Event]:
        params: dict[str, Any] = {"after": after, "limit": limit}
        if types is not None:
            params["types"] = ",".join(check_patterns(types))
        items = self.http.json("GET", "/api/v1/events", params=params)["items"]
        return [event_from_body(item) for item in items]

    def add_webhook(
        self, url: str, events: str | list[str], secret: str | None, *, actor: str, reason: str
    ) -> NewWebhook:
        body = {
            "url": check_url(url),
            "events": list(check_patterns(events)),
            "secret": secret,
            "reason": reason,
        }
        data = self.http.json("POST", self.PATH, json=body)
        return NewWebhook(webhook_from_dict(data), str(data["secret"]))

    def webhooks(self, *, actor: str) -> list[Webhook]:
        return [webhook_from_dict(item) for item in self.http.json("GET", self.PATH)["items"]]

    def webhook(self, webhook_id: int, *, actor: str) -> Webhook:
        return webhook_from_dict(self.http.json("GET", f"{self.PATH}/{check_webhook_id(webhook_id)}"))

    def remove_webhook(self, webhook_id: int, *, actor: str, reason: str) -> Webhook:
        path = f"{self.PATH}/{check_webhook_id(webhook_id)}"
        return webhook_from_dict(self.http.json("DELETE", path, params={"reason": reason}))

    def test_webhook(self, webhook_id: int, *, actor: str) -> Delivery:
        return delivery_from_dict(self.http.json("POST", f"{self.PATH}/{check_webhook_id(webhook_id)}/test"))

    def deliveries(self, webhook_id: int, limit: int, *, actor: str) -> list[Delivery]:
        path = f"{self.PATH}/{check_webhook_id(webhook_id)}/deliveries"
        return [delivery_from_dict(d) for d in self.http.json("GET", path, params={"limit": limit})["items"]]


class EventMethods:
    """Mixed into :class:`~steward.Client`: ``self._events`` is embedded or remote; ``self.actor`` acts."""

    _events: Events
    actor: str

    def events(self, *, after: int = 0, types: str | None = None, limit: int = 100) -> list[Event]:
        """Events with ``seq`` above *after*, oldest first; *types* as patterns, e.g. ``'alias.*'``."""
        return self._events.events(after, types, limit)

    def add_webhook(
        self, url: str, events: str | list[str], *, secret: str | None = None, reason: str = ""
    ) -> NewWebhook:
        """Subscribe *url* to *events* from now on (admin). The result holds the secret: keep it, it is
        not shown again; the receiver checks ``Steward-Signature`` with it."""
        return self._events.add_webhook(url, events, secret, actor=self.actor, reason=reason)

    def webhooks(self) -> list[Webhook]:
        return self._events.webhooks(actor=self.actor)

    def webhook(self, webhook_id: int) -> Webhook:
        return self._events.webhook(webhook_id, actor=self.actor)

    def remove_webhook(self, webhook_id: int, *, reason: str = "") -> Webhook:
        return self._events.remove_webhook(webhook_id, actor=self.actor, reason=reason)

    def test_webhook(self, webhook_id: int) -> Delivery:
        """Send a ``ping`` event now; the answer (status code or error) comes back and is logged."""
        return self._events.test_webhook(webhook_id, actor=self.actor)

    def webhook_deliveries(self, webhook_id: int, *, limit: int = 100) -> list[Delivery]:
        """Every delivery attempt to the webhook, newest first."""
        return self._events.deliveries(webhook_id, limit, actor=self.actor)
