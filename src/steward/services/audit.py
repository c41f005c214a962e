"""The audit trail: verify its hash chain, export it, and answer "what was it at time T"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from steward.core.audit import AuditEvent, ChainHead, ChainReport, chain_hash, verify_chain
from steward.core.deployment import check_deployment_name
from steward.core.errors import InvalidInputError
from steward.core.history import AliasAt, DeploymentAt, RouteAt, event_at, revision_at
from steward.core.registry import ModelRef, check_alias, check_model_name
from steward.ports import Store, Transaction

BATCH = 1000
HASH_RE = re.compile(r"^[0-9a-f]{64}$")


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def verify(self, *, from_seq: int | None = None, expected_hash: str | None = None) -> ChainReport:
        """Recompute every link of the chain, oldest first, in one snapshot; name the first bad event.

        With *from_seq* (a checkpoint: the last event an earlier verification vouched for, and
        *expected_hash*, the hash it had then), only that event and the ones after it are read:
        the checkpoint event must still hash to its content and, when given, to *expected_hash*.
        Changes before the checkpoint are the full verification's to find.
        """
        if from_seq is None:
            if expected_hash is not None:
                raise InvalidInputError("A checkpoint hash needs its event number (--from-seq).")
            with self.store.read() as tx:
                return verify_chain(_scan(tx), tx.audit.head())
        start = _check_seq(from_seq)
        if expected_hash is not None and not HASH_RE.match(expected_hash):
            raise InvalidInputError(
                "A checkpoint hash is 64 lower-case hex digits, as `audit verify` prints."
            )
        with self.store.read() as tx:
            found = tx.audit.scan(start - 1, 1)
            if not found or found[0].seq != start:
                return ChainReport(
                    False, 0, start, "the checkpoint event is missing (deleted?).", from_seq=start
                )
            event = found[0]
            if event.hash != chain_hash(event, start, event.prev_hash or ""):
                why = "the checkpoint event's content does not match its hash (it was edited)."
                return ChainReport(False, 0, start, why, from_seq=start)
            if expected_hash is not None and event.hash != expected_hash:
                why = "the checkpoint event's hash is not the one verified before: the log was rewritten."
                return ChainReport(False, 0, start, why, from_seq=start)
            assert event.hash is not None
            return verify_chain(_scan(tx, start), tx.audit.head(), ChainHead(start, event.hash))

    def export(self, *, since: datetime | None = None, until: datetime | None = None) -> Iterator[AuditEvent]:
        """Every event with *since* <= at < *until*, by ``seq``, with its hashes (one snapshot).

        Bad input raises at once; the events then stream in batches (memory stays constant)."""
        since, until = _aware(since), _aware(until)
        if since is not None and until is not None and since >= until:
            raise InvalidInputError("--since must be before --until.")
        return self._export(since, until)

    def _export(self, since: datetime | None, until: datetime | None) -> Iterator[AuditEvent]:
        with self.store.read() as tx:
            for event in _scan(tx):
                if (since is None or event.at >= since) and (until is None or event.at < until):
                    yield event

    def alias_at(self, model: str, alias: str, at: datetime) -> AliasAt:
        """Where ``model@alias`` pointed at *at*, and the move (who, when, why) that put it there."""
        check_model_name(model)
        check_alias(alias)
        at = _aware(at) or at
        with self.store.read() as tx:
            tx.models.get_model(model)
            event = event_at(tx.models.alias_history(model, alias), at)
        return AliasAt(model, alias, at, event.version if event else None, event)

    def deployment_at(self, name: str, at: datetime) -> DeploymentAt:
        """The revision of deployment *name* in force at *at*, each route resolved as it was then."""
        check_deployment_name(name)
        at = _aware(at) or at
        with self.store.read() as tx:
            revision = revision_at(tx.deployments.history(name), at)
            if revision is None:
                return DeploymentAt(name, at, None)
            routes = tuple(RouteAt(r.ref, r.weight, _version_at(tx, r.ref, at)) for r in revision.spec.routes)
            shadows = tuple(RouteAt(ref, 0.0, _version_at(tx, ref, at)) for ref in revision.spec.shadows)
        return DeploymentAt(name, at, revision, routes, shadows)

    def search(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        about: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        upto_seq: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[AuditEvent], bool]:
        """One page of events, newest first, and whether an older page follows.

        *action* ``approval`` also matches ``approval.approve``; *about* a model name also
        matches its versions and aliases (``churn/2``, ``churn@champion``).
        """
        since, until = _aware(since), _aware(until)
        if since is not None and until is not None and since >= until:
            raise InvalidInputError("The start of the time range must be before its end.")
        if upto_seq is not None and (
            isinstance(upto_seq, bool) or not isinstance(upto_seq, int) or upto_seq < 1
        ):
            raise InvalidInputError(f"An event number is a whole number from 1, not {upto_seq!r}.")
        if not 1 <= limit <= 1000:
            raise InvalidInputError(f"A page holds 1 to 1000 events, not {limit}.")
        with self.store.read() as tx:
            events = tx.audit.search(
                actor=actor or None,
                action=action or None,
                about=about or None,
                since=since,
                until=until,
                upto_seq=upto_seq,
                offset=offset,
                limit=limit + 1,
            )
        return events[:limit], len(events) > limit

    def head(self) -> ChainHead | None:
        """The chain's recorded last event: cheap, to tell whether anything was appended."""
        with self.store.read() as tx:
            return tx.audit.head()


def _scan(tx: Transaction, after: int = 0) -> Iterator[AuditEvent]:
    while True:
        batch = tx.audit.scan(after, BATCH)
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].seq or after


def _version_at(tx: Transaction, ref: str, at: datetime) -> int | None:
    parsed = ModelRef.parse(ref)
    if parsed.alias is None:
        return parsed.version
    return tx.models.alias_at(parsed.model, parsed.alias, at)


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    if not isinstance(at, datetime):
        raise InvalidInputError("A time is a datetime or ISO 8601 text.")
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _check_seq(seq: object) -> int:
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidInputError(
            f"Invalid checkpoint {seq!r}: an event number from 1 (`audit verify` prints it)."
        )
    return seq
