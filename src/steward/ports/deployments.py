"""Deployments, their revisions, and killed versions."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from steward.core.deployment import Deployment, DeploymentSpec, KilledVersion


class DeploymentRepository(Protocol):
    """Named deployments and every revision of each (append-only)."""

    def create(self, name: str, spec: DeploymentSpec, *, actor: str, at: datetime, reason: str) -> Deployment:
        """Revision 1 of a new deployment; ConflictError if the name is taken."""
        ...

    def append_revision(
        self, name: str, spec: DeploymentSpec, *, actor: str, at: datetime, reason: str
    ) -> Deployment:
        """The next revision (locks the deployment row so revisions are gap-free)."""
        ...

    def get(self, name: str, revision: int | None = None, *, lock: bool = False) -> Deployment:
        """The current (or a given) revision; NotFoundError otherwise.

        *lock* holds the deployment's row until the transaction ends, so a change
        computed from what was read cannot interleave with another writer's.
        """
        ...

    def history(self, name: str) -> list[Deployment]:
        """Every revision, oldest first."""
        ...

    def list(self) -> list[Deployment]:
        """The current revision of every deployment, by name."""
        ...


class KilledVersionRepository(Protocol):
    """Versions stopped by the kill switch (each change announced to listening servers)."""

    def add(self, killed: KilledVersion) -> None: ...

    def remove(self, model: str, version: int) -> None: ...

    def get(self, model: str, version: int) -> KilledVersion | None: ...

    def list(self) -> builtins.list[KilledVersion]: ...
