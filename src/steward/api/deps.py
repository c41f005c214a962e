"""Request-scoped dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from steward.app import Steward
from steward.core.errors import AuthenticationError
from steward.core.registry import check_tags
from steward.services.alerting import AlertService
from steward.services.approvals import ApprovalService
from steward.services.audit import AuditService
from steward.services.deploy import DeploymentService
from steward.services.identity import IdentityService
from steward.services.monitoring import MonitoringService
from steward.services.policies import PolicyService
from steward.services.registry import RegistryService

ACTOR_HEADER = "X-Steward-User"
BEARER = "bearer "


def get_steward(request: Request) -> Steward:
    steward: Steward = request.app.state.steward
    return steward


def get_registry(request: Request) -> RegistryService:
    return get_steward(request).registry


def get_deployments(request: Request) -> DeploymentService:
    return get_steward(request).deployments


def get_identities(request: Request) -> IdentityService:
    return get_steward(request).identities


def get_approvals(request: Request) -> ApprovalService:
    return get_steward(request).approvals


def get_policies(request: Request) -> PolicyService:
    return get_steward(request).policies


def get_audit(request: Request) -> AuditService:
    return get_steward(request).audit


def signed_in(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> str | None:
    """With auth on, the principal whose bearer token came with the request (401 otherwise).

    Every router depends on this (``create_app``), so reads need a token too. The
    result is cached for the request, so :func:`get_actor` does not sign in twice.
    """
    steward = get_steward(request)
    if not steward.settings.auth_enabled:
        return None
    if not authorization or not authorization.lower().startswith(BEARER):
        raise AuthenticationError(
            "Sign in: send Authorization: Bearer <token> (the SDK: Client(uri, token=…) or "
            "STEWARD_TOKEN). An admin creates tokens with `steward tokens create`."
        )
    return steward.identities.authenticate(authorization[len(BEARER) :].strip())


def get_monitoring(request: Request) -> MonitoringService:
    return get_steward(request).monitoring


def get_alerts(request: Request) -> AlertService:
    return get_steward(request).alerts


def get_actor(
    request: Request,
    principal: Annotated[str | None, Depends(signed_in)],
    x_steward_user: Annotated[str | None, Header(alias=ACTOR_HEADER)] = None,
) -> str:
    """Who acts: with auth on, the token's principal (the header is ignored); else the named caller."""
    if principal is not None:
        return principal
    if x_steward_user:
        check_tags({"user": x_steward_user})
        return x_steward_user[:200]
    return get_steward(request).settings.actor


Registry = Annotated[RegistryService, Depends(get_registry)]
Deployments = Annotated[DeploymentService, Depends(get_deployments)]
Actor = Annotated[str, Depends(get_actor)]
Identities = Annotated[IdentityService, Depends(get_identities)]
Approvals = Annotated[ApprovalService, Depends(get_approvals)]
Policies = Annotated[PolicyService, Depends(get_policies)]
Audit = Annotated[AuditService, Depends(get_audit)]
Monitoring = Annotated[MonitoringService, Depends(get_monitoring)]
Alerts = Annotated[AlertService, Depends(get_alerts)]
