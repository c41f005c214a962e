"""Aliases: named pointers to versions (``champion``), and the history of every move."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import NotFoundError
from steward.core.registry import AliasEvent, check_alias, check_version_number
from steward.store.deployments import announce_change
from steward.store.rows import as_utc, check_text, model_key, version_id
from steward.store.schema import alias_events, aliases, model_versions

ev = alias_events


def get_alias(connection: Connection, name: str, alias: str) -> int | None:
    """The version *alias* points at, or None."""
    check_alias(alias)
    return _current(connection, model_key(connection, name).id, alias)


def _current(connection: Connection, model_id: int, alias: str) -> int | None:
    found = connection.execute(
        sa.select(model_versions.c.version)
        .join(aliases, aliases.c.version_id == model_versions.c.id)
        .where(aliases.c.model_id == model_id, aliases.c.alias == alias)
    ).scalar()
    return None if found is None else int(found)


def set_alias(
    connection: Connection,
    name: str,
    alias: str,
    version: int | None,
    *,
    actor: str,
    at: datetime,
    reason: str,
) -> AliasEvent:
    """Point *alias* at *version* (None deletes it) and record the move.

    The model row is locked first, so concurrent moves of one model's aliases
    queue up and each event's ``previous_version`` is exact.
    """
    check_alias(alias)
    at = as_utc(at)
    check_text(actor, "Actor")
    check_text(reason, "Reason")
    model = model_key(connection, name, lock=True)
    previous = _current(connection, model.id, alias)
    where = (aliases.c.model_id == model.id) & (aliases.c.alias == alias)
    if version is None:
        if previous is None:
            raise NotFoundError(f"Model {name!r} has no alias {alias!r}.")
        connection.execute(sa.delete(aliases).where(where))
    else:
        version = check_version_number(version)
        target = version_id(connection, name, model, version)
        if previous is None:
            connection.execute(sa.insert(aliases).values(model_id=model.id, alias=alias, version_id=target))
        else:
            connection.execute(sa.update(aliases).where(where).values(version_id=target))
    seq = connection.execute(
        sa.insert(ev)
        .values(
            model_id=model.id,
            alias=alias,
            version=version,
            previous_version=previous,
            actor=actor,
            at=at,
            reason=reason,
        )
        .returning(ev.c.seq)
    ).scalar_one()
    announce_change(connection, name)  # deployments that follow the alias re-resolve (PostgreSQL)
    return AliasEvent(name, alias, version, previous, actor, at, reason, int(seq))


def alias_history(connection: Connection, name: str, alias: str | None) -> list[AliasEvent]:
    """Moves of one alias (or of all the model's aliases), oldest first."""
    model = model_key(connection, name)
    query = sa.select(ev).where(ev.c.model_id == model.id)
    if alias is not None:
        query = query.where(ev.c.alias == check_alias(alias))
    rows = connection.execute(query.order_by(ev.c.at, ev.c.seq))
    return [
        AliasEvent(name, r.alias, r.version, r.previous_version, r.actor, r.at, r.reason, int(r.seq))
        for r in rows
    ]


def alias_at(connection: Connection, name: str, alias: str, at: datetime) -> int | None:
    """The version *alias* pointed at at instant *at* (None if it pointed nowhere)."""
    check_alias(alias)
    at = as_utc(at)
    model = model_key(connection, name)
    found = connection.execute(
        sa.select(ev.c.version)
        .where(ev.c.model_id == model.id, ev.c.alias == alias, ev.c.at <= at)
        .order_by(ev.c.at.desc(), ev.c.seq.desc())
        .limit(1)
    ).first()
    return None if found is None or found.version is None else int(found.version)
