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
    "finding.open": "finding.opened",
    "finding.close": "finding.closed",
    # deployments and the kill switch
    "deployment.create": "deployment.changed",
    "deployment.update": "deployment.changed",
    "deployment.rollback": "deployment.changed",
    "deployment.promote": "deployment.changed",
    "deployment.kill": "kill_switch.engaged",
    "deployment.revive": "kill_switch.released",
    "version.kill": "kill_switch.engaged",
    "version.revive": "kill_switch.released",
    # progressive rollout
    "rollout.start": "rollout.started",
    "rollout.step": "rollout.stepped",
    "rollout.promote": "rollout.finished",
    "rollout.rollback": "rollout.finished",
    "rollout.abort": "rollout.finished",
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
    # retraining
    "retrain.configure": "retraining.configured",
    "retrain.remove": "retraining.configured",
    "retrain.start": "retraining.started",
    "retrain.skip": "retraining.skipped",
    "retrain.cancel": "retraining.finished",
    "retrain.finish": "retraining.finished",
}

#: Every type a subscription can ask for, sorted.
EVENT_TYPES: tuple[str, ...] = tuple(sorted(set(ACTION_TYPES.values())))
#: The type of ``steward webhooks test``'s event (sent on demand, never part of the stream).
PING = "ping"
EVENT_ID_PREFIX = "evt-"

_PATTERN_RE = re.compile(r"^[a-z0-9_.*]{1,100}$")
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


# -- what a subscription asks for ------------------------------------------------------------------


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
