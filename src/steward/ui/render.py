"""Rendering console pages: one Jinja2 environment, autoescaped, templates shipped in the package."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from steward.core.version import VERSION
from steward.ui.session import CSRF_COOKIE, Viewer

NAV = (
    ("Catalog", "/"),
    ("Deployments", "/deployments"),
    ("Monitoring", "/monitoring"),
    ("Retraining", "/retraining"),
    ("Approvals", "/approvals"),
    ("Audit", "/audit"),
)


def when(value: datetime | None) -> str:
    """A time as people read it in a table: UTC, to the second."""
    if value is None:
        return "\u2013"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def number(value: float | int | None, digits: int = 4) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}g}"


def svg(markup: str | None) -> Markup:
    """Inline a chart made by steward.core.charts (our own SVG, so it is trusted markup)."""
    return Markup(markup or "")


ENVIRONMENT = Environment(
    loader=PackageLoader("steward.ui", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters.update(when=when, number=number, svg=svg)
ENVIRONMENT.globals.update(nav=NAV, version=VERSION)


def page(
    request: Request, template: str, viewer: Viewer | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render *template* for *viewer*; sets the CSRF cookie on a browser's first visit."""
    from steward.ui.session import csrf_token

    html = ENVIRONMENT.get_template(template).render(
        request=request, viewer=viewer, path=request.url.path, csrf=csrf_token(request), **context
    )
    response = HTMLResponse(html, status_code=status)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/")
    return response
