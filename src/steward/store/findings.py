"""Findings raised on versions, open until closed with a resolution (the ``FindingRepository`` port)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import NotFoundError
from steward.core.finding import Finding, FindingStatus, Severity
from steward.store.rows import as_utc, check_text
from steward.store.schema import findings

f = findings


class SqlFindingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def open(
        self,
        model: str,
        version: int,
        *,
        title: str,
        severity: Severity,
        description: str,
        opened_by: str,
        at: datetime,
    ) -> Finding:
        finding_id = self._connection.execute(
            sa.insert(f)
            .values(
                model=model,
                version=version,
                title=check_text(title, "Title"),
                severity=severity.value,
                description=check_text(description, "Description"),
                status=FindingStatus.OPEN.value,
                opened_by=check_text(opened_by, "Actor"),
                opened_at=as_utc(at),
            )
            .returning(f.c.id)
        ).scalar_one()
        return self.get(int(finding_id))

    def get(self, finding_id: int, *, lock: bool = False) -> Finding:
        query = sa.select(f).where(f.c.id == finding_id)
        if lock:
            query = query.with_for_update()
        row = self._connection.execute(query).first()
        if row is None:
            raise NotFoundError(
                f"No finding #{finding_id}; `steward findings list MODEL/VERSION` shows them."
            )
        return _finding(row)

    def close(self, finding_id: int, *, closed_by: str, at: datetime, resolution: str) -> Finding:
        self._connection.execute(
            sa.update(f)
            .where(f.c.id == finding_id)
            .values(
                status=FindingStatus.CLOSED.value,
                closed_by=check_text(closed_by, "Actor"),
                closed_at=as_utc(at),
                resolution=check_text(resolution, "Resolution"),
            )
        )
        return self.get(finding_id)

    def list(
        self, *, model: str | None = None, version: int | None = None, status: FindingStatus | None = None
    ) -> builtins.list[Finding]:
        query = sa.select(f).order_by(f.c.id)
        if model is not None:
            query = query.where(f.c.model == model)
        if version is not None:
            query = query.where(f.c.version == version)
        if status is not None:
            query = query.where(f.c.status == status.value)
        return [_finding(row) for row in self._connection.execute(query)]


def _finding(row: Any) -> Finding:
    return Finding(
        id=int(row.id),
        model=row.model,
        version=int(row.version),
        title=row.title,
        severity=Severity(row.severity),
        description=row.description,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        status=FindingStatus(row.status),
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        resolution=row.resolution,
    )
