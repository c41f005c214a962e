"""Small builders the store tests share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from steward.core.registry import ModelVersion, VersionDraft
from steward.ports import Transaction

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def digest(i: int) -> str:
    return f"{i:064x}"


def draft(model: str, i: int = 1, **fields: Any) -> VersionDraft:
    return VersionDraft(
        model=model, artifact_digest=digest(i), flavor=fields.pop("flavor", "sklearn"), **fields
    )


def create(tx: Transaction, name: str, at: datetime = T0, **fields: Any) -> None:
    tx.models.create_model(
        name,
        description=fields.get("description", ""),
        owner=fields.get("owner", "alice"),
        tags=fields.get("tags", {}),
        at=at,
    )


def register(
    tx: Transaction, version_draft: VersionDraft, *, by: str = "alice", at: datetime = T0
) -> ModelVersion:
    number = tx.models.allocate_version(version_draft.model, at)
    return tx.models.insert_version(version_draft, version=number, created_by=by, at=at)
