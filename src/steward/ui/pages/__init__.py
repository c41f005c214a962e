"""One module per console page group; each exposes ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from steward.ui.pages import auth, catalog, deployments, models, monitoring, versions

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    catalog.router,
    models.router,
    versions.router,
    deployments.router,
    monitoring.router,
)
