"""Alert rules on monitoring figures: manage them, evaluate them after each run, notify.

Evaluation looks at each matching figure series (deployment, version, figure
name) and asks :func:`steward.core.alerts.decide` whether to fire or resolve.
A firing or a resolution and its audit record commit in one transaction; the
notifications go out after the commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from steward.core.alerts import Alert, AlertRule, decide
from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError
from steward.core.permissions import Permission
from steward.ports import Store
from steward.services.access import AccessControl
from steward.services.notifiers import notify
from steward.services.registry import Clock, utcnow

Notify = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]


class AlertService:
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = utcnow,
        notifier: Notify = notify,
        access: AccessControl | None = None,
    ) -> None:
        self.store = store
        self.access = access
        self.clock = clock
        self.notifier = notifier

    # -- rules ------------------------------------------------------------------

    def put_rule(self, rule: AlertRule, *, actor: str) -> AlertRule:
        """Create a rule, or replace the one with the same name."""
        if not isinstance(rule, AlertRule):
            raise InvalidInputError("A rule is an AlertRule.")
        rule = rule.checked()
        if self.access is not None:
            self.access.require(actor, Permission.MONITOR)
        with self.store.write() as tx:
            at = self.clock()
            if rule.deployment is not None:
                tx.deployments.get(rule.deployment)
            previous = tx.alerts.put_rule(rule, actor=actor, at=at)
            tx.audit.append(
                AuditEvent(
                    "alert.rule.update" if previous else "alert.rule.create",
                    "alert_rule",
                    rule.name,
                    actor,
                    at,
                    before=previous.to_dict(redact=True) if previous else None,
                    after=rule.to_dict(redact=True),
                )
            )
        return rule

    def delete_rule(self, name: str, *, actor: str) -> AlertRule:
        if self.access is not None:
            self.access.require(actor, Permission.MONITOR)
        with self.store.write() as tx:
            at = self.clock()
            rule = tx.alerts.delete_rule(name)
            tx.audit.append(
                AuditEvent(
                    "alert.rule.delete", "alert_rule", name, actor, at, before=rule.to_dict(redact=True)
                )
            )
        return rule

    def get_rule(self, name: str) -> AlertRule:
        with self.store.read() as tx:
            return tx.alerts.get_rule(name)

    def list_rules(self) -> list[AlertRule]:
        with self.store.read() as tx:
            return tx.alerts.list_rules()

    def list_alerts(
        self, *, status: str | None = None, deployment: str | None = None, limit: int = 100
    ) -> list[Alert]:
        if status not in (None, "firing", "resolved"):
            raise InvalidInputError("status is firing or resolved.")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise InvalidInputError("limit is a whole number from 1 to 10000.")
        with self.store.read() as tx:
            return tx.alerts.list_alerts(status=status, deployment=deployment, limit=limit)

    # -- evaluation -------------------------------------------------------------

    def evaluate(self, deployment: str, *, actor: str) -> tuple[int, int]:
        """Fire and resolve *deployment*'s alerts from its stored figures; (fired, resolved)."""
        with self.store.read() as tx:
            rules = [r for r in tx.alerts.list_rules() if r.enabled and r.deployment in (None, deployment)]
        fired = resolved = 0
        outbox: list[tuple[AlertRule, dict[str, Any]]] = []
        for rule in rules:
            with self.store.read() as tx:
                figures = tx.monitoring.figures(deployment, name=rule.pattern, limit=100_000)
            series: dict[tuple[str, str], list[tuple[datetime, float | None]]] = defaultdict(list)
            for figure in figures:
                series[(figure.version, figure.name)].append((figure.start, figure.value))
            for (version, name), points in series.items():
                event = self._apply(rule, deployment, version, name, points, actor)
                if event is not None:
                    outbox.append((rule, event))
                    if event["event"] == "alert.fire":
                        fired += 1
                    else:
                        resolved += 1
        for rule, event in outbox:
            for config in rule.notifiers:
                self.notifier(config, event)
        return fired, resolved

    def _apply(
        self,
        rule: AlertRule,
        deployment: str,
        version: str,
        figure: str,
        points: list[tuple[datetime, float | None]],
        actor: str,
    ) -> dict[str, Any] | None:
        with self.store.write() as tx:
            open_alert = tx.alerts.open_alert(rule.name, deployment, version, figure)
            last = tx.alerts.last_fired_window(rule.name, deployment, version, figure)
            decision = decide(rule, points, is_open=open_alert is not None, last_fired_window=last)
            at = self.clock()
            start, value = points[-1]
            if decision == "fire":
                try:
                    alert = tx.alerts.fire(
                        rule, deployment=deployment, version=version, figure=figure, value=value,
                        window_start=start, at=at,
                    )  # fmt: skip
                except ConflictError:  # another run fired it first
                    return None
                action = "alert.fire"
            elif decision == "resolve" and open_alert is not None:
                alert = tx.alerts.resolve(rule.name, open_alert.id, at=at)
                action = "alert.resolve"
            else:
                return None
            details = {"rule": rule.to_dict(redact=True), "window_start": start.isoformat(), "value": value}
            tx.audit.append(
                AuditEvent(
                    action,
                    "alert",
                    f"{deployment}/{figure}",
                    actor,
                    at,
                    after=alert.to_dict(),
                    details=details,
                )
            )
        return {"event": action, "alert": alert.to_dict(), "rule": rule.to_dict(redact=True)}
