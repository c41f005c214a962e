"""Monitoring windows, figures, references, and alerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from steward.core.alerts import Alert, AlertRule
from steward.core.windows import Figure, ReferenceInfo


class MonitoringRepository(Protocol):
    """Reference profiles per version; per deployment a monitor, the payload-log files it read,
    window profiles, figures (time series) and ground-truth labels."""

    def put_reference(
        self,
        model: str,
        version: int,
        *,
        task: str,
        features: Sequence[str],
        profile: dict[str, Any],
        calibration: dict[str, Any] | None,
        fingerprint: str,
        rows: int,
        actor: str,
        at: datetime,
    ) -> tuple[ReferenceInfo, ReferenceInfo | None]:
        """Store or replace a version's reference; returns (new, previous)."""
        ...

    def get_reference(
        self, model: str, version: int
    ) -> tuple[ReferenceInfo, dict[str, Any], dict[str, Any] | None]:
        """(info, profile, calibration); NotFoundError if the version has none."""
        ...

    def get_monitor(self, deployment: str) -> dict[str, Any] | None: ...

    def put_monitor(
        self, deployment: str, *, window: str, drift: dict[str, Any], actor: str, at: datetime
    ) -> None: ...

    def monitored(self) -> list[str]:
        """The deployments that have a monitor, by name."""
        ...

    def processed_files(self, deployment: str) -> set[str]: ...

    def add_files(self, deployment: str, files: Sequence[tuple[str, int]], at: datetime) -> None: ...

    def get_window(self, deployment: str, start: datetime, version: str) -> dict[str, Any] | None: ...

    def put_window(
        self,
        deployment: str,
        start: datetime,
        end: datetime,
        version: str,
        *,
        rows: int,
        profile: dict[str, Any],
        traffic: dict[str, Any],
        at: datetime,
    ) -> None: ...

    def windows(
        self, deployment: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]: ...

    def last_windows(self, deployment: str) -> list[dict[str, Any]]:
        """Each version's newest window."""
        ...

    def replace_figures(
        self,
        deployment: str,
        windows: Iterable[tuple[datetime, str]],
        figures: Sequence[Figure],
        *,
        performance: bool = False,
    ) -> None:
        """Replace the (window, version)s' payload-log figures, or their performance figures."""
        ...

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

    def put_labels(self, deployment: str, labels: Iterable[tuple[str, int, Any]], at: datetime) -> int:
        """Upsert by (request id, row); returns how many earlier labels were replaced."""
        ...

    def labels(self, deployment: str) -> list[tuple[str, int, Any]]: ...


class AlertRepository(Protocol):
    """Alert rules, and alerts with at most one open per rule, deployment, version and figure."""

    def put_rule(self, rule: AlertRule, *, actor: str, at: datetime) -> AlertRule | None: ...

    def get_rule(self, name: str) -> AlertRule: ...

    def delete_rule(self, name: str) -> AlertRule: ...

    def list_rules(self) -> list[AlertRule]: ...

    def open_alert(self, rule: str, deployment: str, version: str, figure: str) -> Alert | None: ...

    def last_fired_window(self, rule: str, deployment: str, version: str, figure: str) -> datetime | None: ...

    def fire(
        self,
        rule: AlertRule,
        *,
        deployment: str,
        version: str,
        figure: str,
        value: float | None,
        window_start: datetime,
        at: datetime,
    ) -> Alert: ...

    def resolve(self, rule: str, alert_id: int, *, at: datetime) -> Alert: ...

    def list_alerts(
        self, *, status: str | None = None, deployment: str | None = None, limit: int = 100
    ) -> list[Alert]: ...
