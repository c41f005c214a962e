"""Audit events: who changed what, when, from what to what, and why.

The log is a hash chain: each event's ``hash`` is the SHA-256 of a canonical
JSON document of its fields and the previous event's hash (``prev_hash``).
Editing, deleting, inserting or reordering any stored event breaks the chain
at that event, and :func:`verify_chain` names the first one that no longer fits.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: ``prev_hash`` of the first event in the log.
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """One state change. ``seq``, ``prev_hash`` and ``hash`` are assigned by the log on append."""

    action: str  # "model.create", "version.register", "alias.set", ...
    target_type: str  # "model", "version", "alias", "artifact"
    target: str  # "churn", "churn/3", "churn@champion"
    actor: str
    at: datetime
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    seq: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str | None = None
    hash: str | None = None


def canonical_time(at: datetime) -> str:
    """*at* in UTC with microseconds: the same text whichever database stored it."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def chain_hash(event: AuditEvent, seq: int, prev_hash: str) -> str:
    """The hash *event* has as entry *seq* after an entry whose hash is *prev_hash*."""
    document = {
        "seq": seq,
        "at": canonical_time(event.at),
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target": event.target,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "details": event.details,
        "prev_hash": prev_hash,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """The last link the log recorded: its ``seq`` and ``hash`` (0 and the genesis hash when empty)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of :func:`verify_chain`: ``ok``, how many events were checked, the first bad one.

    ``last_seq`` and ``last_hash`` are the last link verified: a checkpoint a later, incremental
    verification can start from (``from_seq`` is the checkpoint this one started from, if any).
    """

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    from_seq: int | None = None

    @property
    def message(self) -> str:
        if self.ok:
            after = f" after checkpoint #{self.from_seq}" if self.from_seq is not None else ""
            return (
                f"The audit chain is intact: {self.checked} events verified{after} "
                f"(last #{self.last_seq}, hash {self.last_hash})."
            )
        where = f"at event #{self.first_bad_seq}" if self.first_bad_seq is not None else "at its end"
        return f"The audit chain is broken {where}: {self.problem}"


def verify_chain(
    events: Iterable[AuditEvent], head: ChainHead | None, start: ChainHead | None = None
) -> ChainReport:
    """Check every link of *events* (all of them by ``seq``, or those after *start*, a verified
    checkpoint) and the recorded *head*.

    An edited event no longer hashes to its ``hash``; a deleted one leaves the
    next event's ``prev_hash`` pointing at nothing; an inserted one cannot
    carry a hash that the next event links to; a reordered one hashes to
    something else because ``seq`` is hashed. A truncated tail no longer
    matches the head.
    """
    previous_hash, previous_seq, checked = GENESIS_HASH, 0, 0
    if start is not None:
        previous_hash, previous_seq = start.hash, start.seq
    report = functools.partial(ChainReport, from_seq=start.seq if start is not None else None)
    for event in events:
        seq = event.seq if event.seq is not None else -1
        if seq <= previous_seq:
            return report(False, checked, seq, f"its number follows #{previous_seq} out of order.")
        if event.prev_hash != previous_hash:
            what = "the start of the log" if previous_seq == 0 else f"event #{previous_seq}"
            return report(
                False,
                checked,
                seq,
                f"it does not link to {what} (an event before it was deleted, inserted or edited).",
            )
        if event.hash != chain_hash(event, seq, previous_hash):
            return report(False, checked, seq, "its content does not match its hash (it was edited).")
        previous_hash, previous_seq, checked = event.hash, seq, checked + 1
    if head is None:
        if checked or start is not None:
            return report(False, checked, None, "the record of the chain's last event is missing.")
        return report(True, 0)
    if (head.seq, head.hash) != (previous_seq, previous_hash):
        return report(
            False,
            checked,
            head.seq if head.seq > previous_seq else None,
            f"the log ends at #{previous_seq} but the chain's last recorded event is #{head.seq} "
            "(events at the end were deleted or added).",
        )
    return report(True, checked, last_seq=previous_seq, last_hash=previous_hash)
