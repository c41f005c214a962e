"""The event stream: a typed, stable view over the audit log.

Every state change already writes one audit event in the same transaction as
the change, numbered gap-free by ``seq``. An *event* is that record under a
public type (``alias.moved``, ``deployment.changed`` …) with a stable JSON
body, so there is no second write path that could disagree with the audit
trail. Webhook subscriptions choose types with patterns (``alias.*``), and
their deliveries carry ids stable per (subscription, event).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from steward.core.audit import AuditEvent, canonical_time
from steward.core.errors import InvalidInputError
from steward.core.search import parse_time

#: Audit action -> event type. Several actions share a type; the action stays in ``data.action``.
ACTION_TYPES: dict[str, str] = {
    # registry
    "model.create": "model.created",
    "model.update": "model.updated",
    "version.register": "version.registered",
    "alias.set": "alias.moved",
    "alias.delete": "alias.moved",
    # validation and explanations
    "version.validate": "validation.finished",
    "explanation.create": "explanation.created",
    # approvals, policies, cards
    "approval.request": "approval.requested",
    "approval.approve": "approval.decided",
    "approval.reject": "approval.decided",
    "policy.publish": "policy.published",
    "policy.override": "policy.overridden",
    "card.edit": "card.changed",
    "card.submit": "card.changed",
    "card.approve": "card.changed",
    "card.reject": "card.changed",
    "card.archive": "card.changed",
    # deployments and the kill switch
    "deployment.create": "deployment.changed",
    "deployment.update": "deployment.changed",
    "deployment.rollback": "deployment.changed",
    "deployment.promote": "deployment.changed",
    "deployment.kill": "kill_switch.engaged",
    "deployment.revive": "kill_switch.released",
    "version.kill": "kill_switch.engaged",
    "version.revive": "kill_switch.released",
    # monitoring and alerts
    "monitoring.configure": "monitoring.configured",
    "monitoring.reference.set": "monitoring.reference_set",
    "monitoring.labels": "monitoring.labels_received",
    "alert.fire": "alert.fired",
    "alert.resolve": "alert.resolved",
    "alert.rule.create": "alert_rule.changed",
    "alert.rule.update": "alert_rule.changed",
    "alert.rule.delete": "alert_rule.changed",
    # identities
    "user.create": "identity.changed",
    "role.grant": "identity.changed",
    "role.revoke": "identity.changed",
    "token.create": "identity.changed",
    "token.revoke": "identity.changed",
    # the webhooks themselves
    "webhook.create": "webhook.changed",
    "webhook.delete": "webhook.changed",
}

#: Every type a subscription can ask for, sorted.
EVENT_TYPES: tuple[str, ...] = tuple(sorted(set(ACTION_TYPES.values())))
#: The type of ``steward webhooks test``'s event (sent on demand, never part of the stream).
PING = "ping"
EVENT_ID_PREFIX = "evt-"

_PATTERN_RE = re.compile(r"^[a-z0-9_.*]{1,100}$")
URL_MAX = 2000
PATTERNS_MAX = 50


def event_type(action: str) -> str:
    """The public type of audit *action*; an action this version does not know keeps its own name,
    so a newer feature's events are still delivered (to ``*`` subscribers) rather than dropped."""
    return ACTION_TYPES.get(action, action)


@dataclass(frozen=True)
class Event:
    """One state change, as subscribers see it."""

    seq: int
    type: str
    time: datetime
    actor: str
    subject: str
    action: str
    subject_type: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    details: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{EVENT_ID_PREFIX}{self.seq}"

    @classmethod
    def from_audit(cls, audit: AuditEvent) -> Event:
        if audit.seq is None:
            raise InvalidInputError("Only stored audit events (with a seq) are events.")
        return cls(
            seq=audit.seq,
            type=event_type(audit.action),
            time=audit.at,
            actor=audit.actor,
            subject=audit.target,
            action=audit.action,
            subject_type=audit.target_type,
            before=audit.before,
            after=audit.after,
            reason=audit.reason,
            details=dict(audit.details),
        )

    def body(self) -> dict[str, Any]:
        """The stable JSON document a webhook receives and ``GET /api/v1/events`` lists."""
        return {
            "id": self.id,
            "type": self.type,
            "time": canonical_time(self.time),
            "actor": self.actor,
            "subject": self.subject,
            "data": {
                "action": self.action,
                "subject_type": self.subject_type,
                "before": self.before,
                "after": self.after,
                "reason": self.reason,
                "details": self.details,
            },
        }


def event_from_body(body: dict[str, Any]) -> Event:
    """The inverse of :meth:`Event.body` (the SDK's remote side)."""
    try:
        data = body["data"]
        return Event(
            seq=parse_event_id(str(body["id"])),
            type=str(body["type"]),
            time=parse_time(str(body["time"])),
            actor=str(body["actor"]),
            subject=str(body["subject"]),
            action=str(data["action"]),
            subject_type=str(data["subject_type"]),
            before=data.get("before"),
            after=data.get("after"),
            reason=str(data.get("reason", "")),
            details=dict(data.get("details") or {}),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInputError(f"Not an event document: missing {exc}.") from None


def parse_event_id(text: str) -> int:
    """``evt-42`` (or ``42``) -> 42."""
    raw = text.removeprefix(EVENT_ID_PREFIX) if isinstance(text, str) else ""
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInputError(f"Bad event id {text!r}: write evt-<number>, e.g. evt-42.")
    return int(raw)


def ping_body(subscription: int, *, actor: str, at: datetime) -> dict[str, Any]:
    """The body of a test delivery: the event shape, type ``ping``, no ``seq``."""
    return {
        "id": f"{EVENT_ID_PREFIX}ping",
        "type": PING,
        "time": canonical_time(at),
        "actor": actor,
        "subject": f"webhook/{subscription}",
        "data": {
            "action": PING,
            "subject_type": "webhook",
            "before": None,
            "after": None,
            "reason": "steward webhooks test",
            "details": {},
        },
    }


# -- subscriptions -------------------------------------------------------------------------------


def check_patterns(value: str | Sequence[str]) -> tuple[str, ...]:
    """``'alias.*,deployment.*'`` or a list of patterns -> the checked patterns, in order, deduplicated.

    A pattern is an event type or a glob over types (``alias.*``, ``*``); one that
    matches no known type is refused, naming the types, so a typo cannot subscribe to nothing.
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    patterns: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidInputError("Event patterns are text, e.g. 'alias.*,deployment.*'.")
        pattern = item.strip()
        if not pattern:
            continue
        if not _PATTERN_RE.match(pattern):
            raise InvalidInputError(
                f"Bad event pattern {pattern[:100]!r}: use lower-case event types and '*', "
                "e.g. 'alias.*,deployment.changed'."
            )
        if not any(fnmatch.fnmatchcase(t, pattern) for t in EVENT_TYPES):
            raise InvalidInputError(
                f"Unknown event pattern {pattern!r}: it matches no event type. Known types: "
                f"{', '.join(EVENT_TYPES)} (`steward webhooks types`)."
            )
        if pattern not in patterns:
            patterns.append(pattern)
    if not patterns:
        raise InvalidInputError("Name the events to deliver, e.g. --events 'alias.*,deployment.*' (or '*').")
    if len(patterns) > PATTERNS_MAX:
        raise InvalidInputError(f"At most {PATTERNS_MAX} event patterns per webhook.")
    return tuple(patterns)


def matches(patterns: Iterable[str], type_: str) -> bool:
    return any(fnmatch.fnmatchcase(type_, p) for p in patterns)


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
