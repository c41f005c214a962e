"""Webhook subscriptions and their deliveries."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from steward.core.webhooks import Delivery, Webhook


class WebhookRepository(Protocol):
    """Webhook subscriptions (each a cursor over the audit log) and every delivery attempt.

    Work is claimed with a lease (token + expiry) by a conditional update, so
    several dispatchers never deliver the same subscription at once.
    """

    def create(
        self, url: str, events: tuple[str, ...], secret: str, *, created_by: str, at: datetime
    ) -> Webhook: ...

    def start_after(self, webhook_id: int, seq: int) -> None: ...

    def get(self, webhook_id: int) -> Webhook:
        """Raises NotFoundError."""
        ...

    def list(self) -> builtins.list[Webhook]: ...

    def delete(self, webhook_id: int) -> Webhook:
        """Delete it and its delivery log; NotFoundError otherwise."""
        ...

    def secret(self, webhook_id: int) -> str: ...

    def due(self, now: datetime) -> builtins.list[int]: ...

    def claim(self, webhook_id: int, token: str, *, now: datetime, until: datetime) -> Webhook | None: ...

    def advance(self, webhook_id: int, token: str, *, cursor: int, to: int, until: datetime) -> bool: ...

    def postpone(
        self, webhook_id: int, token: str, *, cursor: int, attempt: int, retry_at: datetime, error: str
    ) -> bool: ...

    def release(self, webhook_id: int, token: str) -> None: ...

    def log(self, delivery: Delivery) -> bool:
        """False (nothing written) if the webhook was removed meanwhile."""
        ...

    def deliveries(self, webhook_id: int, *, limit: int = 100, offset: int = 0) -> builtins.list[Delivery]:
        """Newest first; NotFoundError if the webhook does not exist."""
        ...

    def prune(
        self, webhook_id: int, *, before: datetime, after_id: int, limit: int
    ) -> tuple[int, int | None]:
        """Of up to *limit* attempts after log id *after_id*, delete the settled ones made before
        *before* (never one still waiting for its retry); (how many, where to go on or None)."""
        ...
