"""What a validation run found: one result per check, and the run stored on the version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["pass", "fail", "error", "not_estimable"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "error", "not_estimable")


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome.

    ``value`` is the measured number (None when not measured), ``threshold``
    the bound it was held to, ``details`` the figures behind it (per-group
    rates, curve points, the bootstrap interval) for reports and plots.
    """

    name: str
    kind: str
    status: Status
    message: str
    value: float | None = None
    threshold: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "message": self.message,
            "value": self.value,
            "threshold": dict(self.threshold),
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            name=data["name"],
            kind=data["kind"],
            status=data["status"],
            message=data["message"],
            value=data.get("value"),
            threshold=dict(data.get("threshold") or {}),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class ValidationRun:
    """A suite run on a holdout, stored on the version it validated.

    ``passed`` is True when no check failed or errored; checks that were not
    estimable do not fail the run, and are listed in ``not_estimable``.
    """

    id: int
    model: str
    version: int
    created_at: datetime
    created_by: str
    data_fingerprint: str
    rows: int
    target: str
    task: str
    against: str | None  # the baseline version ("churn/3"), if compared
    passed: bool
    checks: tuple[CheckResult, ...]
    metrics: dict[str, float]
    suite: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.version}"

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.status in ("fail", "error")]

    @property
    def not_estimable(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "not_estimable"]

    def status_of(self, name: str) -> Status | None:
        """The status of the check called *name*, or of all results for it (per sensitive feature)."""
        found = [c.status for c in self.checks if c.name == name or c.name.startswith(name + "[")]
        if not found:
            return None
        for status in ("error", "fail", "not_estimable"):
            if status in found:
                return status  # type: ignore[return-value]
        return "pass"

    def report(self) -> dict[str, Any]:
        """The JSON report stored with the run."""
        return {
            "task": self.task,
            "target": self.target,
            "rows": self.rows,
            "data_fingerprint": self.data_fingerprint,
            "against": self.against,
            "metrics": dict(self.metrics),
            "suite": self.suite,
            "checks": [c.to_dict() for c in self.checks],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "passed": self.passed,
            "failed": self.failed,
            "not_estimable": self.not_estimable,
            **self.report(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationRun:
        return cls(
            id=int(data["id"]),
            model=data["model"],
            version=int(data["version"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            created_by=data["created_by"],
            data_fingerprint=data["data_fingerprint"],
            rows=int(data["rows"]),
            target=data["target"],
            task=data["task"],
            against=data.get("against"),
            passed=bool(data["passed"]),
            checks=tuple(CheckResult.from_dict(c) for c in data["checks"]),
            metrics=dict(data.get("metrics") or {}),
            suite=dict(data.get("suite") or {}),
        )
