"""Models, versions and aliases, and the audit log every change writes to."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from steward.core.audit import AuditEvent, ChainHead
from steward.core.registry import AliasEvent, ModelVersion, RegisteredModel, VersionDraft
from steward.core.search import Node, OrderKey


class ModelRepository(Protocol):
    """Registered models, their versions and aliases."""

    def create_model(
        self, name: str, *, description: str, owner: str, tags: dict[str, str], at: datetime
    ) -> RegisteredModel:
        """Raises ConflictError if the name is taken."""
        ...

    def get_model(self, name: str) -> RegisteredModel:
        """Raises NotFoundError."""
        ...

    def update_model(
        self, name: str, *, description: str | None, tags: dict[str, str] | None, at: datetime
    ) -> RegisteredModel: ...

    def allocate_version(self, name: str, at: datetime) -> int:
        """Atomically take the model's next version number (locks the model row)."""
        ...

    def insert_version(
        self, draft: VersionDraft, *, version: int, created_by: str, at: datetime
    ) -> ModelVersion: ...

    def get_version(self, name: str, version: int) -> ModelVersion:
        """Raises NotFoundError naming the latest version."""
        ...

    def search_models(
        self, node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int
    ) -> list[RegisteredModel]: ...

    def search_versions(
        self, node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int
    ) -> list[ModelVersion]: ...

    def get_alias(self, name: str, alias: str) -> int | None: ...

    def set_alias(
        self, name: str, alias: str, version: int | None, *, actor: str, at: datetime, reason: str
    ) -> AliasEvent:
        """Point *alias* at *version* (None deletes it) and record the move."""
        ...

    def alias_history(self, name: str, alias: str | None) -> list[AliasEvent]:
        """Oldest first."""
        ...

    def alias_at(self, name: str, alias: str, at: datetime) -> int | None: ...


class AuditLog(Protocol):
    """Append-only record of every state change."""

    def append(self, event: AuditEvent) -> AuditEvent: ...

    def list(
        self,
        *,
        target: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[AuditEvent]: ...

    def head(self) -> ChainHead | None:
        """The hash chain's recorded last event (None if that record is missing)."""
        ...

    def scan(self, after_seq: int, limit: int) -> builtins.list[AuditEvent]:
        """Up to *limit* events with ``seq`` above *after_seq*, by ``seq``, with their hashes."""
        ...

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
    ) -> builtins.list[AuditEvent]:
        """Events matching every filter, newest first. *action* matches itself and ``action.*``;
        *about* matches a target and, for a model name, its versions (``m/3``) and aliases (``m@a``);
        *since* inclusive, *until* exclusive; *upto_seq*: events numbered at most that."""
        ...
