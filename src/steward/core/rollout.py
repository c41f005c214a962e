"""Progressive rollout: a challenger takes a growing share of a deployment while guardrails hold.

A :class:`RolloutPlan` names the deployment, the challenger, the weights it steps through
(``5, 25, 50, 100`` percent), how long each step lasts, how many challenger requests a step needs
before it is judged, and the :class:`Guardrails`. :func:`judge` is the whole decision, pure: from
the challenger's readings since its step began and the champion's since the rollout began it says
*continue* (wait), *step* (next weight), *promote* (all steps passed) or *rollback* (a guardrail
broke, with the reason). A breach rolls back on the tick that sees it, not at a step boundary.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from steward.core.deployment import check_deployment_name
from steward.core.errors import InvalidInputError
from steward.core.registry import ModelRef

DRIFT_STATISTICS = ("psi", "js", "ks")
METRICS = ("accuracy",)
STATES = ("running", "promoted", "rolled_back", "aborted")
MAX_STEPS = 20
DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str | float | int) -> float:
    """Seconds from ``"10m"``, ``"30s"``, ``"1h"``, ``"2d"``, ``"500ms"`` or a plain number of seconds."""
    if isinstance(text, bool):
        raise InvalidInputError("A duration is text like 30s, 10m or 1h, or a number of seconds.")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        found = DURATION_RE.match(str(text))
        if not found:
            raise InvalidInputError(f"Invalid duration {text!r}: write e.g. 30s, 10m, 1h or 2d.")
        seconds = float(found.group(1)) * UNITS[found.group(2) or "s"]
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidInputError(f"Invalid duration {text!r}: it must be 0 seconds or more.")
    return seconds


def _limit(value: object, name: str, *, low: float = 0.0, high: float | None = None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a number, got {value!r}.")
    if value < low or (high is not None and value > high):
        span = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
        raise InvalidInputError(f"{name} must be {span}, got {value:g}.")
    return float(value)


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Guardrails:
    """What the challenger must hold to keep going; ``None`` switches a guardrail off.

    Error rates are shares of requests answered with status >= 500; ``max_error_increase`` is the
    challenger's rate minus the champion's. Latency is p99 in milliseconds; ``max_p99_ratio`` is
    the challenger's p99 over the champion's. Drift compares the challenger's primary output with
    the champion's over the same period (``psi``, ``js`` or ``ks``). ``min_metric`` applies to
    ``metric`` (e.g. ``accuracy``) once labels have arrived for the challenger's requests.
    """

    max_error_rate: float | None = 0.05
    max_error_increase: float | None = None
    max_p99_ms: float | None = None
    max_p99_ratio: float | None = None
    max_drift: float | None = None
    drift_statistic: str = "psi"
    metric: str | None = None
    min_metric: float | None = None

    def checked(self) -> Guardrails:
        _limit(self.max_error_rate, "max_error_rate", high=1.0)
        _limit(self.max_error_increase, "max_error_increase", high=1.0)
        _limit(self.max_p99_ms, "max_p99_ms")
        _limit(self.max_p99_ratio, "max_p99_ratio")
        _limit(self.max_drift, "max_drift")
        _limit(self.min_metric, "min_metric", low=-math.inf)
        if self.drift_statistic not in DRIFT_STATISTICS:
            raise InvalidInputError(
                f"Unknown drift statistic {self.drift_statistic!r}: use one of {', '.join(DRIFT_STATISTICS)}."
            )
        if self.metric is not None and self.metric not in METRICS:
            raise InvalidInputError(f"Unknown metric {self.metric!r}: use one of {', '.join(METRICS)}.")
        if (self.metric is None) != (self.min_metric is None):
            raise InvalidInputError(
                "A performance guardrail needs both a metric and its minimum, e.g. accuracy=0.8."
            )
        return Guardrails(
            max_error_rate=_float(self.max_error_rate),
            max_error_increase=_float(self.max_error_increase),
            max_p99_ms=_float(self.max_p99_ms),
            max_p99_ratio=_float(self.max_p99_ratio),
            max_drift=_float(self.max_drift),
            drift_statistic=self.drift_statistic,
            metric=self.metric,
            min_metric=_float(self.min_metric),
        )

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (*LIMITS, "drift_statistic", "metric")}

    @classmethod
    def from_dict(cls, data: Any) -> Guardrails:
        if not isinstance(data, dict):
            raise InvalidInputError("Guardrails are an object, e.g. {'max_error_rate': 0.05}.")
        unknown = set(data) - {*LIMITS, "drift_statistic", "metric"}
        if unknown:
            raise InvalidInputError(f"Unknown guardrail {sorted(unknown)[0]!r}.")
        return cls(**data).checked()


LIMITS = ("max_error_rate", "max_error_increase", "max_p99_ms", "max_p99_ratio", "max_drift", "min_metric")


@dataclass(frozen=True)
class RolloutPlan:
    """What a rollout does: the challenger's weights, a step's length and the guardrails."""

    deployment: str
    challenger: str
    steps: tuple[float, ...] = (5.0, 25.0, 50.0, 100.0)
    step_seconds: float = 600.0
    min_requests: int = 100
    guardrails: Guardrails = field(default_factory=Guardrails)
    #: Moved to the challenger on promotion (e.g. ``champion``), through the registry's gates.
    alias: str | None = None
    #: Seconds the challenger first runs as a shadow (judged by the same guardrails on its shadow
    #: answers, never served) before its first canary step; 0 starts with the canary.
    shadow_seconds: float = 0.0

    def checked(self) -> RolloutPlan:
        check_deployment_name(self.deployment)
        ref = ModelRef.parse(self.challenger) if isinstance(self.challenger, str) else None
        if ref is None or (ref.version is None and ref.alias is None):
            raise InvalidInputError(
                f"The challenger {self.challenger!r} must name a version ('churn/7') or an alias "
                "('churn@challenger')."
            )
        steps = tuple(self.steps)
        if not steps or len(steps) > MAX_STEPS:
            raise InvalidInputError(f"A rollout has 1 to {MAX_STEPS} steps, e.g. --steps 5,25,50,100.")
        for weight in steps:
            _limit(weight, "A step's weight", high=100.0)
            if weight <= 0:
                raise InvalidInputError("Each step's weight is above 0 percent.")
        if any(b <= a for a, b in itertools.pairwise(steps)):
            raise InvalidInputError(f"Steps must increase: {', '.join(f'{s:g}' for s in steps)}.")
        seconds = _limit(self.step_seconds, "The step duration")
        shadow = _limit(self.shadow_seconds, "The shadow phase's duration")
        count = self.min_requests
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000_000:
            raise InvalidInputError("min_requests is a whole number from 1 to 10,000,000.")
        if not isinstance(self.guardrails, Guardrails):
            raise InvalidInputError("guardrails must be a Guardrails value.")
        if self.alias is not None and (not isinstance(self.alias, str) or not self.alias.strip()):
            raise InvalidInputError("The alias to move on promotion is a name, e.g. champion.")
        return replace(
            self,
            challenger=str(ref),
            steps=tuple(float(s) for s in steps),
            step_seconds=float(seconds or 0.0),
            shadow_seconds=float(shadow or 0.0),
            guardrails=self.guardrails.checked(),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "challenger": self.challenger,
            "steps": list(self.steps),
            "step_seconds": self.step_seconds,
            "min_requests": self.min_requests,
            "guardrails": self.guardrails.to_dict(),
            "alias": self.alias,
            "shadow_seconds": self.shadow_seconds,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RolloutPlan:
        if not isinstance(data, dict):
            raise InvalidInputError("A rollout plan is an object with 'deployment' and 'challenger'.")
        try:
            return cls(
                deployment=data["deployment"],
                challenger=data["challenger"],
                steps=tuple(data.get("steps") or (5.0, 25.0, 50.0, 100.0)),
                step_seconds=data.get("step_seconds", 600.0),
                min_requests=data.get("min_requests", 100),
                guardrails=Guardrails.from_dict(data.get("guardrails") or {}),
                alias=data.get("alias"),
                shadow_seconds=data.get("shadow_seconds", 0.0),
            ).checked()
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(f"Malformed rollout plan: {exc}.") from None


@dataclass(frozen=True)
class VersionStats:
    """One version's readings over a period: primary requests, errors (>= 500), p99 (ms); for the
    challenger also its prediction drift against the champion and its metric once labels arrived."""

    requests: int = 0
    errors: int = 0
    p99_ms: float | None = None
    drift: float | None = None
    metric: float | None = None
    labelled: int = 0

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "error_rate": self.error_rate,
            "p99_ms": self.p99_ms,
            "drift": self.drift,
            "metric": self.metric,
            "labelled": self.labelled,
        }


class Action(StrEnum):
    CONTINUE = "continue"
    STEP = "step"
    PROMOTE = "promote"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str


def breaches(guardrails: Guardrails, challenger: VersionStats, champion: VersionStats) -> list[str]:
    """Every guardrail *challenger* breaks, in words (empty when all hold). Relative guardrails need
    champion readings; the caller decides whether there are enough requests to judge at all."""
    found = []
    g = guardrails
    rate = challenger.error_rate
    if g.max_error_rate is not None and rate is not None and rate > g.max_error_rate:
        found.append(f"error rate {rate:.2%} > {g.max_error_rate:.2%}")
    base = champion.error_rate
    if (
        g.max_error_increase is not None
        and rate is not None
        and base is not None
        and rate - base > g.max_error_increase
    ):
        found.append(
            f"error rate {rate:.2%} is {rate - base:.2%} above the champion's {base:.2%} "
            f"(max +{g.max_error_increase:.2%})"
        )
    p99 = challenger.p99_ms
    if g.max_p99_ms is not None and p99 is not None and p99 > g.max_p99_ms:
        found.append(f"p99 latency {p99:.1f} ms > {g.max_p99_ms:g} ms")
    ref = champion.p99_ms
    if (
        g.max_p99_ratio is not None
        and p99 is not None
        and ref is not None
        and ref > 0
        and p99 / ref > g.max_p99_ratio
    ):
        found.append(
            f"p99 latency {p99:.1f} ms is {p99 / ref:.2f}x the champion's {ref:.1f} ms "
            f"(max {g.max_p99_ratio:g}x)"
        )
    if g.max_drift is not None and challenger.drift is not None and challenger.drift > g.max_drift:
        found.append(
            f"prediction drift vs the champion {g.drift_statistic} {challenger.drift:.3f} > {g.max_drift:g}"
        )
    if g.min_metric is not None and challenger.metric is not None and challenger.metric < g.min_metric:
        found.append(f"{g.metric} {challenger.metric:.4f} < {g.min_metric:g} on {challenger.labelled} labels")
    return found


def judge(
    plan: RolloutPlan,
    challenger: VersionStats,
    champion: VersionStats,
    *,
    step: int,
    elapsed_seconds: float,
) -> Verdict:
    """What to do now with a rollout at *step* (0-based; -1 is the shadow phase) whose step began
    *elapsed_seconds* ago.

    Fewer than ``min_requests`` challenger requests in the step: wait, unless its errors already
    exceed ``max_error_rate`` of ``min_requests`` (a breach whatever comes next). Else any breach
    rolls back;
    else, once the step has lasted ``step_seconds`` (the shadow phase ``shadow_seconds``), the next
    step or, after the last, promotion."""
    here = "the shadow phase" if step < 0 else f"{plan.steps[step]:g}%"
    if challenger.requests < plan.min_requests:
        limit = plan.guardrails.max_error_rate
        if limit is not None and challenger.errors > limit * plan.min_requests:  # a sure breach: now
            return Verdict(
                Action.ROLLBACK,
                f"guardrail broken at {here}: {challenger.errors} errors already exceed {limit:.2%} of "
                f"the {plan.min_requests} requests the step is judged on",
            )
        return Verdict(
            Action.CONTINUE, f"waiting for requests: {challenger.requests} of {plan.min_requests} at {here}"
        )
    broken = breaches(plan.guardrails, challenger, champion)
    if broken:
        return Verdict(Action.ROLLBACK, f"guardrail broken at {here}: " + "; ".join(broken))
    duration = plan.shadow_seconds if step < 0 else plan.step_seconds
    if elapsed_seconds < duration:
        left = duration - elapsed_seconds
        return Verdict(Action.CONTINUE, f"guardrails hold at {here}; next step in {left:.0f} s")
    if step + 1 < len(plan.steps):
        return Verdict(
            Action.STEP,
            f"guardrails held at {here} for {elapsed_seconds:.0f} s on "
            f"{challenger.requests} requests: {plan.steps[step + 1]:g}%",
        )
    return Verdict(
        Action.PROMOTE,
        f"every step passed (last {here} for {elapsed_seconds:.0f} s on {challenger.requests} requests)",
    )
