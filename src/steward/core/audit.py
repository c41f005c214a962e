"""Audit events: who changed what, when, from what to what, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEvent:
    """One state change. ``seq`` is assigned by the audit log when appended."""

    action: str  # "model.create", "version.register", "alias.set", ...
    target_type: str  # "model", "version", "alias", "artifact"
    target: str  # "churn", "churn/3", "churn@champion"
    actor: str
    at: datetime
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    seq: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
