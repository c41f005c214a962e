"""Webhook subscriptions and deliveries: the rules on their input, their ids, the retry schedule.

What they deliver is the event stream (:mod:`steward.core.events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from steward.core.audit import canonical_time
from steward.core.errors import InvalidInputError
from steward.core.events import EVENT_ID_PREFIX
from steward.core.search import parse_time

URL_MAX = 2000


def check_url(url: str) -> str:
    """An http(s) URL with a host and no credentials; any host (a receiver may live anywhere)."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX or any(c.isspace() for c in url):
        raise InvalidInputError(
            f"Bad webhook URL {str(url)[:100]!r}: give an http:// or https:// URL of at most "
            f"{URL_MAX} characters, without spaces."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInputError(f"Bad webhook URL {url[:100]!r}: it does not parse as a URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(
            f"Bad webhook URL {url[:100]!r}: Steward delivers to http:// or https:// URLs with a host, "
            "e.g. https://hooks.example.com/steward."
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError(
            "A webhook URL must not carry credentials (user:password@); receivers check the "
            "Steward-Signature header, signed with the webhook's secret, instead."
        )
    if port == 0:
        raise InvalidInputError(f"Bad webhook URL {url[:100]!r}: port 0 cannot be reached.")
    return url


def check_secret(secret: str) -> str:
    if not isinstance(secret, str) or not 16 <= len(secret) <= 200 or any(c.isspace() for c in secret):
        raise InvalidInputError(
            "A webhook secret is 16 to 200 characters without spaces (leave it out to get a random one)."
        )
    return secret


def check_webhook_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**62:
        raise InvalidInputError(f"Bad webhook id {value!r}: `steward webhooks list` shows them.")
    return value


def delivery_id(subscription: int, seq: int) -> str:
    """Stable per (subscription, event): a retried delivery keeps it, so receivers can de-duplicate."""
    return f"whd-{subscription}-{seq}"


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number *attempt* (1, 2, …): base, 2·base, 4·base … cap."""
    return float(min(cap, base * 2 ** min(max(attempt - 1, 0), 40)))


@dataclass(frozen=True)
class Webhook:
    """A subscription. Its secret is not here: it is read only to sign, and never shown after creation.

    ``cursor`` is the ``seq`` of the last event handled (delivered, or skipped as not
    matching); ``attempt`` counts failed attempts at the next event, due again at
    ``next_attempt_at``.
    """

    id: int
    url: str
    events: tuple[str, ...]
    created_by: str
    created_at: datetime
    cursor: int
    attempt: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "created_by": self.created_by,
            "created_at": canonical_time(self.created_at),
            "cursor": self.cursor,
            "attempt": self.attempt,
            "next_attempt_at": canonical_time(self.next_attempt_at) if self.next_attempt_at else None,
            "last_error": self.last_error,
        }


def webhook_from_dict(data: dict[str, Any]) -> Webhook:
    return Webhook(
        id=int(data["id"]),
        url=str(data["url"]),
        events=tuple(data["events"]),
        created_by=str(data["created_by"]),
        created_at=parse_time(str(data["created_at"])),
        cursor=int(data["cursor"]),
        attempt=int(data.get("attempt", 0)),
        next_attempt_at=parse_time(data["next_attempt_at"]) if data.get("next_attempt_at") else None,
        last_error=str(data.get("last_error") or ""),
    )


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one event (or a test ping, ``seq`` 0) to one subscription."""

    webhook: int
    seq: int
    type: str
    delivery_id: str
    attempt: int
    at: datetime
    status_code: int | None
    error: str
    next_attempt_at: datetime | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def to_dict(self) -> dict[str, Any]:
        return {
            "webhook": self.webhook,
            "event": f"{EVENT_ID_PREFIX}{self.seq}" if self.seq else f"{EVENT_ID_PREFIX}ping",
            "seq": self.seq,
            "type": self.type,
            "delivery_id": self.delivery_id,
            "attempt": self.attempt,
            "at": canonical_time(self.at),
            "status_code": self.status_code,
            "error": self.error,
            "delivered": self.delivered,
            "next_attempt_at": canonical_time(self.next_attempt_at) if self.next_attempt_at else None,
            "duration_ms": round(self.duration_ms, 3),
        }


def delivery_from_dict(data: dict[str, Any]) -> Delivery:
    return Delivery(
        webhook=int(data["webhook"]),
        seq=int(data["seq"]),
        type=str(data["type"]),
        delivery_id=str(data["delivery_id"]),
        attempt=int(data["attempt"]),
        at=parse_time(str(data["at"])),
        status_code=None if data.get("status_code") is None else int(data["status_code"]),
        error=str(data.get("error") or ""),
        next_attempt_at=parse_time(data["next_attempt_at"]) if data.get("next_attempt_at") else None,
        duration_ms=float(data.get("duration_ms") or 0.0),
    )


@dataclass(frozen=True)
class NewWebhook:
    """A subscription just created, with its secret: the only time the secret is shown."""

    webhook: Webhook
    secret: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.webhook.to_dict(), "secret": self.secret}
