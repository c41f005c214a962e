"""Findings: issues a reviewer or validator raises on a version, open until closed with a resolution.

A finding has a title, a severity (low < medium < high < critical) and a
description. Closing one needs a resolution (what was done, or why it is
accepted). A policy's ``findings`` gate refuses a version while it has an open
finding at or above a severity::

    gates:
      findings: {severity: high}    # no open high or critical finding
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from steward.core.errors import InvalidInputError

TITLE_MAX = 200
TEXT_MAX = 5000


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Finding:
    id: int
    model: str
    version: int
    title: str
    severity: Severity
    description: str
    opened_by: str
    opened_at: datetime
    status: FindingStatus = FindingStatus.OPEN
    closed_by: str | None = None
    closed_at: datetime | None = None
    resolution: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.version}"

    @property
    def is_open(self) -> bool:
        return self.status is FindingStatus.OPEN


def check_severity(severity: object) -> Severity:
    try:
        return Severity(str(severity))
    except ValueError:
        names = ", ".join(s.value for s in Severity)
        raise InvalidInputError(f"Unknown severity {severity!r}: use one of {names}.") from None


def check_status(status: object) -> FindingStatus:
    try:
        return FindingStatus(str(status))
    except ValueError:
        raise InvalidInputError(f"Unknown finding status {status!r}: use 'open' or 'closed'.") from None


def check_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        raise InvalidInputError(f"A finding needs a title: 1-{TITLE_MAX} characters saying what is wrong.")
    return title.strip()


def check_description(text: object) -> str:
    if not isinstance(text, str) or len(text) > TEXT_MAX:
        raise InvalidInputError(f"A finding's description is text of at most {TEXT_MAX} characters.")
    return text


def check_resolution(text: object) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX:
        raise InvalidInputError(
            f"Closing a finding needs a resolution (1-{TEXT_MAX} characters): what was done, "
            "or why the risk is accepted."
        )
    return text


def check_finding_id(finding_id: object) -> int:
    if isinstance(finding_id, bool) or not isinstance(finding_id, int) or finding_id < 1:
        raise InvalidInputError(f"Invalid finding id {finding_id!r}: `steward findings list` shows them.")
    return finding_id


def blocking(findings: list[Finding], at_or_above: Severity) -> list[Finding]:
    """The open findings at or above *at_or_above*, most severe first."""
    found = [f for f in findings if f.is_open and f.severity.rank >= at_or_above.rank]
    return sorted(found, key=lambda f: (-f.severity.rank, f.id))


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "model": finding.model,
        "version": finding.version,
        "title": finding.title,
        "severity": finding.severity.value,
        "description": finding.description,
        "status": finding.status.value,
        "opened_by": finding.opened_by,
        "opened_at": finding.opened_at.isoformat(),
        "closed_by": finding.closed_by,
        "closed_at": finding.closed_at.isoformat() if finding.closed_at else None,
        "resolution": finding.resolution,
    }


def finding_from_dict(data: dict[str, Any]) -> Finding:
    closed_at = data.get("closed_at")
    return Finding(
        id=int(data["id"]),
        model=data["model"],
        version=int(data["version"]),
        title=data["title"],
        severity=Severity(data["severity"]),
        description=data.get("description", ""),
        opened_by=data["opened_by"],
        opened_at=datetime.fromisoformat(data["opened_at"]),
        status=FindingStatus(data["status"]),
        closed_by=data.get("closed_by"),
        closed_at=datetime.fromisoformat(closed_at) if closed_at else None,
        resolution=data.get("resolution"),
    )
