"""Alert rules on monitoring figures, and the pure decision to fire or resolve.

A rule names figures by pattern (``drift.share``, ``drift.*``,
``performance.accuracy``), a comparison and a threshold, a severity, how many
consecutive windows must breach before it fires (``for_windows``), and a
cooldown: after a firing, the same rule and figure does not fire again until
that much window time has passed. At most one alert is open per rule, deployment,
version and figure (de-duplication). :func:`decide` looks at a figure's latest
windows and the open alert, and says what to do; the service stores the result.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from steward.core.errors import InvalidInputError
from steward.core.windows import finite

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
SEVERITIES = ("info", "warning", "critical")
NOTIFIER_TYPES = ("log", "webhook", "email")
RULE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
PATTERN_RE = re.compile(r"^[A-Za-z0-9_.:*?\[\]\-]{1,300}$")
#: Notifier settings that are never shown back (webhook secrets, SMTP passwords).
SECRET_KEYS = ("secret", "password")

Decision = Literal["fire", "resolve", "none"]


@dataclass(frozen=True)
class AlertRule:
    name: str
    pattern: str
    comparison: str
    threshold: float
    severity: str = "warning"
    for_windows: int = 1
    cooldown: timedelta = timedelta(0)
    deployment: str | None = None
    notifiers: tuple[Mapping[str, Any], ...] = ({"type": "log"},)
    enabled: bool = True
    description: str = ""

    def checked(self) -> AlertRule:
        if not isinstance(self.name, str) or not RULE_NAME_RE.match(self.name):
            raise InvalidInputError(
                f"Invalid rule name {self.name!r}: letters, digits, '.', '_' and '-', up to 128 characters."
            )
        if not isinstance(self.pattern, str) or not PATTERN_RE.match(self.pattern):
            raise InvalidInputError(
                f"Invalid figure pattern {self.pattern!r}: a figure name such as drift.share, "
                "or a glob such as drift.* or quality.missing.*"
            )
        if self.comparison not in COMPARISONS:
            raise InvalidInputError(
                f"Unknown comparison {self.comparison!r}: use one of {' '.join(COMPARISONS)}."
            )
        if finite(self.threshold) is None:
            raise InvalidInputError(f"The threshold must be a finite number, got {self.threshold!r}.")
        if self.severity not in SEVERITIES:
            raise InvalidInputError(
                f"Unknown severity {self.severity!r}: use one of {', '.join(SEVERITIES)}."
            )
        if isinstance(self.for_windows, bool) or not isinstance(self.for_windows, int):
            raise InvalidInputError("for_windows is a whole number of windows, 1 to 1000.")
        if not 1 <= self.for_windows <= 1000:
            raise InvalidInputError("for_windows is a whole number of windows, 1 to 1000.")
        if not isinstance(self.cooldown, timedelta) or self.cooldown < timedelta(0):
            raise InvalidInputError("The cooldown is a duration of zero or more, e.g. 6h.")
        for notifier in self.notifiers:
            check_notifier(notifier)
        return self

    def matches(self, deployment: str, figure: str) -> bool:
        if not self.enabled or (self.deployment is not None and self.deployment != deployment):
            return False
        return fnmatch.fnmatchcase(figure, self.pattern)

    def breaches(self, value: float | None) -> bool:
        return value is not None and COMPARISONS[self.comparison](value, self.threshold)

    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        return {
            "name": self.name,
            "pattern": self.pattern,
            "comparison": self.comparison,
            "threshold": self.threshold,
            "severity": self.severity,
            "for_windows": self.for_windows,
            "cooldown_seconds": self.cooldown.total_seconds(),
            "deployment": self.deployment,
            "notifiers": [redacted(n) if redact else dict(n) for n in self.notifiers],
            "enabled": self.enabled,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertRule:
        try:
            return cls(
                name=data["name"],
                pattern=data["pattern"],
                comparison=data["comparison"],
                threshold=data["threshold"],
                severity=data.get("severity", "warning"),
                for_windows=data.get("for_windows", 1),
                cooldown=timedelta(seconds=float(data.get("cooldown_seconds", 0))),
                deployment=data.get("deployment"),
                notifiers=tuple(dict(n) for n in data.get("notifiers", ({"type": "log"},))),
                enabled=bool(data.get("enabled", True)),
                description=str(data.get("description", "")),
            )
        except KeyError as exc:
            raise InvalidInputError(f"An alert rule needs {exc.args[0]!r}.") from None
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"Invalid alert rule: {exc}.") from None


def check_notifier(notifier: Mapping[str, Any]) -> None:
    if not isinstance(notifier, Mapping) or notifier.get("type") not in NOTIFIER_TYPES:
        raise InvalidInputError(
            f"A notifier is an object with type one of {', '.join(NOTIFIER_TYPES)}, e.g. "
            '{"type": "webhook", "url": "https://…", "secret": "…"}.'
        )
    kind = notifier["type"]
    if kind == "webhook" and not str(notifier.get("url", "")).startswith(("http://", "https://")):
        raise InvalidInputError("A webhook notifier needs a url starting with http:// or https://.")
    if kind == "email" and not (notifier.get("host") and notifier.get("to") and notifier.get("sender")):
        raise InvalidInputError("An email notifier needs host, sender and to (and optionally port).")


def redacted(notifier: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k in SECRET_KEYS and v else v) for k, v in notifier.items()}


@dataclass(frozen=True)
class Alert:
    """A firing of one rule on one figure series; ``status`` is "firing" until resolved."""

    id: int
    rule: str
    deployment: str
    version: str
    figure: str
    severity: str
    status: str
    value: float | None
    window_start: datetime
    fired_at: datetime
    resolved_at: datetime | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "deployment": self.deployment,
            "version": self.version,
            "figure": self.figure,
            "severity": self.severity,
            "status": self.status,
            "value": self.value,
            "window_start": self.window_start.isoformat(),
            "fired_at": self.fired_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        resolved = data.get("resolved_at")
        return cls(
            id=int(data["id"]),
            rule=str(data["rule"]),
            deployment=str(data["deployment"]),
            version=str(data["version"]),
            figure=str(data["figure"]),
            severity=str(data["severity"]),
            status=str(data["status"]),
            value=None if data.get("value") is None else float(data["value"]),
            window_start=datetime.fromisoformat(str(data["window_start"])),
            fired_at=datetime.fromisoformat(str(data["fired_at"])),
            resolved_at=datetime.fromisoformat(str(resolved)) if resolved else None,
        )


def decide(
    rule: AlertRule,
    points: Sequence[tuple[datetime, float | None]],
    *,
    is_open: bool,
    last_fired_window: datetime | None,
) -> Decision:
    """Fire, resolve or do nothing, from a figure's windows (oldest first) up to the newest.

    Fires when the newest ``for_windows`` windows are consecutive breaches, no alert is
    open, and the cooldown since the last firing's window has passed. Resolves an open
    alert when the newest window does not breach. A window whose value is missing
    neither breaches nor resolves.
    """
    if not points:
        return "none"
    newest_start, newest = points[-1]
    if is_open:
        return "resolve" if newest is not None and not rule.breaches(newest) else "none"
    recent = points[-rule.for_windows :]
    if len(recent) < rule.for_windows or not all(rule.breaches(v) for _, v in recent):
        return "none"
    if last_fired_window is not None and newest_start < last_fired_window + max(
        rule.cooldown, timedelta(microseconds=1)
    ):
        return "none"
    return "fire"


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``6h``, ``2d`` (or plain seconds) as a timedelta."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = str(text).strip().lower()
    try:
        if text and text[-1] in units:
            return timedelta(seconds=float(text[:-1]) * units[text[-1]])
        return timedelta(seconds=float(text))
    except ValueError:
        raise InvalidInputError(f"Bad duration {text!r}: write e.g. 30m, 6h or 2d.") from None
