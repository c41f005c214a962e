"""The REST control plane: FastAPI, OpenAPI at /docs."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from starlette.routing import Match, Mount
from starlette.types import Scope

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
    events,
    evidence,
    explain,
    findings,
    inventory,
    kill,
    models,
    monitoring,
    policies,
    retraining,
    rollouts,
    tokens,
    users,
    validation,
    versions,
    webhooks,
)
from steward.app import Steward
from steward.core.version import VERSION as __version__
from steward.ui import create_console

API_PATHS = ("/api/", "/docs", "/redoc", "/openapi.json")


class ConsoleMount(Mount):
    """The web console at ``/``, for every path but the API's: an unknown or wrong-method API
    request keeps its JSON 404/405 instead of becoming a console page."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith(API_PATHS):
            return Match.NONE, {}
        return super().matches(scope)


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
        events,
        webhooks,
        retraining,
        rollouts,
    )
    for module in routers:  # with auth on, every route but /health needs a token
        app.include_router(module.router, dependencies=[Depends(signed_in)])

    @app.get("/api/v1/health", tags=["health"], summary="Liveness of the control plane")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    app.router.routes.append(ConsoleMount("/", app=create_console(steward)))  # after every API route
    app.add_middleware(BodyLimitMiddleware)
    return app


def build_app() -> FastAPI:
    """Factory for ``uvicorn --factory steward.api.app:build_app``: settings from the environment."""
    from steward.settings import Settings

    return create_app(Steward.open(Settings.resolve()))
