"""Stored explanations (the ``ExplanationRepository`` port).

One row per (version, data fingerprint, request key): the unique constraint
is what makes a second identical request find the first one's result, and
what turns two concurrent computations of the same explanation into one row
and a ConflictError for the slower writer.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import NotFoundError
from steward.core.explain import ExplainRequest, Explanation
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text, model_key, plain_json, version_id
from steward.store.schema import explanations, model_versions, registered_models

ex = explanations
#: Explanations listed at most per call.
LIST_LIMIT = 1000


class SqlExplanationRepository:
    """Explanations, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _version_id(self, model: str, version: int) -> int:
        return version_id(self._connection, model, model_key(self._connection, model), version)

    def insert(self, explanation: Explanation) -> Explanation:
        """Store *explanation*; ConflictError if this version, data and request already have one."""
        values = {
            "version_id": self._version_id(explanation.model, explanation.version),
            "kind": explanation.kind,
            "data_fingerprint": check_text(explanation.data_fingerprint, "Data fingerprint"),
            "request_key": explanation.request.key(),
            "request": plain_json(explanation.request.to_dict(), "Explanation request"),
            "result": plain_json(explanation.result, "Explanation result"),
            "created_by": check_text(explanation.created_by, "Actor"),
            "created_at": as_utc(explanation.created_at),
        }
        message = f"Version {explanation.ref} already has this explanation of this data."
        with unique_or_conflict(self._connection, message):
            new_id = self._connection.execute(sa.insert(ex).values(values).returning(ex.c.id)).scalar_one()
        return Explanation(
            model=explanation.model,
            version=explanation.version,
            kind=explanation.kind,
            data_fingerprint=explanation.data_fingerprint,
            request=explanation.request,
            result=values["result"],
            created_by=explanation.created_by,
            created_at=values["created_at"],
            id=int(new_id),
        )

    def find(self, model: str, version: int, data_fingerprint: str, request_key: str) -> Explanation | None:
        """The stored explanation for this version, data and request, if any."""
        row = self._connection.execute(
            _select().where(
                ex.c.version_id == self._version_id(model, version),
                ex.c.data_fingerprint == data_fingerprint,
                ex.c.request_key == request_key,
            )
        ).first()
        return None if row is None else _from_row(row._mapping)

    def get(self, model: str, version: int, explanation_id: int) -> Explanation:
        row = self._connection.execute(
            _select().where(ex.c.version_id == self._version_id(model, version), ex.c.id == explanation_id)
        ).first()
        if row is None:
            raise NotFoundError(
                f"Version {model}/{version} has no explanation {explanation_id} "
                "(GET its explanations, or client.explanations(ref), to list them)."
            )
        return _from_row(row._mapping)

    def list(self, model: str, version: int, kind: str | None = None) -> list[Explanation]:
        """The version's explanations, newest first (at most 1000)."""
        query = _select().where(ex.c.version_id == self._version_id(model, version))
        if kind is not None:
            query = query.where(ex.c.kind == kind)
        rows = self._connection.execute(query.order_by(ex.c.id.desc()).limit(LIST_LIMIT))
        return [_from_row(row._mapping) for row in rows]


def _select() -> sa.Select[Any]:
    return (
        sa.select(ex, registered_models.c.name.label("model_name"), model_versions.c.version)
        .join(model_versions, model_versions.c.id == ex.c.version_id)
        .join(registered_models, registered_models.c.id == model_versions.c.model_id)
    )


def _from_row(m: Any) -> Explanation:
    return Explanation(
        model=m["model_name"],
        version=int(m["version"]),
        kind=m["kind"],
        data_fingerprint=m["data_fingerprint"],
        request=ExplainRequest.from_dict(m["request"]),
        result=m["result"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        id=int(m["id"]),
    )
