"""The client's monitoring and alerting methods, the same embedded and over HTTP.

:class:`Monitoring` is what the client needs; :class:`EmbeddedMonitoring`
(the services in this process) and
:class:`~steward.sdk.remote_monitoring.RemoteMonitoring` (a control plane)
both fit it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from steward.core.alerts import Alert, AlertRule
from steward.core.windows import Figure, LabelSummary, ReferenceInfo, RunSummary

if TYPE_CHECKING:  # the services (and the statistics behind them) load only when used
    from steward.services.alerting import AlertService
    from steward.services.monitoring import MonitoringService, Progress


class Monitoring(Protocol):
    def set_reference(
        self,
        ref: str,
        data: Any,
        *,
        actor: str,
        labels: Any = None,
        task: str | None = None,
        importance: Mapping[str, float] | None = None,
    ) -> ReferenceInfo: ...
    def get_reference(self, ref: str) -> ReferenceInfo: ...
    def configure(
        self, deployment: str, *, actor: str, window: str = "hour", drift: Mapping[str, Any] | None = None
    ) -> dict[str, Any]: ...
    def run(
        self,
        deployment: str,
        *,
        actor: str,
        progress: Progress | None = None,
        engine: str = "local",
        ray_address: str | None = None,
    ) -> RunSummary: ...
    def labels(
        self, deployment: str, data: Any, *, actor: str, label_column: str = "label"
    ) -> LabelSummary: ...
    def figures(
        self,
        deployment: str,
        *,
        name: str | None = None,
        version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[Figure]: ...
    def report(self, deployment: str, window: str, html: bool) -> dict[str, Any] | str: ...
    def put_rule(self, rule: AlertRule, *, actor: str) -> AlertRule: ...
    def get_rule(self, name: str) -> AlertRule: ...
    def delete_rule(self, name: str, *, actor: str) -> AlertRule: ...
    def list_rules(self) -> list[AlertRule]: ...
    def list_alerts(
        self, *, status: str | None = None, deployment: str | None = None, limit: int = 100
    ) -> list[Alert]: ...


class EmbeddedMonitoring:
    """The monitoring and alert services of this process, as one :class:`Monitoring`."""

    def __init__(self, monitoring: MonitoringService, alerts: AlertService) -> None:
        self._monitoring = monitoring
        self._alerts = alerts
        self.set_reference = monitoring.set_reference
        self.get_reference = monitoring.get_reference
        self.configure = monitoring.configure
        self.labels = monitoring.labels
        self.figures = monitoring.figures
        self.put_rule = alerts.put_rule
        self.get_rule = alerts.get_rule
        self.delete_rule = alerts.delete_rule
        self.list_rules = alerts.list_rules
        self.list_alerts = alerts.list_alerts

    def run(
        self,
        deployment: str,
        *,
        actor: str,
        progress: Progress | None = None,
        engine: str = "local",
        ray_address: str | None = None,
    ) -> RunSummary:
        return self._monitoring.run(
            deployment, actor=actor, progress=progress, engine=engine, ray_address=ray_address
        )

    def report(self, deployment: str, window: str, html: bool) -> dict[str, Any] | str:
        from steward.services.monitoring_report import build_report, render_html

        data = build_report(self._monitoring, deployment, window)
        return render_html(data) if html else data


class MonitoringMethods:
    """The :class:`~steward.Client` methods for monitoring (a base class of the client)."""

    actor: str
    _monitoring: Monitoring

    def set_reference(
        self,
        ref: str,
        data: Any,
        *,
        labels: Any = None,
        task: str | None = None,
        importance: Mapping[str, float] | None = None,
    ) -> ReferenceInfo:
        """Profile *data* (and the version's own predictions on it) as what *ref*'s traffic is compared with.

        *importance* (feature -> weight) weights ``drift.weighted``; without it the version's newest
        stored permutation importance does, if any.

        >>> client.set_reference("churn/3", X_valid, labels=y_valid)
        """
        return self._monitoring.set_reference(
            ref, data, actor=self.actor, labels=labels, task=task, importance=importance
        )

    def get_reference(self, ref: str) -> ReferenceInfo:
        return self._monitoring.get_reference(ref)

    def configure_monitoring(
        self, deployment: str, *, window: str = "hour", drift: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Windows of an ``hour`` or a ``day``; *drift* takes ``DriftConfig`` fields (e.g. numeric_method)."""
        return self._monitoring.configure(deployment, actor=self.actor, window=window, drift=drift)

    def run_monitoring(
        self,
        deployment: str,
        *,
        progress: Progress | None = None,
        engine: str = "local",
        ray_address: str | None = None,
    ) -> RunSummary:
        """Process the payload-log files no run has read yet (incremental, idempotent).

        *progress(done, total, file)* is called after each file (embedded only; a control plane
        runs the whole run in one request). *engine* ``ray`` profiles the files as Ray tasks, on the
        cluster at *ray_address* or a local Ray started for the run; against
        a control plane, the server runs them on its own Ray (*ray_address* is refused there)."""
        return self._monitoring.run(
            deployment, actor=self.actor, progress=progress, engine=engine, ray_address=ray_address
        )

    def log_labels(self, deployment: str, data: Any, *, label_column: str = "label") -> LabelSummary:
        """Ground truth: a table with ``request_id``, *label_column* and optionally ``row``."""
        return self._monitoring.labels(deployment, data, actor=self.actor, label_column=label_column)

    def figures(
        self,
        deployment: str,
        name: str | None = None,
        *,
        version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[Figure]:
        """Stored figures, oldest window first; *name* is a glob such as ``drift.*``."""
        return self._monitoring.figures(
            deployment, name=name, version=version, since=since, until=until, limit=limit
        )

    def monitoring_report(self, deployment: str, window: str = "latest", *, html: bool = False) -> Any:
        """The report as data (JSON-safe dict) or, with *html*, one self-contained HTML page."""
        return self._monitoring.report(deployment, window, html)

    def set_alert_rule(
        self,
        name: str,
        pattern: str,
        comparison: str,
        threshold: float,
        *,
        severity: str = "warning",
        for_windows: int = 1,
        cooldown: timedelta = timedelta(0),
        deployment: str | None = None,
        notifiers: Sequence[Mapping[str, Any]] = ({"type": "log"},),
        description: str = "",
    ) -> AlertRule:
        """Create or replace an alert rule, e.g. ``("drift", "drift.share", ">=", 0.5, for_windows=3)``."""
        rule = AlertRule(
            name, pattern, comparison, threshold, severity, for_windows, cooldown, deployment,
            tuple(dict(n) for n in notifiers), True, description,
        )  # fmt: skip
        return self._monitoring.put_rule(rule, actor=self.actor)

    def alert_rules(self) -> list[AlertRule]:
        return self._monitoring.list_rules()

    def delete_alert_rule(self, name: str) -> AlertRule:
        return self._monitoring.delete_rule(name, actor=self.actor)

    def alerts(
        self, *, status: str | None = None, deployment: str | None = None, limit: int = 100
    ) -> list[Alert]:
        return self._monitoring.list_alerts(status=status, deployment=deployment, limit=limit)
