"""Versions stopped by the kill switch (the ``KilledVersionRepository`` port).

Killing or reviving a version is announced like an alias move
(``NOTIFY steward_deployments, '<model>'``), so servers routing to the model
re-resolve at once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.deployment import KilledVersion
from steward.store.deployments import announce_change
from steward.store.rows import as_utc
from steward.store.schema import killed_versions

kv = killed_versions


class SqlKilledVersionRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, killed: KilledVersion) -> None:
        self.connection.execute(
            kv.insert().values(
                model=killed.model,
                version=killed.version,
                reason=killed.reason,
                killed_by=killed.killed_by,
                killed_at=killed.killed_at,
            )
        )
        announce_change(self.connection, killed.model)

    def remove(self, model: str, version: int) -> None:
        self.connection.execute(kv.delete().where(kv.c.model == model, kv.c.version == version))
        announce_change(self.connection, model)

    def get(self, model: str, version: int) -> KilledVersion | None:
        row = self.connection.execute(
            sa.select(kv).where(kv.c.model == model, kv.c.version == version)
        ).first()
        return None if row is None else _killed(row)

    def list(self) -> list[KilledVersion]:
        rows = self.connection.execute(sa.select(kv).order_by(kv.c.model, kv.c.version))
        return [_killed(row) for row in rows]


def _killed(row: sa.Row[tuple[object, ...]]) -> KilledVersion:
    at: datetime = as_utc(row.killed_at)
    return KilledVersion(row.model, int(row.version), row.reason, row.killed_by, at)
