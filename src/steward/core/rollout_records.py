"""A rollout's record: where it stands, its history, what it reads now; and shadow comparisons.

Plain values with ``to_dict``/``from_dict`` (the REST body and the remote client's reading of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from steward.core.rollout import Action, RolloutPlan, Verdict, VersionStats


@dataclass(frozen=True)
class RolloutEvent:
    """One entry of a rollout's history: what happened, at which step and weight, and why."""

    at: datetime
    kind: str
    step: int
    weight: float
    reason: str
    readings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "step": self.step,
            "weight": self.weight,
            "reason": self.reason,
            "readings": self.readings,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RolloutEvent:
        return cls(
            datetime.fromisoformat(data["at"]),
            str(data["kind"]),
            int(data["step"]),
            float(data["weight"]),
            str(data["reason"]),
            dict(data.get("readings") or {}),
        )


@dataclass(frozen=True)
class Rollout:
    """One rollout of a deployment: its plan, where it stands and how it got there.

    ``champion`` is the route that served everything when it started (kept as written, an alias
    route keeps following its alias); ``challenger`` is the plan's challenger pinned to the version
    it meant at the start, so an alias move during the rollout does not change what is judged."""

    id: int
    deployment: str
    plan: RolloutPlan
    champion: str
    challenger: str
    state: str
    step: int
    started_by: str
    started_at: datetime
    step_started_at: datetime
    finished_at: datetime | None = None
    reason: str = ""
    history: tuple[RolloutEvent, ...] = ()

    @property
    def weight(self) -> float:
        """The challenger's share now (0 once rolled back or aborted, 100 once promoted)."""
        if self.state == "promoted":
            return 100.0
        if self.state != "running" or self.step < 0:  # ended, or the shadow phase
            return 0.0
        return self.plan.steps[self.step]

    @property
    def shadowing(self) -> bool:
        """In the shadow phase: the challenger answers copies of the traffic, never a client."""
        return self.running and self.step < 0

    @property
    def running(self) -> bool:
        return self.state == "running"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deployment": self.deployment,
            "plan": self.plan.to_dict(),
            "champion": self.champion,
            "challenger": self.challenger,
            "state": self.state,
            "step": self.step,
            "weight": self.weight,
            "started_by": self.started_by,
            "started_at": self.started_at.isoformat(),
            "step_started_at": self.step_started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "reason": self.reason,
            "history": [e.to_dict() for e in self.history],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rollout:
        finished = data.get("finished_at")
        return cls(
            id=int(data["id"]),
            deployment=str(data["deployment"]),
            plan=RolloutPlan.from_dict(data["plan"]),
            champion=str(data["champion"]),
            challenger=str(data["challenger"]),
            state=str(data["state"]),
            step=int(data["step"]),
            started_by=str(data["started_by"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            step_started_at=datetime.fromisoformat(data["step_started_at"]),
            finished_at=datetime.fromisoformat(finished) if finished else None,
            reason=str(data.get("reason") or ""),
            history=tuple(RolloutEvent.from_dict(e) for e in data.get("history") or ()),
        )


@dataclass(frozen=True)
class RolloutStatus:
    """A rollout and, while it runs, its readings now and what the next tick would decide."""

    rollout: Rollout
    challenger: VersionStats | None = None
    champion: VersionStats | None = None
    verdict: Verdict | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.rollout.to_dict(),
            "readings": {
                "challenger": self.challenger.to_dict() if self.challenger else None,
                "champion": self.champion.to_dict() if self.champion else None,
            },
            "verdict": (
                {"action": self.verdict.action.value, "reason": self.verdict.reason} if self.verdict else None
            ),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RolloutStatus:
        readings = data.get("readings") or {}
        verdict = data.get("verdict")
        return cls(
            Rollout.from_dict(data),
            _stats(readings.get("challenger")),
            _stats(readings.get("champion")),
            Verdict(Action(verdict["action"]), str(verdict["reason"])) if verdict else None,
        )


def _stats(data: dict[str, Any] | None) -> VersionStats | None:
    if not data:
        return None
    return VersionStats(
        requests=int(data["requests"]),
        errors=int(data["errors"]),
        p99_ms=data.get("p99_ms"),
        drift=data.get("drift"),
        metric=data.get("metric"),
        labelled=int(data.get("labelled") or 0),
    )


@dataclass(frozen=True)
class ShadowComparison:
    """A shadow's answers against the primary's for the same requests (joined by request id):
    request pairs, predicted rows compared, the share of rows where both predict the same value,
    the mean and largest absolute difference of numeric predictions, the drift of the shadow's
    predictions from the primary's, and the shadow's failed calls."""

    deployment: str
    shadow: str
    pairs: int
    rows: int
    agreement: float | None
    mean_abs_diff: float | None
    max_abs_diff: float | None
    drift: float | None
    drift_statistic: str
    shadow_errors: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShadowComparison:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})
