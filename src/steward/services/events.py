"""The event stream: the audit log read as typed events (``steward.core.events``).

There is no second write path: an event exists exactly when its audit record
was committed with the change, and ``seq`` orders both. Readers page through
it with ``after`` (the last ``seq`` they saw), as webhook dispatchers do.
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.core.errors import InvalidInputError
from steward.core.events import Event, check_patterns, event_type, matches
from steward.ports import Store

SCAN = 500
LIMIT_MAX = 1000
#: Audit events one newest-first page reads at most (a rare type in a long log is paged on, not hunted).
RECENT_SCAN_MAX = 20_000


@dataclass(frozen=True)
class EventPage:
    """Events newest first; ``older`` is the ``before`` of the next page (None at the stream's start)."""

    events: list[Event]
    older: int | None


class EventService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def list(self, *, after: int = 0, types: str | None = None, limit: int = 100) -> list[Event]:
        """Up to *limit* events with ``seq`` above *after*, oldest first, of the *types* patterns
        (``'alias.*,deployment.changed'``; all when None)."""
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise InvalidInputError(f"Bad after {after!r}: the seq of the last event seen, from 0.")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
            raise InvalidInputError(f"Bad limit {limit!r}: from 1 to {LIMIT_MAX}.")
        patterns = check_patterns(types) if types is not None else ("*",)
        found: list[Event] = []
        with self.store.read() as tx:
            while len(found) < limit:
                batch = tx.audit.scan(after, SCAN)
                for audit in batch:
                    if matches(patterns, event_type(audit.action)):
                        found.append(Event.from_audit(audit))
                        if len(found) == limit:
                            break
                if len(batch) < SCAN:
                    break
                after = batch[-1].seq or after
        return found

    def recent(self, *, before: int | None = None, types: str | None = None, limit: int = 50) -> EventPage:
        """Up to *limit* events with ``seq`` below *before* (the newest when None), newest first, of the
        *types* patterns. Reads at most ``RECENT_SCAN_MAX`` audit events: a page may come back short
        with ``older`` set, and the next page goes on from there."""
        if before is not None and (isinstance(before, bool) or not isinstance(before, int) or before < 1):
            raise InvalidInputError(f"Bad before {before!r}: an event number from 1.")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
            raise InvalidInputError(f"Bad limit {limit!r}: from 1 to {LIMIT_MAX}.")
        patterns = check_patterns(types) if types is not None else ("*",)
        upto = None if before is None else before - 1
        found: list[Event] = []
        scanned = 0
        with self.store.read() as tx:
            while upto is None or upto >= 1:
                batch = tx.audit.search(upto_seq=upto, limit=SCAN)
                for audit in batch:
                    upto = (audit.seq or 1) - 1
                    if matches(patterns, event_type(audit.action)):
                        found.append(Event.from_audit(audit))
                        if len(found) == limit:
                            return EventPage(found, upto + 1 if upto >= 1 else None)
                scanned += len(batch)
                if len(batch) < SCAN or upto is None:
                    return EventPage(found, None)
                if scanned >= RECENT_SCAN_MAX:
                    return EventPage(found, upto + 1 if upto >= 1 else None)
        return EventPage(found, None)
