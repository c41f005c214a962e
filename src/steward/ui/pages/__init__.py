"""One module per console page group; each exposes ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from steward.ui.pages import (
    approvals,
    audit,
    auth,
    catalog,
    deployments,
    models,
    monitoring,
    policies,
    retraining,
    rollouts,
    users,
    versions,
)

ROUTERS: tuple[APIRouter, ...] = (auth.router, catalog.router, models.router, versions.router)
ROUTERS += (approvals.router, policies.router, audit.router, users.router)
ROUTERS += (deployments.router, monitoring.router, retraining.router)
ROUTERS += (rollouts.router,)
