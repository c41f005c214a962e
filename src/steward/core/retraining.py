"""Retraining: what a model declares (entry point, data, triggers, what to do after) and its runs.

Pure rules on input, no I/O. The service (:mod:`steward.services.retraining`)
evaluates the triggers and runs the entry point in its own process.
"""

from __future__ import annotations

import fnmatch
import math
import re
import shlex
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cronsim import CronSim, CronSimError

from steward.core.audit import canonical_time
from steward.core.errors import InvalidInputError
from steward.core.registry import check_alias, check_model_name
from steward.core.search import parse_time
from steward.core.validation.suites import parse_suite

TRIGGERS = ("manual", "alert", "performance", "schedule")
ENGINES = ("local", "ray")
ENTRY_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
PERFORMANCE_RE = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(<=|>=|<|>)\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\s*$")
TEXT_MAX = 2000
TIMEOUT_MAX = 7 * 24 * 3600.0


def check_entry(entry: object) -> str:
    """``package.module:function`` or a command line (split like a shell would, never run by one)."""
    if not isinstance(entry, str) or not entry.strip() or len(entry) > TEXT_MAX or "\x00" in entry:
        raise InvalidInputError(
            "Give the training entry point as 'package.module:function' or as a command such as "
            "'python train.py --fast' (at most 2000 characters)."
        )
    entry = entry.strip()
    if not is_function(entry):
        try:
            argv = shlex.split(entry)
        except ValueError as exc:
            raise InvalidInputError(f"Cannot split the command {entry[:100]!r}: {exc}.") from None
        if not argv:
            raise InvalidInputError("The training command is empty.")
    return entry


def is_function(entry: str) -> bool:
    return ENTRY_RE.match(entry) is not None


def command_argv(entry: str) -> list[str]:
    return shlex.split(entry)


