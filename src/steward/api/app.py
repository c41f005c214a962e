"""The REST control plane: FastAPI, OpenAPI at /docs."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI

from steward.api.deps import signed_in
from steward.api.errors import install_error_handlers
from steward.api.limits import BodyLimitMiddleware
from steward.api.routes import (
    alerts,
    aliases,
    approvals,
    artifacts,
    audit,
    cards,
    deployments,
    evidence,
    explain,
    findings,
    inventory,
    kill,
    models,
    monitoring,
    policies,
    tokens,
    users,
    validation,
    versions,
)
from steward.app import Steward
from steward.core.version import VERSION as __version__


def create_app(steward: Steward) -> FastAPI:
    app = FastAPI(
        title="Steward",
        version=__version__,
        description="Registry, governance, deployment and monitoring of trained models.",
    )
    app.state.steward = steward
    install_error_handlers(app)
    routers = (
        models,
        versions,
        aliases,
        artifacts,
        audit,
        deployments,
        kill,
        users,
        tokens,
        approvals,
        cards,
        evidence,
        inventory,
        policies,
        monitoring,
        alerts,
        validation,
        explain,
        findings,
    )
    for module in routers:  # with auth on, every route but /health needs a token
        app.include_router(module.router, dependencies=[Depends(signed_in)])

    @app.get("/api/v1/health", tags=["health"], summary="Liveness of the control plane")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(BodyLimitMiddleware)
    return app


def build_app() -> FastAPI:
    """Factory for ``uvicorn --factory steward.api.app:build_app``: settings from the environment."""
    from steward.settings import Settings

    return create_app(Steward.open(Settings.resolve()))
