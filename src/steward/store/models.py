"""Registered models and their versions (the ``ModelRepository`` port)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import ConflictError, InvalidInputError
from steward.core.registry import (
    VALUE_MAX,
    AliasEvent,
    ModelVersion,
    RegisteredModel,
    VersionDraft,
    check_model_name,
    check_tags,
    check_version_number,
)
from steward.core.search import Node, OrderKey
from steward.store import aliases as alias_ops
from steward.store.engine import unique_or_conflict
from steward.store.rows import (
    as_utc,
    check_text,
    check_texts,
    lookup_name,
    model_key,
    models_from_rows,
    no_model,
    no_version,
    plain_json,
    version_from_row,
    versions_from_rows,
)
from steward.store.schema import (
    model_tags,
    model_versions,
    registered_models,
    version_metrics,
    version_params,
    version_tags,
)
from steward.store.search import search_models_query, search_versions_query

mv, rm = model_versions, registered_models


def _description(text: str) -> str:
    check_text(text, "Description")
    if len(text) > VALUE_MAX:
        raise InvalidInputError(f"Description is longer than {VALUE_MAX} characters.")
    return text


class SqlModelRepository:
    """Models, versions and aliases, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._dialect = connection.dialect.name

    # -- models -------------------------------------------------------------

    def create_model(
        self, name: str, *, description: str, owner: str, tags: dict[str, str], at: datetime
    ) -> RegisteredModel:
        """Raises ConflictError if the name is taken."""
        check_model_name(name)
        at = as_utc(at)
        tags = check_texts(check_tags(tags), "Tag")
        values = {
            "name": name,
            "description": _description(description),
            "owner": check_text(owner, "Owner"),
            "latest_version": 0,
            "created_at": at,
            "updated_at": at,
        }
        with unique_or_conflict(self._connection, f"Model {name!r} already exists."):
            model_id = self._connection.execute(sa.insert(rm).values(values).returning(rm.c.id)).scalar_one()
        self._insert_tags(model_id, tags)
        return RegisteredModel(name, description, owner, tags, at, at, 0, {})

    def get_model(self, name: str) -> RegisteredModel:
        """Raises NotFoundError."""
        row = self._connection.execute(sa.select(rm).where(rm.c.name == lookup_name(name))).first()
        if row is None:
            raise no_model(name)
        return models_from_rows(self._connection, [row])[0]

    def update_model(
        self, name: str, *, description: str | None, tags: dict[str, str] | None, at: datetime
    ) -> RegisteredModel:
        """Change the description and/or replace all tags (None leaves either as it is)."""
        model = model_key(self._connection, name, lock=True)
        values: dict[str, Any] = {"updated_at": as_utc(at)}
        if description is not None:
            values["description"] = _description(description)
        new_tags = None if tags is None else check_texts(check_tags(tags), "Tag")
        self._connection.execute(sa.update(rm).where(rm.c.id == model.id).values(values))
        if new_tags is not None:
            self._connection.execute(sa.delete(model_tags).where(model_tags.c.model_id == model.id))
            self._insert_tags(model.id, new_tags)
        return self.get_model(name)

    def _insert_tags(self, model_id: int, tags: dict[str, str]) -> None:
        if tags:
            rows = [{"model_id": model_id, "key": k, "value": v} for k, v in tags.items()]
            self._connection.execute(sa.insert(model_tags), rows)

    # -- versions -----------------------------------------------------------

    def allocate_version(self, name: str, at: datetime) -> int:
        """Atomically take the model's next version number (locks the model row).

        A rolled-back transaction gives its number back, so numbers have no gaps.
        """
        number = self._connection.execute(
            sa.update(rm)
            .where(rm.c.name == lookup_name(name))
            .values(latest_version=rm.c.latest_version + 1, updated_at=as_utc(at))
            .returning(rm.c.latest_version)
        ).scalar()
        if number is None:
            raise no_model(name)
        return int(number)

    def insert_version(
        self, draft: VersionDraft, *, version: int, created_by: str, at: datetime
    ) -> ModelVersion:
        """Store *draft* as *version*, a number taken with :meth:`allocate_version`."""
        draft = draft.checked()
        version = check_version_number(version)
        at = as_utc(at)
        check_texts(draft.tags, "Tag")
        check_texts(draft.params, "Param")
        model = model_key(self._connection, draft.model)
        if version > model.latest_version:
            raise ConflictError(
                f"Version {version} of model {draft.model!r} was not allocated (latest is "
                f"{model.latest_version}): take numbers with allocate_version."
            )
        row: dict[str, Any] = {
            "model_id": model.id,
            "version": version,
            "artifact_digest": draft.artifact_digest,
            "flavor": draft.flavor,
            "flavor_options": plain_json(draft.flavor_options, "Flavor options"),
            "signature": plain_json(draft.signature.to_dict(), "Signature") if draft.signature else None,
            "metrics": dict(draft.metrics),
            "params": dict(draft.params),
            "tags": dict(draft.tags),
            "lineage": plain_json(draft.lineage.to_dict(), "Lineage"),
            "description": _description(draft.description),
            "created_by": check_text(created_by, "Creator"),
            "created_at": at,
        }
        if not isinstance(row["flavor_options"], dict):
            raise InvalidInputError("Flavor options must be a JSON object.")
        with unique_or_conflict(self._connection, f"Model {draft.model!r} already has version {version}."):
            vid = self._connection.execute(sa.insert(mv).values(row).returning(mv.c.id)).scalar_one()
        for table, values in (
            (version_tags, draft.tags),
            (version_metrics, draft.metrics),
            (version_params, draft.params),
        ):
            if values:
                self._connection.execute(
                    sa.insert(table), [{"version_id": vid, "key": k, "value": v} for k, v in values.items()]
                )
        return version_from_row({**row, "model_name": draft.model}, ())

    def get_version(self, name: str, version: int) -> ModelVersion:
        """Raises NotFoundError naming the latest version."""
        version = check_version_number(version)
        row = self._connection.execute(
            sa.select(mv, rm.c.name.label("model_name"))
            .join(rm, rm.c.id == mv.c.model_id)
            .where(rm.c.name == lookup_name(name), mv.c.version == version)
        ).first()
        if row is None:
            raise no_version(name, version, model_key(self._connection, name).latest_version)
        return versions_from_rows(self._connection, [row])[0]

    # -- search -------------------------------------------------------------

    def search_models(
        self, node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int
    ) -> list[RegisteredModel]:
        query = search_models_query(node, order, offset, limit, self._dialect)
        return models_from_rows(self._connection, list(self._connection.execute(query)))

    def search_versions(
        self, node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int
    ) -> list[ModelVersion]:
        ids = list(
            self._connection.execute(
                search_versions_query(node, order, offset, limit, self._dialect)
            ).scalars()
        )
        if not ids:
            return []
        rows = self._connection.execute(
            sa.select(mv, rm.c.name.label("model_name"))
            .join(rm, rm.c.id == mv.c.model_id)
            .where(mv.c.id.in_(ids))
        )
        by_id = {row.id: row for row in rows}
        return versions_from_rows(self._connection, [by_id[i] for i in ids])

    # -- aliases ------------------------------------------------------------

    def get_alias(self, name: str, alias: str) -> int | None:
        return alias_ops.get_alias(self._connection, name, alias)

    def set_alias(
        self, name: str, alias: str, version: int | None, *, actor: str, at: datetime, reason: str
    ) -> AliasEvent:
        """Point *alias* at *version* (None deletes it) and record the move."""
        return alias_ops.set_alias(self._connection, name, alias, version, actor=actor, at=at, reason=reason)

    def alias_history(self, name: str, alias: str | None) -> list[AliasEvent]:
        """Oldest first."""
        return alias_ops.alias_history(self._connection, name, alias)

    def alias_at(self, name: str, alias: str, at: datetime) -> int | None:
        return alias_ops.alias_at(self._connection, name, alias, at)