def check_location(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX or "\x00" in value:
        raise InvalidInputError(
            f"Give the {what} as a path or fsspec URL of a Parquet or CSV file (e.g. data/train.parquet)."
        )
    lowered = value.lower().split("?", 1)[0]
    if not lowered.endswith((".parquet", ".pq", ".csv")):
        raise InvalidInputError(
            f"The {what} {value[:100]!r} is not a .parquet or .csv file: Steward reads those two formats."
        )
    return value.strip()


def check_schedule(expression: object) -> str:
    """A five-field cron expression (minute hour day month weekday), evaluated in UTC."""
    if not isinstance(expression, str) or not expression.strip() or len(expression) > 200:
        raise InvalidInputError(
            "A schedule is a cron expression such as '0 3 * * *' (every day at 03:00 UTC)."
        )
    try:
        CronSim(expression.strip(), datetime(2000, 1, 1, tzinfo=UTC))
    except (CronSimError, ValueError) as exc:
        raise InvalidInputError(
            f"Bad cron expression {expression!r}: {exc}. Use five fields, e.g. '0 3 * * *'."
        ) from None
    return expression.strip()


def next_tick(expression: str, after: datetime) -> datetime | None:
    """The first time strictly after *after* the cron *expression* matches (UTC); None if never."""
    start = after.astimezone(UTC).replace(second=0, microsecond=0)
    try:
        found = next(CronSim(expression, start))
    except StopIteration:
        return None
    while found <= after:  # CronSim starts at the minute after *start*; be sure of "strictly after"
        try:
            found = next(CronSim(expression, found))
        except StopIteration:
            return None
    return found.astimezone(UTC)


@dataclass(frozen=True)
class PerformanceTrigger:
    """``performance.auc < 0.8``: a monitoring figure, a comparison, a threshold."""

    figure: str
    comparison: str
    threshold: float

    def breached(self, value: float | None) -> bool:
        if value is None or not math.isfinite(value):
            return False
        return {
            "<": value < self.threshold,
            "<=": value <= self.threshold,
            ">": value > self.threshold,
            ">=": value >= self.threshold,
        }[self.comparison]

    def __str__(self) -> str:
        return f"{self.figure} {self.comparison} {self.threshold:g}"


def parse_performance(text: object) -> PerformanceTrigger:
    match = PERFORMANCE_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInputError(
            f"Bad performance trigger {str(text)[:100]!r}: write FIGURE OP NUMBER, "
            "e.g. 'performance.auc < 0.8'."
        )
    try:
        threshold = float(match.group(3))
    except ValueError:
        raise InvalidInputError(f"Bad threshold in {text!r}.") from None
    return PerformanceTrigger(match.group(1), match.group(2), threshold)


def check_after(after: object) -> str:
    """``approval`` (request approval for the champion alias) or ``alias:NAME`` (move NAME if allowed)."""
    if after == "approval":
        return "approval"
    if isinstance(after, str) and after.startswith("alias:"):
        check_alias(after[len("alias:") :])
        return after
    raise InvalidInputError(
        f"Bad 'after' {str(after)[:100]!r}: 'approval' (the default: ask reviewers to approve the candidate "
        "for the champion alias) or 'alias:NAME' (move alias NAME to it, e.g. alias:challenger)."
    )


def check_patterns(patterns: object) -> tuple[str, ...]:
    if isinstance(patterns, str):
        patterns = [p.strip() for p in patterns.split(",") if p.strip()]
    if not isinstance(patterns, (list, tuple)) or not all(
        isinstance(p, str) and p and len(p) <= 200 and "\x00" not in p for p in patterns
    ):
        raise InvalidInputError("Alert trigger patterns are alert rule names or globs, e.g. 'drift-*'.")
    return tuple(patterns)


def check_run_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**62:
        raise InvalidInputError(f"Bad run id {value!r}: `steward retrain runs` lists them.")
    return value


def check_params(params: object) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise InvalidInputError("Training params are an object of names to values.")
    return dict(params)


@dataclass(frozen=True)
class RetrainConfig:
    """How a model is retrained. ``alerts`` are rule-name globs (empty: alerts never trigger)."""

    model: str
    entry: str
    data: str
    target: str
    holdout: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    alerts: tuple[str, ...] = ("*",)
    performance: str | None = None
    schedule: str | None = None
    champion: str = "champion"
    suite: dict[str, Any] | None = None
    after: str = "approval"
    engine: str = "local"
    timeout_s: float = 3600.0

    def checked(self) -> RetrainConfig:
        check_model_name(self.model)
        if not isinstance(self.target, str) or not self.target or len(self.target) > 200:
            raise InvalidInputError(
                "Name the label column of the data (--target), used to validate candidates."
            )
        if self.engine not in ENGINES:
            raise InvalidInputError(f"Unknown engine {self.engine!r}: use 'local' or 'ray'.")
        timeout = self.timeout_s
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not 1 <= timeout <= TIMEOUT_MAX
        ):
            raise InvalidInputError(f"Bad timeout {timeout!r}: seconds, from 1 to {int(TIMEOUT_MAX)}.")
        if self.suite is not None:
            parse_suite(self.suite)
        check_alias(self.champion)
        return replace(
            self,
            entry=check_entry(self.entry),
            data=check_location(self.data, "data source"),
            holdout=check_location(self.holdout, "holdout") if self.holdout else None,
            params=check_params(self.params),
            alerts=check_patterns(self.alerts),
            performance=str(parse_performance(self.performance)) if self.performance else None,
            schedule=check_schedule(self.schedule) if self.schedule else None,
            after=check_after(self.after),
            timeout_s=float(timeout),
        )

    @property
    def performance_trigger(self) -> PerformanceTrigger | None:
        return parse_performance(self.performance) if self.performance else None

    def alert_matches(self, rule: str) -> bool:
        return any(fnmatch.fnmatchcase(rule, p) for p in self.alerts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "entry": self.entry,
            "data": self.data,
            "target": self.target,
            "holdout": self.holdout,
            "params": dict(self.params),
            "alerts": list(self.alerts),
            "performance": self.performance,
            "schedule": self.schedule,
            "champion": self.champion,
            "suite": self.suite,
            "after": self.after,
            "engine": self.engine,
            "timeout_s": self.timeout_s,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RetrainConfig:
        if not isinstance(data, dict):
            raise InvalidInputError("A retraining config is an object.")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInputError(f"Unknown retraining setting(s): {', '.join(unknown)}.")
        missing = [k for k in ("model", "entry", "data", "target") if not data.get(k)]
        if missing:
            raise InvalidInputError(f"A retraining config needs {', '.join(missing)}.")
        values = dict(data)
        if "alerts" in values:
            values["alerts"] = check_patterns(values["alerts"] if values["alerts"] is not None else ())
        return cls(**values).checked()


@dataclass(frozen=True)
class ConfiguredRetraining:
    """A stored config with the evaluator's bookkeeping: alerts count after audit ``since_seq``; the next
    cron tick due; the last performance window acted on."""

    config: RetrainConfig
    updated_by: str
    updated_at: datetime
    since_seq: int = 0
    next_due: datetime | None = None
    performance_seen: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.config.to_dict(),
            "updated_by": self.updated_by,
            "updated_at": canonical_time(self.updated_at),
            "next_due": canonical_time(self.next_due) if self.next_due else None,
            "performance_seen": canonical_time(self.performance_seen) if self.performance_seen else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConfiguredRetraining:
        extra = ("updated_by", "updated_at", "next_due", "performance_seen")
        return cls(
            config=RetrainConfig.from_dict({k: v for k, v in data.items() if k not in extra}),
            updated_by=str(data["updated_by"]),
            updated_at=parse_time(str(data["updated_at"])),
            next_due=parse_time(str(data["next_due"])) if data.get("next_due") else None,
            performance_seen=parse_time(str(data["performance_seen"]))
            if data.get("performance_seen")
            else None,
        )
