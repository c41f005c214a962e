"""Rows to domain values and back, plus the lookups every repository shares.

Checks here make both backends accept and refuse the same values: JSON must be
strict (no NaN), text must not contain NUL (PostgreSQL cannot store it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.lineage import Lineage
from steward.core.registry import MODEL_NAME_RE, ModelVersion, RegisteredModel
from steward.core.signature import Signature
from steward.store.schema import aliases, model_tags, model_versions, registered_models


def check_text(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be text, got {type(value).__name__}.")
    if "\x00" in value:
        raise InvalidInputError(f"{what} contains a NUL character (\\x00), which cannot be stored.")
    return value


def check_texts(values: dict[str, str], what: str) -> dict[str, str]:
    for key, value in values.items():
        check_text(key, f"{what} key")
        check_text(value, f"{what} {key!r}")
    return values


def plain_json(value: Any, what: str) -> Any:
    """*value* as it will read back from the database; refuses what is not strict JSON."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"{what} must be JSON (objects, lists, text, finite numbers, true/false, null): {exc}."
        ) from None


def no_model(name: str) -> NotFoundError:
    return NotFoundError(f"No model named {name!r}.")


def no_version(name: str, version: int, latest: int) -> NotFoundError:
    hint = f"latest is {latest}" if latest else "it has no versions yet"
    return NotFoundError(f"Model {name!r} has no version {version} ({hint}).")


class ModelKey(NamedTuple):
    id: int
    latest_version: int


def lookup_name(name: str) -> str:
    """*name* if it could name a model; else NotFoundError (it cannot exist), on both backends."""
    if not isinstance(name, str) or not MODEL_NAME_RE.match(name):
        raise no_model(name)
    return name


def model_key(connection: Connection, name: str, *, lock: bool = False) -> ModelKey:
    """The model's row id and latest version; *lock* takes its row lock on PostgreSQL."""
    lookup_name(name)
    query = sa.select(registered_models.c.id, registered_models.c.latest_version).where(
        registered_models.c.name == name
    )
    if lock:
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise no_model(name)
    return ModelKey(int(row.id), int(row.latest_version))


def version_id(connection: Connection, name: str, model: ModelKey, version: int) -> int:
    """The row id of version *version* of *model* (a :func:`model_key` row)."""
    found = connection.execute(
        sa.select(model_versions.c.id).where(
            model_versions.c.model_id == model.id, model_versions.c.version == version
        )
    ).scalar()
    if found is None:
        raise no_version(name, version, model.latest_version)
    return int(found)


def as_utc(at: datetime) -> datetime:
    """*at* as the database returns it: timezone-aware UTC (naive means UTC)."""
    if not isinstance(at, datetime):
        raise InvalidInputError(f"Expected a datetime, got {type(at).__name__}.")
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def version_from_row(m: Mapping[Any, Any], version_aliases: tuple[str, ...]) -> ModelVersion:
    """A ``model_versions`` row (mapping) with the model's name as ``model_name``."""
    return ModelVersion(
        model=m["model_name"],
        version=m["version"],
        artifact_digest=m["artifact_digest"],
        flavor=m["flavor"],
        signature=Signature.from_dict(m["signature"]) if m["signature"] is not None else None,
        metrics=dict(m["metrics"]),
        params=dict(m["params"]),
        tags=dict(m["tags"]),
        description=m["description"],
        lineage=Lineage.from_dict(m["lineage"]),
        created_by=m["created_by"],
        created_at=m["created_at"],
        aliases=version_aliases,
        flavor_options=dict(m["flavor_options"]),
    )


def model_from_row(row: Row[Any], tags: dict[str, str], model_aliases: dict[str, int]) -> RegisteredModel:
    m = row._mapping
    return RegisteredModel(
        name=m["name"],
        description=m["description"],
        owner=m["owner"],
        tags=tags,
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        latest_version=m["latest_version"],
        aliases=model_aliases,
    )


def aliases_of_versions(connection: Connection, ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Current aliases of each version id, in one query."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = connection.execute(
        sa.select(aliases.c.version_id, aliases.c.alias)
        .where(aliases.c.version_id.in_(wanted))
        .order_by(aliases.c.alias)
    )
    found: dict[int, list[str]] = {}
    for vid, alias in rows:
        found.setdefault(vid, []).append(alias)
    return {vid: tuple(names) for vid, names in found.items()}


def versions_from_rows(connection: Connection, rows: list[Row[Any]]) -> list[ModelVersion]:
    by_id = aliases_of_versions(connection, (row.id for row in rows))
    return [version_from_row(row._mapping, by_id.get(row.id, ())) for row in rows]


def models_from_rows(connection: Connection, rows: list[Row[Any]]) -> list[RegisteredModel]:
    """Models with their tags and current aliases: two queries for the whole page."""
    ids = [row.id for row in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    model_aliases: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        for mid, key, value in connection.execute(
            sa.select(model_tags.c.model_id, model_tags.c.key, model_tags.c.value)
            .where(model_tags.c.model_id.in_(ids))
            .order_by(model_tags.c.key)
        ):
            tags[mid][key] = value
        for mid, alias, number in connection.execute(
            sa.select(aliases.c.model_id, aliases.c.alias, model_versions.c.version)
            .join(model_versions, model_versions.c.id == aliases.c.version_id)
            .where(aliases.c.model_id.in_(ids))
            .order_by(aliases.c.alias)
        ):
            model_aliases[mid][alias] = number
    return [model_from_row(row, tags[row.id], model_aliases[row.id]) for row in rows]
