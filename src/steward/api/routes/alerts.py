"""Alert rules on monitoring figures, and the alerts they fire."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from steward.api.deps import Actor, Alerts
from steward.api.schemas import AlertRuleBody
from steward.core.alerts import AlertRule

router = APIRouter(prefix="/api/v1/monitoring", tags=["alerts"])


@router.put("/alert-rules/{name}", summary="Create or replace an alert rule")
def put_rule(name: str, body: AlertRuleBody, alerts: Alerts, actor: Actor) -> dict[str, Any]:
    rule = AlertRule.from_dict({"name": name, **body.model_dump()})
    return alerts.put_rule(rule, actor=actor).to_dict(redact=True)


@router.get("/alert-rules", summary="Every alert rule")
def list_rules(alerts: Alerts) -> dict[str, Any]:
    return {"items": [r.to_dict(redact=True) for r in alerts.list_rules()]}


@router.get("/alert-rules/{name}", summary="One alert rule")
def get_rule(name: str, alerts: Alerts) -> dict[str, Any]:
    return alerts.get_rule(name).to_dict(redact=True)


@router.delete("/alert-rules/{name}", summary="Delete an alert rule and its alerts")
def delete_rule(name: str, alerts: Alerts, actor: Actor) -> dict[str, Any]:
    return alerts.delete_rule(name, actor=actor).to_dict(redact=True)


@router.get("/alerts", summary="Alerts, newest first")
def list_alerts(
    alerts: Alerts,
    status: Annotated[str | None, Query(pattern="^(firing|resolved)$")] = None,
    deployment: Annotated[str | None, Query(max_length=63)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> dict[str, Any]:
    return {
        "items": [a.to_dict() for a in alerts.list_alerts(status=status, deployment=deployment, limit=limit)]
    }
