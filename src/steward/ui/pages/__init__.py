"""One module per console page group; each exposes ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from steward.ui.pages import approvals, audit, auth, catalog, policies, users

ROUTERS: tuple[APIRouter, ...] = (auth.router, catalog.router)
ROUTERS += (approvals.router, policies.router, audit.router, users.router)
