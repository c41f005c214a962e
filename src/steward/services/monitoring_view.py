"""What the console's monitoring pages show, read from stored windows, figures and alerts.

Nothing here reads the payload log: drift, quality and performance over time come from the figures
monitoring runs stored, and a chosen window's histograms from its stored profile against the
version's reference. Costs are bounded by :data:`MAX_WINDOWS` (the series show the newest windows)
and :data:`MAX_HISTOGRAMS`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from steward.core.errors import InvalidInputError
from steward.core.monitoring.drift import DriftReport, compare
from steward.core.monitoring.profile import Profile
from steward.core.monitoring.quality import QualityIssue, check_quality
from steward.core.windows import Figure
from steward.services.alerting import AlertService
from steward.services.deploy import DeploymentService
from steward.services.monitoring import MonitoringService

#: Windows the series cover at most (the newest).
MAX_WINDOWS = 500
#: Figures read per series name at most.
MAX_FIGURES = 100_000
#: Alerts listed at most on a page (newest first).
MAX_ALERTS = 10_000

NOT_FEATURES = {
    "drift.share",
    "drift.weighted",
    "drift.dataset",
    "drift.multivariate",
    "drift.multivariate.drifted",
}

#: A series: version -> [(window start, value)], oldest first.
Series = dict[str, list[tuple[datetime, float | None]]]


@dataclass(frozen=True)
class VersionWindow:
    """One version's part of the chosen window, against its reference."""

    version: str
    rows: int
    reference: Profile | None
    current: Profile | None
    drift: DriftReport | None
    quality: tuple[QualityIssue, ...]


@dataclass(frozen=True)
class MonitoringView:
    """A deployment's monitoring: ``monitored`` False (no monitor yet) leaves everything else empty."""

    deployment: str
    monitored: bool
    window: str | None = None
    starts: tuple[datetime, ...] = ()  # newest first
    chosen: datetime | None = None
    drift_share: Series = field(default_factory=dict)
    drift_scores: dict[str, Series] = field(default_factory=dict)  # feature -> series
    performance: dict[str, Series] = field(default_factory=dict)  # performance.* and estimated.*
    traffic: dict[str, Series] = field(default_factory=dict)  # requests, error_rate, latency.p99
    versions: tuple[VersionWindow, ...] = ()
    #: The drifted share past which the dataset counts as drifted (the monitor's setting).
    share_threshold: float | None = None

    @property
    def labelled(self) -> bool:
        """Whether labels arrived for some window (``performance.*`` figures, not only estimates)."""
        return any(name.startswith("performance.") for name in self.performance)


@dataclass(frozen=True)
class OverviewRow:
    """One deployment on the monitoring index."""

    deployment: str
    monitored: bool
    window: str | None
    windows: int
    last_window: datetime | None
    drift_share: dict[str, float | None]  # version -> the newest window's share
    firing: int


def overview(
    monitoring: MonitoringService, alerts: AlertService, deployments: list[str]
) -> list[OverviewRow]:
    """Per deployment: its monitor, windows, the newest drifted share per version, firing alerts."""
    monitored = set(monitoring.monitored())
    firing: dict[str, int] = defaultdict(int)
    for alert in alerts.list_alerts(status="firing", limit=MAX_ALERTS):
        firing[alert.deployment] += 1
    rows = []
    for name in deployments:
        if name not in monitored:
            rows.append(OverviewRow(name, False, None, 0, None, {}, firing[name]))
            continue
        requests = monitoring.figures(name, name="requests", limit=MAX_FIGURES)
        starts = {f.start for f in requests}
        last = max(starts) if starts else None
        shares = (
            {f.version: f.value for f in monitoring.figures(name, name="drift.share", since=last)}
            if last is not None
            else {}
        )
        rows.append(OverviewRow(name, True, _window_kind(requests), len(starts), last, shares, firing[name]))
    return rows


def view(
    monitoring: MonitoringService, deployments: DeploymentService, deployment: str, window: str = ""
) -> MonitoringView:
    """The monitoring of *deployment*; *window* is a window's start (ISO) or empty for the newest."""
    deployments.get(deployment)  # NotFoundError for a deployment that does not exist
    if deployment not in monitoring.monitored():
        return MonitoringView(deployment, False)
    requests = monitoring.figures(deployment, name="requests", limit=MAX_FIGURES)
    starts = tuple(sorted({f.start for f in requests}, reverse=True))
    if not starts:
        return MonitoringView(deployment, True)
    chosen = _chosen(starts, window)
    since = starts[min(len(starts), MAX_WINDOWS) - 1]

    def series(pattern: str, relative: bool = False) -> dict[str, Series]:
        found: dict[str, Series] = defaultdict(lambda: defaultdict(list))
        for f in monitoring.figures(deployment, name=pattern, since=since, limit=MAX_FIGURES):
            found[f.name][f.version].append((f.start, _relative(f) if relative else f.value))
        return {name: dict(by_version) for name, by_version in found.items()}

    drift = series("drift.*", relative=True)
    share = series("drift.share").get("drift.share", {})
    scores = {name.removeprefix("drift."): s for name, s in drift.items() if name not in NOT_FEATURES}
    performance = {**series("performance.*"), **series("estimated.*")}
    performance.pop("performance.labelled", None)
    traffic = {name: series(name).get(name, {}) for name in ("requests", "error_rate", "latency.p99")}
    return MonitoringView(
        deployment,
        True,
        _window_kind(requests),
        starts,
        chosen,
        share,
        scores,
        performance,
        traffic,
        _versions(monitoring, deployment, chosen),
        monitoring.drift_config(deployment).drifted_share,
    )


def _relative(f: Figure) -> float | None:
    """A feature's drift score over its threshold (1 = the threshold), so methods compare."""
    threshold = f.details.get("threshold")
    if f.value is None or not isinstance(threshold, int | float) or threshold <= 0:
        return None
    return f.value / threshold


def _chosen(starts: tuple[datetime, ...], window: str) -> datetime:
    if not window:
        return starts[0]
    try:
        at = datetime.fromisoformat(window)
    except ValueError:
        raise InvalidInputError(
            f"Bad window {window[:40]!r}: pick one from the list, e.g. {starts[0].isoformat()}."
        ) from None
    at = at if at.tzinfo else at.replace(tzinfo=starts[0].tzinfo)
    if at not in starts:
        raise InvalidInputError(
            f"No window starts at {window[:40]}; windows start from {starts[-1].isoformat()} "
            f"to {starts[0].isoformat()}."
        )
    return at


def _window_kind(requests: list[Figure]) -> str | None:
    if not requests:
        return None
    return "day" if requests[0].end - requests[0].start >= timedelta(days=1) else "hour"


def _versions(monitoring: MonitoringService, deployment: str, chosen: datetime) -> tuple[VersionWindow, ...]:
    windows, references = monitoring.windows(
        deployment, since=chosen, until=chosen + timedelta(microseconds=1)
    )
    config = monitoring.drift_config(deployment)
    out = []
    for stored in windows:
        version = stored["version"]
        reference = references.get(version)
        current = Profile.from_dict(stored["profile"]) if stored["profile"] else None
        if reference is None or current is None:
            out.append(VersionWindow(version, int(stored["rows"]), reference, current, None, ()))
            continue
        report = compare(reference, current, config) if current.rows else None
        quality = tuple(check_quality(reference, current))
        out.append(VersionWindow(version, current.rows, reference, current, report, quality))
    return tuple(out)
