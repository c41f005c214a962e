"""Rollouts: a challenger stepped up on a deployment while guardrails hold."""

from __future__ import annotations

import builtins
from typing import Protocol

from steward.core.rollout_records import Rollout


class RolloutRepository(Protocol):
    """Rollouts; at most one running per deployment (the store enforces it)."""

    def create(self, rollout: Rollout) -> Rollout:
        """ConflictError if one already runs for the deployment."""
        ...

    def update(self, rollout: Rollout) -> Rollout: ...

    def get(self, rollout_id: int, *, lock: bool = False) -> Rollout:
        """Raises NotFoundError."""
        ...

    def latest(self, deployment: str) -> Rollout | None: ...

    def running(self) -> builtins.list[Rollout]: ...

    def list(self, deployment: str | None = None, *, limit: int = 100) -> builtins.list[Rollout]: ...
