"""Published policies: immutable, versioned by name (the ``PolicyRepository`` port)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import NotFoundError
from steward.core.policy import Policy, PolicyDocument, document_from_dict
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text
from steward.store.schema import policies

po = policies


class SqlPolicyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def publish(self, document: PolicyDocument, *, source: str, published_by: str, at: datetime) -> Policy:
        """The next version of the policy named ``document.name``."""
        latest = self._connection.execute(
            sa.select(sa.func.max(po.c.version)).where(po.c.name == document.name)
        ).scalar()
        version = int(latest or 0) + 1
        message = f"Policy {document.name!r} version {version} was published concurrently; publish again."
        with unique_or_conflict(self._connection, message):
            self._connection.execute(
                sa.insert(po).values(
                    name=document.name,
                    version=version,
                    document=document.to_dict(),
                    source=check_text(source, "Policy source"),
                    published_by=check_text(published_by, "Actor"),
                    published_at=as_utc(at),
                )
            )
        return self.get(document.name, version)

    def get(self, name: str, version: int | None = None) -> Policy:
        query = sa.select(po).where(po.c.name == name)
        query = query.where(po.c.version == version) if version is not None else query
        row = self._connection.execute(query.order_by(po.c.version.desc()).limit(1)).first()
        if row is None:
            which = f"version {version} of policy" if version is not None else "policy"
            raise NotFoundError(f"No {which} {name!r}; publish one with `steward policy publish FILE`.")
        return _policy(row)

    def current(self) -> list[Policy]:
        """The newest version of every policy, by name."""
        newest = (
            sa.select(po.c.name, sa.func.max(po.c.version).label("version")).group_by(po.c.name).subquery()
        )
        rows = self._connection.execute(
            sa.select(po)
            .join(newest, sa.and_(po.c.name == newest.c.name, po.c.version == newest.c.version))
            .order_by(po.c.name)
        )
        return [_policy(row) for row in rows]

    def history(self, name: str) -> list[Policy]:
        rows = self._connection.execute(sa.select(po).where(po.c.name == name).order_by(po.c.version))
        return [_policy(row) for row in rows]


def _policy(row: Any) -> Policy:
    return Policy(
        document=document_from_dict(row.document),
        version=int(row.version),
        source=row.source,
        published_by=row.published_by,
        published_at=row.published_at,
    )
