"""A retraining run: its states, what it records, and the progress lines an entry point prints.

The config rules, cron and performance triggers are in :mod:`steward.core.retraining`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from steward.core.audit import canonical_time
from steward.core.search import parse_time

ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "cancelled", "skipped")
STATES = ACTIVE + FINISHED


@dataclass(frozen=True)
class RetrainRun:
    """One retraining run. ``skipped`` records a trigger that came while another run was active."""

    id: int
    model: str
    trigger: str
    trigger_detail: str
    state: str
    created_by: str
    created_at: datetime
    engine: str = "local"
    parent: str | None = None
    candidate: str | None = None
    validation_run: int | None = None
    validation_passed: bool | None = None
    approval: int | None = None
    outcome: str = ""
    progress: float = 0.0
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str = ""
    log_path: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def to_dict(self) -> dict[str, Any]:
        def t(value: datetime | None) -> str | None:
            return canonical_time(value) if value is not None else None

        return {
            "id": self.id,
            "model": self.model,
            "trigger": self.trigger,
            "trigger_detail": self.trigger_detail,
            "state": self.state,
            "engine": self.engine,
            "created_by": self.created_by,
            "created_at": t(self.created_at),
            "started_at": t(self.started_at),
            "finished_at": t(self.finished_at),
            "parent": self.parent,
            "candidate": self.candidate,
            "validation_run": self.validation_run,
            "validation_passed": self.validation_passed,
            "approval": self.approval,
            "outcome": self.outcome,
            "progress": self.progress,
            "message": self.message,
            "error": self.error,
            "log_path": self.log_path,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetrainRun:
        def t(value: Any) -> datetime | None:
            return parse_time(str(value)) if value else None

        created = t(data["created_at"])
        assert created is not None
        return cls(
            id=int(data["id"]),
            model=str(data["model"]),
            trigger=str(data["trigger"]),
            trigger_detail=str(data.get("trigger_detail") or ""),
            state=str(data["state"]),
            engine=str(data.get("engine") or "local"),
            created_by=str(data["created_by"]),
            created_at=created,
            started_at=t(data.get("started_at")),
            finished_at=t(data.get("finished_at")),
            parent=data.get("parent"),
            candidate=data.get("candidate"),
            validation_run=data.get("validation_run"),
            validation_passed=data.get("validation_passed"),
            approval=data.get("approval"),
            outcome=str(data.get("outcome") or ""),
            progress=float(data.get("progress") or 0.0),
            message=str(data.get("message") or ""),
            error=str(data.get("error") or ""),
            log_path=str(data.get("log_path") or ""),
            params=dict(data.get("params") or {}),
        )


PROGRESS_PREFIX = "steward:progress "


def progress_line(fraction: float, message: str = "") -> str:
    """The stdout line an entry point prints to report progress (the runner reads the last one)."""
    value = min(1.0, max(0.0, float(fraction))) if math.isfinite(float(fraction)) else 0.0
    return f"{PROGRESS_PREFIX}{value:.4f} {' '.join(str(message).split())[:200]}".rstrip()


def parse_progress(line: str) -> tuple[float, str] | None:
    if not line.startswith(PROGRESS_PREFIX):
        return None
    rest = line[len(PROGRESS_PREFIX) :].strip()
    number, _, message = rest.partition(" ")
    try:
        value = float(number)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return min(1.0, max(0.0, value)), message.strip()
