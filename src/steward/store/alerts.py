"""Alert rules and alerts (the ``AlertRepository`` port).

An open alert carries ``open_key`` (rule, deployment, version, figure), unique
in the table, so two runs racing to fire the same alert cannot both succeed:
de-duplication is the database's job, not a hope. Resolving clears the key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.alerts import Alert, AlertRule
from steward.core.errors import ConflictError, NotFoundError
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text, plain_json
from steward.store.schema import alert_rules, alerts

ar, al = alert_rules, alerts


def no_rule(name: str) -> NotFoundError:
    return NotFoundError(f"No alert rule named {name!r} (`steward monitor alerts rules` lists them).")


def _open_key(rule_id: int, deployment: str, version: str, figure: str) -> str:
    return f"{rule_id}\x1f{deployment}\x1f{version}\x1f{figure}"


class SqlAlertRepository:
    """Alert rules and alerts, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put_rule(self, rule: AlertRule, *, actor: str, at: datetime) -> AlertRule | None:
        """Create or replace the rule named ``rule.name``; returns the rule it replaced, if any."""
        spec = plain_json(rule.checked().to_dict(), "Alert rule")
        previous = self._row(rule.name)
        if previous is None:
            with unique_or_conflict(self._connection, f"Alert rule {rule.name!r} already exists."):
                self._connection.execute(
                    sa.insert(ar).values(
                        name=rule.name,
                        spec=spec,
                        created_by=check_text(actor, "Actor"),
                        created_at=as_utc(at),
                        updated_at=as_utc(at),
                    )
                )
            return None
        self._connection.execute(
            sa.update(ar).where(ar.c.id == previous.id).values(spec=spec, updated_at=as_utc(at))
        )
        return AlertRule.from_dict(previous.spec)

    def _row(self, name: str) -> Any:
        return self._connection.execute(
            sa.select(ar).where(ar.c.name == check_text(name, "Rule name"))
        ).first()

    def get_rule(self, name: str) -> AlertRule:
        row = self._row(name)
        if row is None:
            raise no_rule(name)
        return AlertRule.from_dict(row.spec)

    def delete_rule(self, name: str) -> AlertRule:
        """Delete the rule and its alerts."""
        row = self._row(name)
        if row is None:
            raise no_rule(name)
        self._connection.execute(sa.delete(al).where(al.c.rule_id == row.id))
        self._connection.execute(sa.delete(ar).where(ar.c.id == row.id))
        return AlertRule.from_dict(row.spec)

    def list_rules(self) -> list[AlertRule]:
        return [
            AlertRule.from_dict(r.spec) for r in self._connection.execute(sa.select(ar).order_by(ar.c.name))
        ]

    def open_alert(self, rule: str, deployment: str, version: str, figure: str) -> Alert | None:
        rid = self._rule_id(rule)
        row = self._connection.execute(
            sa.select(al).where(al.c.open_key == _open_key(rid, deployment, version, figure))
        ).first()
        return None if row is None else _alert(rule, row)

    def last_fired_window(self, rule: str, deployment: str, version: str, figure: str) -> datetime | None:
        rid = self._rule_id(rule)
        found: datetime | None = self._connection.execute(
            sa.select(sa.func.max(al.c.window_start)).where(
                al.c.rule_id == rid,
                al.c.deployment == deployment,
                al.c.version == version,
                al.c.figure == figure,
            )
        ).scalar()
        return None if found is None else as_utc(found)

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
    ) -> Alert:
        """Open an alert; ConflictError if one is already open for this rule and figure."""
        rid = self._rule_id(rule.name)
        key = _open_key(rid, deployment, version, figure)
        message = f"Alert {rule.name} on {deployment} {version} {figure} is already open."
        with unique_or_conflict(self._connection, message):
            new_id = self._connection.execute(
                sa.insert(al)
                .values(
                    rule_id=rid,
                    deployment=deployment,
                    version=version,
                    figure=figure,
                    severity=rule.severity,
                    status="firing",
                    value=value,
                    window_start=as_utc(window_start),
                    fired_at=as_utc(at),
                    open_key=key,
                )
                .returning(al.c.id)
            ).scalar_one()
        return self._get(rule.name, int(new_id))

    def resolve(self, rule: str, alert_id: int, *, at: datetime) -> Alert:
        done = self._connection.execute(
            sa.update(al)
            .where(al.c.id == alert_id, al.c.status == "firing")
            .values(status="resolved", resolved_at=as_utc(at), open_key=None)
        )
        if not done.rowcount:
            raise ConflictError(f"Alert {alert_id} is not open.")
        return self._get(rule, alert_id)

    def _get(self, rule: str, alert_id: int) -> Alert:
        return _alert(rule, self._connection.execute(sa.select(al).where(al.c.id == alert_id)).one())

    def _rule_id(self, name: str) -> int:
        row = self._row(name)
        if row is None:
            raise no_rule(name)
        return int(row.id)

    def list_alerts(
        self, *, status: str | None = None, deployment: str | None = None, limit: int = 100
    ) -> list[Alert]:
        """Newest first."""
        query = sa.select(al, ar.c.name.label("rule_name")).join(ar, ar.c.id == al.c.rule_id)
        if status is not None:
            query = query.where(al.c.status == status)
        if deployment is not None:
            query = query.where(al.c.deployment == deployment)
        rows = self._connection.execute(query.order_by(al.c.id.desc()).limit(limit))
        return [_alert(r.rule_name, r) for r in rows]


def _alert(rule: str, row: Any) -> Alert:
    return Alert(
        id=int(row.id),
        rule=rule,
        deployment=row.deployment,
        version=row.version,
        figure=row.figure,
        severity=row.severity,
        status=row.status,
        value=row.value,
        window_start=row.window_start,
        fired_at=row.fired_at,
        resolved_at=row.resolved_at,
    )
