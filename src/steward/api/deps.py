"""Request-scoped dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from steward.app import Steward
from steward.core.registry import check_tags
from steward.services.alerting import AlertService
from steward.services.deploy import DeploymentService
from steward.services.monitoring import MonitoringService
from steward.services.registry import RegistryService

ACTOR_HEADER = "X-Steward-User"


def get_steward(request: Request) -> Steward:
    steward: Steward = request.app.state.steward
    return steward


def get_registry(request: Request) -> RegistryService:
    return get_steward(request).registry


def get_deployments(request: Request) -> DeploymentService:
    return get_steward(request).deployments


def get_monitoring(request: Request) -> MonitoringService:
    return get_steward(request).monitoring


def get_alerts(request: Request) -> AlertService:
    return get_steward(request).alerts


def get_actor(
    request: Request, x_steward_user: Annotated[str | None, Header(alias=ACTOR_HEADER)] = None
) -> str:
    """Who acts. Until sign-in exists, the caller names itself; the server's user otherwise."""
    if x_steward_user:
        check_tags({"user": x_steward_user})
        return x_steward_user[:200]
    return get_steward(request).settings.actor


Registry = Annotated[RegistryService, Depends(get_registry)]
Deployments = Annotated[DeploymentService, Depends(get_deployments)]
Actor = Annotated[str, Depends(get_actor)]
Monitoring = Annotated[MonitoringService, Depends(get_monitoring)]
Alerts = Annotated[AlertService, Depends(get_alerts)]
