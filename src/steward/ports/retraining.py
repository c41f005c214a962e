"""Retraining configs, runs and the alert trigger's cursor."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, Protocol

from steward.core.retrain_runs import RetrainRun
from steward.core.retraining import ConfiguredRetraining, RetrainConfig


class RetrainRepository(Protocol):
    """At most one queued-or-running run per model, enforced by the database (ConflictError)."""

    def put_config(
        self, config: RetrainConfig, *, actor: str, at: datetime, since_seq: int, next_due: datetime | None
    ) -> ConfiguredRetraining | None: ...

    def set_since(self, model: str, seq: int) -> None: ...

    def find_config(self, model: str) -> ConfiguredRetraining | None: ...

    def get_config(self, model: str) -> ConfiguredRetraining:
        """Raises NotFoundError."""
        ...

    def list_configs(self) -> builtins.list[ConfiguredRetraining]: ...

    def delete_config(self, model: str) -> ConfiguredRetraining: ...

    def move_schedule(self, model: str, *, seen: datetime | None, to: datetime | None) -> bool: ...

    def move_performance(self, model: str, *, seen: datetime | None, to: datetime) -> bool: ...

    def add_run(self, run: RetrainRun, config: RetrainConfig) -> RetrainRun:
        """ConflictError if *run* is queued and the model already has an active run."""
        ...

    def get_run(self, run_id: int) -> RetrainRun: ...

    def run_config(self, run_id: int) -> RetrainConfig: ...

    def list_runs(self, model: str | None = None, *, limit: int = 100) -> builtins.list[RetrainRun]: ...

    def active_run(self, model: str) -> RetrainRun | None: ...

    def claim_next(
        self, token: str, *, now: datetime, until: datetime, run_id: int | None = None
    ) -> RetrainRun | None: ...

    def update_running(
        self, run_id: int, token: str, *, until: datetime | None = None, **fields: Any
    ) -> bool: ...

    def finish(
        self,
        run_id: int,
        state: str,
        *,
        at: datetime,
        token: str | None = None,
        expired_before: datetime | None = None,
        **fields: Any,
    ) -> bool: ...

    def stale(self, now: datetime) -> builtins.list[int]: ...

    def cursor(self, name: str) -> int | None: ...

    def move_cursor(self, name: str, *, seen: int | None, to: int) -> bool: ...
